package io.settleflow.feeds;

import io.settleflow.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads the markers from {@link Topics#SETTLEMENTS_IMPORTS} with {@code read_committed}, from the
 * beginning of every partition to its last stable offset, without a consumer group. The topic is
 * compacted and holds one marker per chunk of an import (one per file after compaction), so reading
 * it whole stays cheap.
 *
 * <p>The consumer is made at the first read and kept for the next ones (one per file of an import
 * run): a fresh consumer's connection and metadata requests took most of a read's 45–75 ms, which
 * came before each file's first entry was sent. Reads are serialized; {@link #close} closes it.
 */
public final class KafkaImportMarkers implements ImportMarkers, AutoCloseable {
  /** Bound on reading the marker topic to its end; a broker that cannot serve it is down. */
  public static final Duration MAX_READ = Duration.ofSeconds(60);

  private static final Duration POLL = Duration.ofMillis(200);

  /** How long the broker may hold a fetch for records not there yet (Kafka's default: 500 ms). */
  static final int FETCH_MAX_WAIT_MS = 10;

  private final String bootstrap;

  /**
   * Made at the first read; dropped (closed) after a failed read, so the next one starts afresh.
   */
  private KafkaConsumer<String, byte[]> consumer;

  public KafkaImportMarkers(String bootstrap) {
    this.bootstrap = bootstrap;
  }

  @Override
  public synchronized void close() {
    if (consumer != null) {
      consumer.close();
      consumer = null;
    }
  }

  @Override
  public long committedEntries(String key) {
    return read(key::equals).getOrDefault(key, 0L);
  }

  /**
   * One read of the topic for every key with the prefix (one source and format: one entry per file
   * it imported, after compaction).
   */
  @Override
  public ToLongFunction<String> committedEntriesByKey(String keyPrefix) {
    Map<String, Long> entries = read(k -> k.startsWith(keyPrefix));
    return key -> entries.getOrDefault(key, 0L);
  }

  private synchronized Map<String, Long> read(Predicate<String> wanted) {
    if (consumer == null) {
      consumer = newConsumer();
    }
    try {
      return read(consumer, wanted);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  private KafkaConsumer<String, byte[]> newConsumer() {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    // Only markers of committed transactions count: their entries are on the topics.
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "settleflow-feeds-markers");
    // The read stops at end offsets known beforehand, so no fetch should wait for new records; with
    // the default (500 ms) the fetch left in flight when the end is reached held close() for half
    // a second, which every import waited for before its first entry.
    p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, FETCH_MAX_WAIT_MS);
    return new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
  }

  private static Map<String, Long> read(
      KafkaConsumer<String, byte[]> consumer, Predicate<String> wanted) {
    List<TopicPartition> partitions = new ArrayList<>();
    var infos = consumer.partitionsFor(Topics.SETTLEMENTS_IMPORTS, MAX_READ);
    if (infos == null || infos.isEmpty()) {
      throw new SettlementPublishException(
          "topic "
              + Topics.SETTLEMENTS_IMPORTS
              + " does not exist (start the stack again to create it)",
          null);
    }
    infos.forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions, MAX_READ);
    long deadline = System.nanoTime() + MAX_READ.toNanos();
    Map<String, Long> entries = new HashMap<>();
    while (!reached(consumer, end)) {
      if (System.nanoTime() - deadline > 0) {
        throw new SettlementPublishException(
            "reading "
                + Topics.SETTLEMENTS_IMPORTS
                + " took longer than "
                + MAX_READ.toSeconds()
                + " s",
            null);
      }
      for (ConsumerRecord<String, byte[]> r : consumer.poll(POLL)) {
        if (r.key() != null && wanted.test(r.key())) {
          // the latest marker of a key wins
          entries.put(r.key(), ImportMarkers.entriesOf(r.value()));
        }
      }
    }
    return entries;
  }

  private static boolean reached(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }
}
