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
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    return p;
  }

  public static Producer<String, byte[]> create(String bootstrapServers) {
    return new KafkaProducer<>(config(bootstrapServers));
  }

  private SettlementProducers() {}
}
