package io.settleflow.embedded;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Everything committed on a topic right now: read with read_committed from the beginning of every
 * partition up to its end offset, without a consumer group. Used by the demo to count what each
 * stage wrote and by integration tests to check it.
 */
public final class TopicContents {
  /** Bound on reading a topic to its end; a stack that cannot serve that in time is broken. */
  public static final Duration MAX_READ = Duration.ofSeconds(60);

  private static final Duration POLL = Duration.ofMillis(200);
  private static final int MAX_POLL_RECORDS = 5000;

  /** The committed records of one topic, each partition in offset order. */
  public static List<ConsumerRecord<String, byte[]>> readAll(String bootstrap, String topic) {
    return readAll(bootstrap, List.of(topic));
  }

  /**
   * The committed records of several topics, each partition in offset order.
   *
   * @throws IllegalStateException when the end offsets are not reached within {@link #MAX_READ}
   */
  public static List<ConsumerRecord<String, byte[]>> readAll(
      String bootstrap, Collection<String> topics) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(MAX_POLL_RECORDS));
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : topics) {
        consumer
            .partitionsFor(topic)
            .forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      // end offsets under read_committed are the last stable offsets: open transactions excluded
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + MAX_READ.toNanos();
      while (!reached(consumer, end)) {
        if (System.nanoTime() - deadline > 0) {
          throw new IllegalStateException(
              "reading "
                  + topics
                  + " to its end offsets "
                  + end
                  + " took longer than "
                  + MAX_READ.toSeconds()
                  + " s");
        }
        consumer.poll(POLL).forEach(records::add);
      }
    }
    return records;
  }

  private static boolean reached(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  private TopicContents() {}
}
