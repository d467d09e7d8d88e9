package io.settleflow.deploy.rules;

import io.settleflow.avro.PaymentEvent;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.SchemaRegistryException;
import io.settleflow.schemas.Topics;
import io.settleflow.schemas.WireFormatException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
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
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Recorded payment history for a backtest, read from the ledger topics (payments.authorized,
 * captured, refunded, cancelled) between two instants of record time, {@code read_committed}: per
 * partition, from the first record stamped at or after FROM up to the first stamped at or after TO
 * (Kafka's offsets-for-times; record time grows with the offsets, as the CDC relay stamps it).
 *
 * <p>Deterministic: the end offsets are fixed when reading starts (records published later are not
 * read), and the events are returned in event-time order (occurred_at, then topic, partition and
 * offset), so the same topic contents give the same history.
 */
public final class LedgerTopicHistory {
  /** Reading fails when no record arrives for this long while the end is not reached. */
  static final Duration STALL_TIMEOUT = Duration.ofSeconds(60);

  private static final Duration POLL = Duration.ofMillis(200);
  private static final int MAX_POLL_RECORDS = 5_000;

  /** The records to read, as {@code [from, to)} of record timestamps. */
  public record TimeRange(Instant from, Instant to) {
    public TimeRange {
      if (!from.isBefore(to)) {
        throw new IllegalArgumentException(
            "--from: the range's start " + from + " must be before its end " + to);
      }
    }

    /** True for {@code FROM..TO} (ISO-8601 instants): how {@code --from} names a time range. */
    public static boolean looksLikeRange(String s) {
      return s.contains("..");
    }

    /**
     * @param s {@code 2026-11-25T10:00:00Z..2026-11-25T12:00:00Z}
     * @throws IllegalArgumentException naming {@code --from} and the part that is wrong
     */
    public static TimeRange parse(String s) {
      int dots = s.indexOf("..");
      if (dots < 0) {
        throw new IllegalArgumentException("--from: a time range is FROM..TO, got '" + s + "'");
      }
      return new TimeRange(
          instant(s.substring(0, dots), "start"), instant(s.substring(dots + 2), "end"));
    }

    private static Instant instant(String s, String which) {
      try {
        return Instant.parse(s.strip());
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException(
            "--from: the range's "
                + which
                + " '"
                + s
                + "' is not an ISO-8601 instant such as 2026-11-25T10:00:00Z",
            e);
      }
    }
  }

  /** Told how far reading is: {@code done} of {@code total} records (an upper bound). */
  public interface Progress {
    Progress NONE = (done, total) -> {};

    void read(long done, long total);
  }

  /**
   * @param events in event-time order
   * @param records records read in the range (events + skipped)
   * @param skipped records left out, by reason (not PaymentEvent bytes, unknown schema, tombstone)
   * @param offsets per partition ({@code topic-partition}), the offsets read
   */
  public record History(
      List<PaymentEvent> events,
      long records,
      Map<String, Long> skipped,
      Map<String, Span> offsets) {}

  /** Offsets {@code [first, end)} of one partition. */
  public record Span(long first, long end) {}

  private record Read(PaymentEvent event, int topic, int partition, long offset) {}

  private LedgerTopicHistory() {}

  public static History read(
      String bootstrap, ConfluentWireFormat wire, TimeRange range, Progress progress) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(MAX_POLL_RECORDS));
    List<Read> read = new ArrayList<>();
    Map<String, Long> skipped = new TreeMap<>();
    Map<String, Span> offsets = new TreeMap<>();
    long records = 0;
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic : Topics.LEDGER_EVENTS) {
        consumer
            .partitionsFor(topic)
            .forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
      }
      // under read_committed these are the last stable offsets: open transactions are not read
      Map<TopicPartition, Long> last = consumer.endOffsets(partitions);
      Map<TopicPartition, Long> start = firstAtOrAfter(consumer, partitions, range.from(), last);
      Map<TopicPartition, Long> end = firstAtOrAfter(consumer, partitions, range.to(), last);
      List<TopicPartition> toRead = new ArrayList<>();
      long total = 0;
      for (TopicPartition tp : partitions) {
        offsets.put(tp.toString(), new Span(start.get(tp), end.get(tp)));
        if (end.get(tp) > start.get(tp)) {
          toRead.add(tp);
          total += end.get(tp) - start.get(tp);
        }
      }
      consumer.assign(toRead);
      toRead.forEach(tp -> consumer.seek(tp, start.get(tp)));
      long lastProgress = System.nanoTime();
      while (!reached(consumer, toRead, end)) {
        long before = records;
        for (ConsumerRecord<String, byte[]> r : consumer.poll(POLL)) {
          TopicPartition tp = new TopicPartition(r.topic(), r.partition());
          if (r.offset() >= end.get(tp)) {
            continue;
          }
          records++;
          PaymentEvent e = decode(wire, r, skipped);
          if (e != null) {
            read.add(
                new Read(e, Topics.LEDGER_EVENTS.indexOf(r.topic()), r.partition(), r.offset()));
          }
        }
        if (records > before) {
          lastProgress = System.nanoTime();
          progress.read(records, total);
        } else if (System.nanoTime() - lastProgress > STALL_TIMEOUT.toNanos()) {
          throw new IllegalStateException(
              "reading the ledger topics stalled: nothing arrived for "
                  + STALL_TIMEOUT.toSeconds()
                  + " s before the end offsets "
                  + end);
        }
      }
      if (records != total || total == 0) {
        progress.read(records, records); // aborted transactions and markers are not records
      }
    }
    read.sort(
        Comparator.comparing((Read r) -> r.event().getOccurredAt())
            .thenComparingInt(Read::topic)
            .thenComparingInt(Read::partition)
            .thenComparingLong(Read::offset));
    return new History(read.stream().map(Read::event).toList(), records, skipped, offsets);
  }

  /**
   * Per partition, the first offset whose record time is at or after {@code t}, or the end when
   * none is (also used by {@code recon backtest}'s recording).
   */
  public static Map<TopicPartition, Long> firstAtOrAfter(
      KafkaConsumer<?, ?> consumer,
      List<TopicPartition> partitions,
      Instant t,
      Map<TopicPartition, Long> last) {
    Map<TopicPartition, Long> query = new HashMap<>();
    partitions.forEach(tp -> query.put(tp, t.toEpochMilli()));
    Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query);
    Map<TopicPartition, Long> out = new HashMap<>();
    for (TopicPartition tp : partitions) {
      OffsetAndTimestamp o = found.get(tp);
      out.put(tp, o == null ? last.get(tp) : Math.min(o.offset(), last.get(tp)));
    }
    return out;
  }

  /** True once the consumer's position reached {@code end} on every partition. */
  public static boolean reached(
      KafkaConsumer<?, ?> consumer,
      List<TopicPartition> partitions,
      Map<TopicPartition, Long> end) {
    for (TopicPartition tp : partitions) {
      if (consumer.position(tp) < end.get(tp)) {
        return false;
      }
    }
    return true;
  }

  /** The event, or null (counted in {@code skipped}) when the record is not one. */
  private static PaymentEvent decode(
      ConfluentWireFormat wire, ConsumerRecord<String, byte[]> r, Map<String, Long> skipped) {
    if (r.value() == null) {
      skipped.merge("tombstone", 1L, Long::sum);
      return null;
    }
    try {
      return wire.decode(r.value(), PaymentEvent.class);
    } catch (WireFormatException e) {
      skipped.merge("not a PaymentEvent (wire format)", 1L, Long::sum);
      return null;
    } catch (SchemaRegistryException e) {
      if (e.isTransient()) {
        // the registry is down: a backtest that silently drops payments would mislead
        throw e;
      }
      skipped.merge("unknown schema id", 1L, Long::sum);
      return null;
    }
  }
}
