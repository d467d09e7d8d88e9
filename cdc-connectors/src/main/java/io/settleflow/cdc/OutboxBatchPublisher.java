package io.settleflow.cdc;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.settleflow.cdc.OutboxEventRouting.DeadLetter;
import io.settleflow.cdc.OutboxEventRouting.Decision;
import io.settleflow.cdc.OutboxEventRouting.EncodedHeader;
import io.settleflow.cdc.OutboxEventRouting.HeaderValue;
import io.settleflow.cdc.OutboxEventRouting.Publish;
import io.settleflow.cdc.OutboxEventRouting.RoutedRecord;
import io.settleflow.cdc.OutboxEventRouting.Skip;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes each engine batch to Kafka, at least once: every record is sent, the producer is
 * flushed, every send is checked, and only then are the records marked processed, so the engine's
 * offsets (and the replication slot) never move past an event that is not in Kafka. A Kafka failure
 * throws, which stops the engine without committing the batch.
 */
public final class OutboxBatchPublisher
    implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>> {
  private static final Logger LOG = LoggerFactory.getLogger(OutboxBatchPublisher.class);

  /** Offset keys of Debezium's PostgreSQL connector. */
  static final String COMMIT_TIME_MICROS_OFFSET = "ts_usec";

  static final String SNAPSHOT_OFFSET = "snapshot";

  /**
   * Optional header (benchmarks only, off by default) with the times an event passed the relay's
   * stages: {@code <commit µs> <debezium ms> <relay µs>} — PostgreSQL's commit time from the WAL,
   * the time Debezium's streaming thread built the change event (the record timestamp the
   * EventRouter keeps), and the time this publisher received the batch. Epoch based, ASCII.
   */
  public static final String TRACE_HEADER = "settleflow.cdc.trace";

  private final Producer<byte[], byte[]> producer;
  private final OutboxEventRouting routing;
  private final String deadLetterTopic;
  private final RelayMetrics metrics;
  private final Clock clock;
  private final boolean traceHeaders;

  public OutboxBatchPublisher(
      Producer<byte[], byte[]> producer,
      OutboxEventRouting routing,
      String deadLetterTopic,
      RelayMetrics metrics,
      Clock clock) {
    this(producer, routing, deadLetterTopic, metrics, clock, false);
  }

  /**
   * @param traceHeaders add {@link #TRACE_HEADER} to every published event (latency breakdowns in
   *     benchmarks; consumers ignore it)
   */
  public OutboxBatchPublisher(
      Producer<byte[], byte[]> producer,
      OutboxEventRouting routing,
      String deadLetterTopic,
      RelayMetrics metrics,
      Clock clock,
      boolean traceHeaders) {
    this.producer = producer;
    this.routing = routing;
    this.deadLetterTopic = deadLetterTopic;
    this.metrics = metrics;
    this.clock = clock;
    this.traceHeaders = traceHeaders;
  }

  @Override
  public void handleBatch(
      List<RecordChangeEvent<SourceRecord>> records,
      DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
      throws InterruptedException {
    Instant started = clock.instant();
    List<Sent> sent = new ArrayList<>(records.size());
    int heartbeats = 0;
    for (RecordChangeEvent<SourceRecord> event : records) {
      SourceRecord record = event.record();
      Decision decision = routing.route(toRouted(record));
      if (decision instanceof Skip) {
        heartbeats++;
      } else if (decision instanceof Publish p) {
        ProducerRecord<byte[], byte[]> out = toProducerRecord(p);
        if (traceHeaders) {
          out.headers().add(TRACE_HEADER, traceValue(record, started));
        }
        sent.add(new Sent(record, decision, send(out)));
      } else if (decision instanceof DeadLetter d) {
        LOG.warn(
            "dead-lettering outbox record for {}: {} ({})",
            d.sourceTopic(),
            d.reason(),
            d.errorClass());
        sent.add(new Sent(record, decision, send(toProducerRecord(d))));
      }
    }
    producer.flush();

    int published = 0;
    int deadLettered = 0;
    List<Sent> retried = new ArrayList<>();
    for (Sent s : sent) {
      try {
        s.future().get();
        if (s.decision() instanceof Publish) {
          published++;
        } else {
          deadLettered++;
        }
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (s.decision() instanceof Publish p && isRecordRejected(cause)) {
          // The broker will never take this record; park it so the rest of the stream moves on.
          DeadLetter d =
              new DeadLetter(
                  "PublishRejected",
                  cause.getClass().getSimpleName() + ": " + cause.getMessage(),
                  p.topic(),
                  p.key(),
                  p.value().length > OutboxEventRouting.MAX_VALUE_BYTES ? new byte[0] : p.value(),
                  p.headers());
          LOG.warn("dead-lettering event {} for {}: {}", p.eventId(), p.topic(), d.reason());
          retried.add(new Sent(s.record(), d, send(toProducerRecord(d))));
        } else {
          throw new OutboxPublishException(
              "publishing to "
                  + topicOf(s.decision())
                  + " failed; the batch is not committed and will be replayed",
              cause);
        }
      }
    }
    if (!retried.isEmpty()) {
      producer.flush();
      for (Sent s : retried) {
        try {
          s.future().get();
          deadLettered++;
        } catch (ExecutionException e) {
          throw new OutboxPublishException(
              "dead-lettering failed; the batch is not committed and will be replayed",
              e.getCause());
        }
      }
    }

    Instant flushed = clock.instant();
    Instant newestCommit = null;
    for (Sent s : sent) {
      java.util.Optional<Instant> commit = commitTime(s.record());
      if (commit.isPresent()) {
        metrics.commitToKafka(Duration.between(commit.get(), flushed));
        newestCommit =
            newestCommit == null || commit.get().isAfter(newestCommit)
                ? commit.get()
                : newestCommit;
      }
    }
    if (newestCommit != null) {
      metrics.behindSource(Duration.between(newestCommit, flushed));
    }
    // Only now: every event of the batch is in Kafka.
    for (RecordChangeEvent<SourceRecord> event : records) {
      committer.markProcessed(event);
    }
    Instant finishing = clock.instant();
    // Debezium's offset flush runs in here (every offset.flush.interval.ms), synchronously.
    committer.markBatchFinished();
    metrics.batchFinished(Duration.between(finishing, clock.instant()));
    metrics.published(published);
    metrics.deadLettered(deadLettered);
    metrics.heartbeats(heartbeats);
    metrics.batchPublished(Duration.between(started, flushed));
  }

  private Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
    try {
      return producer.send(record);
    } catch (RuntimeException e) {
      // send() throws synchronously for some failures (serialization, metadata timeout): same rule.
      throw new OutboxPublishException(
          "cannot send to " + record.topic() + "; the batch is not committed", e);
    }
  }

  private String topicOf(Decision decision) {
    return decision instanceof Publish p ? p.topic() : deadLetterTopic;
  }

  private static boolean isRecordRejected(Throwable cause) {
    return cause instanceof RecordTooLargeException || cause instanceof InvalidTopicException;
  }

  static RoutedRecord toRouted(SourceRecord record) {
    List<HeaderValue> headers = new ArrayList<>();
    for (Header h : record.headers()) {
      headers.add(new HeaderValue(h.key(), h.value()));
    }
    return new RoutedRecord(record.topic(), record.key(), record.value(), headers);
  }

  private static ProducerRecord<byte[], byte[]> toProducerRecord(Publish p) {
    return new ProducerRecord<>(p.topic(), null, p.key(), p.value(), headers(p.headers()));
  }

  private ProducerRecord<byte[], byte[]> toProducerRecord(DeadLetter d) {
    return new ProducerRecord<>(
        deadLetterTopic, null, d.key(), d.value(), headers(d.withErrorHeaders()));
  }

  private static RecordHeaders headers(List<EncodedHeader> headers) {
    RecordHeaders out = new RecordHeaders();
    for (EncodedHeader h : headers) {
      out.add(new RecordHeader(h.name(), h.value()));
    }
    return out;
  }

  static byte[] traceValue(SourceRecord record, Instant received) {
    long commitMicros =
        commitTime(record)
            .map(t -> t.getEpochSecond() * 1_000_000 + t.getNano() / 1_000)
            .orElse(-1L);
    long debeziumMillis = record.timestamp() == null ? -1 : record.timestamp();
    long receivedMicros = received.getEpochSecond() * 1_000_000 + received.getNano() / 1_000;
    return (commitMicros + " " + debeziumMillis + " " + receivedMicros)
        .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }

  /** The source commit time of a streamed row; snapshot rows have no meaningful one. */
  static java.util.Optional<Instant> commitTime(SourceRecord record) {
    Map<String, ?> offset = record.sourceOffset();
    if (offset == null) {
      return java.util.Optional.empty();
    }
    Object snapshot = offset.get(SNAPSHOT_OFFSET);
    boolean isSnapshot =
        snapshot != null
            && !Boolean.FALSE.equals(snapshot)
            && !"false".equalsIgnoreCase(snapshot.toString());
    if (isSnapshot || !(offset.get(COMMIT_TIME_MICROS_OFFSET) instanceof Number micros)) {
      return java.util.Optional.empty();
    }
    long us = micros.longValue();
    return java.util.Optional.of(Instant.ofEpochSecond(us / 1_000_000, (us % 1_000_000) * 1_000));
  }

  private record Sent(SourceRecord record, Decision decision, Future<RecordMetadata> future) {}

  /** Kafka did not take the batch; its offsets were not committed. */
  public static final class OutboxPublishException extends RuntimeException {
    public OutboxPublishException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
