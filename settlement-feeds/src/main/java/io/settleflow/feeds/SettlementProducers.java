package io.settleflow.feeds;

import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** The producer the importer publishes with. */
public final class SettlementProducers {
  public static final String CLIENT_ID = "settlement-feeds";

  /** Bound on how long one import waits for the broker before it reports failure. */
  public static final int DELIVERY_TIMEOUT_MS = 120_000;

  /** The producer configuration, for callers that build their own client. */
  public static Properties config(String bootstrapServers) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.CLIENT_ID_CONFIG, CLIENT_ID);
    // Idempotence with acks=all: a broker retry never writes a line twice or loses one.
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, DELIVERY_TIMEOUT_MS);
    // A file is a burst: a short batching delay fills batches without slowing small files.
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    // The producer's record buffer is most of an import's heap (it fills while the broker lags, and
    // keeps its pooled batches): bounded well below the 32 MiB default, so memory stays flat
    // however long the file and however far ahead of the broker the parser runs.
    p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, BUFFER_MEMORY_BYTES);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    return p;
  }

  /**
   * The importer's producer: transactional, its transactions already initialized. The transactional
   * id is per source ({@link #transactionalId}): a new import of that source aborts whatever a
   * crashed one left open (so readers are not held up until the transaction times out), and two
   * imports of one source at once fence each other instead of interleaving.
   */
  public static Producer<String, byte[]> createTransactional(
      String bootstrapServers, String source) {
    Properties p = config(bootstrapServers);
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId(source));
    p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, TRANSACTION_TIMEOUT_MS);
    KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p);
    try {
      producer.initTransactions();
    } catch (RuntimeException e) {
      producer.close();
      throw new SettlementPublishException(
          "cannot start an import transaction: " + e.getMessage(), e);
    }
    return producer;
  }

  /**
   * Longest an import's transaction may stay open: a whole file up to {@link
   * SettlementImporter#ONE_TRANSACTION_MAX_BYTES} (256 MiB, about 40 s of camt and 90 s of BAI2 at
   * the slowest rates measured here, under load), or a chunk of {@link
   * SettlementImporter#CHUNK_ENTRIES} of a larger file. Below the broker's default {@code
   * transaction.max.timeout.ms} (15 min).
   */
  public static final int TRANSACTION_TIMEOUT_MS = 600_000;

  /**
   * The producer's buffer for records not yet sent (bytes): ≈ 16,000 settlement records, 50–100 ms
   * of sending at the rates measured here, more than batching needs. The producer keeps the batch
   * buffers it has used (up to this size) for the rest of its life, so this bounds most of what an
   * import holds beyond the parser: at 8 MiB `bench feeds` saw the 2,000,000-entry import's peak
   * heap at 23–34 MiB against 21–26 at 200,000 entries (growth up to 1.51), at 4 MiB 22–26 against
   * 22–27 (0.95–1.02), the rates unchanged (2026-11-27).
   */
  public static final long BUFFER_MEMORY_BYTES = 4L * 1024 * 1024;

  /** {@code settleflow-feeds-import-<source>}, the source cut to a bounded length with a digest. */
  public static String transactionalId(String source) {
    return "settleflow-feeds-import-" + SettlementIds.bounded(source);
  }

  private SettlementProducers() {}
}
