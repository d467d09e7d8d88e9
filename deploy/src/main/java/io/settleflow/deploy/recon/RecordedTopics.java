package io.settleflow.deploy.recon;

import io.settleflow.avro.PaymentEvent;
import io.settleflow.avro.SettlementRecord;
import io.settleflow.deploy.rules.LedgerTopicHistory;
import io.settleflow.reconcile.ReconAvro;
import io.settleflow.reconcile.RecordedInput;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.SchemaRegistryException;
import io.settleflow.schemas.Topics;
import io.settleflow.schemas.WireFormatException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Records what reconciliation reads — {@link RecordedRange#TOPICS}, the ledger topics and
 * settlements.raw — in a range of the running stack's topics ({@code read_committed}), as a {@link
 * RecordedInput} file for the backtest. Deterministic: end offsets are fixed when reading starts,
 * and records are written in (topic, partition, offset) order, so the same topic contents give the
 * same file.
 */
public final class RecordedTopics {
  static final Duration STALL_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration POLL = Duration.ofMillis(200);

  /**
   * @param payments ledger events written
   * @param lines settlement lines written
   * @param skipped records left out, by reason
   * @param offsets the offsets read per partition
   */
  public record Summary(
      long payments,
      long lines,
      Map<String, Long> skipped,
      Map<String, RecordedRange.Span> offsets) {}

  private record Read(String line, int topic, int partition, long offset) {}

  private RecordedTopics() {}

  public static Summary record(
      String bootstrap,
      ConfluentWireFormat wire,
      RecordedRange range,
      Path file,
      LedgerTopicHistory.Progress progress)
      throws IOException {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    List<Read> read = new ArrayList<>();
    Map<String, Long> skipped = new TreeMap<>();
    Map<String, RecordedRange.Span> offsets = new TreeMap<>();
    long payments = 0;
    long lines = 0;
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : RecordedRange.TOPICS) {
        consumer
            .partitionsFor(topic)
            .forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
      }
      Map<TopicPartition, Long> first = consumer.beginningOffsets(partitions);
      Map<TopicPartition, Long> last = consumer.endOffsets(partitions);
      Map<TopicPartition, Long> start = new HashMap<>();
      Map<TopicPartition, Long> end = new HashMap<>();
      if (range.time() != null) {
        start.putAll(
            LedgerTopicHistory.firstAtOrAfter(consumer, partitions, range.time().from(), last));
        end.putAll(
            LedgerTopicHistory.firstAtOrAfter(consumer, partitions, range.time().to(), last));
      }
      for (TopicPartition tp : partitions) {
        if (range.time() == null) {
          RecordedRange.Span s = range.offsets().get(tp.topic() + "-" + tp.partition());
          long from = s == null ? 0 : Math.max(first.get(tp), Math.min(s.first(), last.get(tp)));
          start.put(tp, from);
          end.put(tp, s == null ? from : Math.max(from, Math.min(s.end(), last.get(tp))));
        }
      }
      List<TopicPartition> toRead = new ArrayList<>();
      long total = 0;
      for (TopicPartition tp : partitions) {
        offsets.put(tp.toString(), new RecordedRange.Span(start.get(tp), end.get(tp)));
        if (end.get(tp) > start.get(tp)) {
          toRead.add(tp);
          total += end.get(tp) - start.get(tp);
        }
      }
      consumer.assign(toRead);
      toRead.forEach(tp -> consumer.seek(tp, start.get(tp)));
      long records = 0;
      long lastProgress = System.nanoTime();
      while (!LedgerTopicHistory.reached(consumer, toRead, end)) {
        long before = records;
        for (ConsumerRecord<String, byte[]> r : consumer.poll(POLL)) {
          TopicPartition tp = new TopicPartition(r.topic(), r.partition());
          if (r.offset() >= end.get(tp)) {
            continue;
          }
          records++;
          String line = decode(wire, r, skipped);
          if (line != null) {
            if (r.topic().equals(Topics.SETTLEMENTS_RAW)) {
              lines++;
            } else {
              payments++;
            }
            read.add(
                new Read(line, RecordedRange.TOPICS.indexOf(r.topic()), r.partition(), r.offset()));
          }
        }
        if (records > before) {
          lastProgress = System.nanoTime();
          progress.read(records, total);
        } else if (System.nanoTime() - lastProgress > STALL_TIMEOUT.toNanos()) {
          throw new IllegalStateException(
              "reading the topics stalled: nothing arrived for "
                  + STALL_TIMEOUT.toSeconds()
                  + " s before the end offsets "
                  + end);
        }
      }
      progress.read(records, records);
    }
    read.sort(
        Comparator.comparingInt(Read::topic)
            .thenComparingInt(Read::partition)
            .thenComparingLong(Read::offset));
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (Read r : read) {
        w.write(r.line());
        w.newLine();
      }
    }
    return new Summary(payments, lines, skipped, offsets);
  }

  /** The recording's line, or null (counted in {@code skipped}). */
  private static String decode(
      ConfluentWireFormat wire, ConsumerRecord<String, byte[]> r, Map<String, Long> skipped) {
    if (r.value() == null) {
      skipped.merge("tombstone", 1L, Long::sum);
      return null;
    }
    try {
      if (r.topic().equals(Topics.SETTLEMENTS_RAW)) {
        return RecordedInput.line(
            ReconAvro.settlement(wire.decode(r.value(), SettlementRecord.class)));
      }
      return RecordedInput.line(ReconAvro.payment(wire.decode(r.value(), PaymentEvent.class)));
    } catch (WireFormatException e) {
      skipped.merge(r.topic() + ": not its record type (wire format)", 1L, Long::sum);
      return null;
    } catch (SchemaRegistryException e) {
      if (e.isTransient()) {
        throw e; // the registry is down: a backtest that silently drops input would mislead
      }
      skipped.merge(r.topic() + ": unknown schema id", 1L, Long::sum);
      return null;
    }
  }
}
