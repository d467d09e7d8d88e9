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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
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
 * Publishes each engine batch to Kafka, at least once, pipelined: {@link #handleBatch} routes and
 * sends a batch and returns without waiting for the broker, so the engine polls batch N+1 while
 * batch N's acknowledgements are outstanding. One acknowledger thread takes the batches in order,
 * waits until every send of the oldest one is acknowledged, and only then marks its records
 * processed and finishes it, so the engine's offsets (and the replication slot) never move past an
 * event that is not in Kafka. A Kafka failure marks nothing more — neither that batch nor any later
 * one — and stops the engine (the next {@link #handleBatch} throws; the relay is told at once, so
 * an idle relay stops too).
 *
 * <p>Why marking from another thread is safe with Debezium 3.3.2's (async) embedded engine: the
 * engine calls {@code handleBatch} on its polling thread and never touches the {@link
 * DebeziumEngine.RecordCommitter} itself; the committer "is not thread safe and the caller has to
 * ensure it's used in thread safe manner" (AsyncEmbeddedEngine.SourceRecordCommitter). Here exactly
 * one thread uses it — the acknowledger — and what it reaches is thread-safe in its own right:
 * {@code markProcessed} updates the task's last offsets under the task's lock and Connect's {@code
 * OffsetStorageWriter.offset} is synchronized; {@code markBatchFinished}'s flush takes the writer's
 * flush semaphore ({@code beginFlush(timeout)}), which also serializes it with the engine's own
 * final flush when it stops; the slot's LSN is confirmed later on the polling thread ({@code
 * BaseSourceTask.commit} only sets a flag). Offsets come only from marked records, so committing
 * later than the engine would have is always safe; committing earlier is what must never happen.
 */
public final class OutboxBatchPublisher
    implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>>, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OutboxBatchPublisher.class);

  /** Offset keys of Debezium's PostgreSQL connector. */
  static final String COMMIT_TIME_MICROS_OFFSET = "ts_usec";

  static final String SNAPSHOT_OFFSET = "snapshot";

  /**
   * Batches sent but not yet acknowledged and committed; the engine's thread waits when this many
   * are outstanding (a broker that stops answering stalls the relay here, bounded, instead of
   * buffering without limit). Each batch is at most {@code max.batch.size} (2048) records.
   */
  public static final int MAX_BATCHES_IN_FLIGHT = 64;

  /** How often the engine's thread, waiting for room, checks whether the relay failed. */
  static final Duration FAILURE_CHECK_INTERVAL = Duration.ofMillis(100);

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

  /** Sent batches, oldest first; only the acknowledger takes from it. */
  private final BlockingQueue<InFlightBatch> inFlight = new LinkedBlockingQueue<>();

  private final Semaphore room;
  private final AtomicReference<OutboxPublishException> failure = new AtomicReference<>();
  private final Object progress = new Object();
  private long handedOver;
  private long finished;
  private volatile Consumer<OutboxPublishException> onFailure = e -> {};

  /** The batch the acknowledger is waiting on (taken from {@link #inFlight}), or null. */
  private volatile InFlightBatch finishing;

  private volatile Thread acknowledger;

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
    this(producer, routing, deadLetterTopic, metrics, clock, traceHeaders, MAX_BATCHES_IN_FLIGHT);
  }

  OutboxBatchPublisher(
      Producer<byte[], byte[]> producer,
      OutboxEventRouting routing,
      String deadLetterTopic,
      RelayMetrics metrics,
      Clock clock,
      boolean traceHeaders,
      int maxBatchesInFlight) {
    if (maxBatchesInFlight < 1) {
      throw new IllegalArgumentException("maxBatchesInFlight must be at least 1");
    }
    this.producer = producer;
    this.routing = routing;
    this.deadLetterTopic = deadLetterTopic;
    this.metrics = metrics;
    this.clock = clock;
    this.traceHeaders = traceHeaders;
    this.room = new Semaphore(maxBatchesInFlight);
    metrics.unacknowledgedFrom(this::oldestUnacknowledged);
  }

  /**
   * Starts the acknowledger thread, which commits batches as their acknowledgements arrive.
   *
   * @param onFailure told once, from the acknowledger, when Kafka did not take a batch (the relay
   *     stops the engine; nothing from that batch on is committed)
   */
  public synchronized void start(Consumer<OutboxPublishException> onFailure) {
    if (acknowledger != null) {
      throw new IllegalStateException("already started");
    }
    this.onFailure = onFailure;
    Thread t = new Thread(this::acknowledgeInOrder, "outbox-relay-acks");
    t.setDaemon(true);
    acknowledger = t;
    t.start();
  }

  @Override
  public void handleBatch(
      List<RecordChangeEvent<SourceRecord>> records,
      DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
      throws InterruptedException {
    throwIfFailed();
    while (!room.tryAcquire(FAILURE_CHECK_INTERVAL.toMillis(), TimeUnit.MILLISECONDS)) {
      throwIfFailed();
    }
    Instant received = clock.instant();
    List<Sent> sent = new ArrayList<>(records.size());
    int heartbeats = 0;
    try {
      heartbeats = sendAll(records, received, sent);
    } catch (RuntimeException e) {
      room.release();
      throw e;
    }
    // No flush and no wait for acks: the engine goes on polling while this batch is acknowledged.
    synchronized (progress) {
      handedOver++;
    }
    inFlight.add(new InFlightBatch(records, committer, sent, heartbeats, received));
  }

  /** Routes and sends every record of the batch; returns how many were heartbeats. */
  private int sendAll(
      List<RecordChangeEvent<SourceRecord>> records, Instant received, List<Sent> sent) {
    int heartbeats = 0;
    for (RecordChangeEvent<SourceRecord> event : records) {
      SourceRecord record = event.record();
      Decision decision = routing.route(toRouted(record));
      if (decision instanceof Skip) {
        heartbeats++;
      } else if (decision instanceof Publish p) {
        ProducerRecord<byte[], byte[]> out = toProducerRecord(p);
        if (traceHeaders) {
          out.headers().add(TRACE_HEADER, traceValue(record, received));
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
    return heartbeats;
  }

  /**
   * Commits, oldest first, every sent batch whose sends have all completed, and stops at the first
   * that has not (the acknowledger does this blocking; tests call it to step the pipeline).
   *
   * @return how many batches were committed
   */
  int commitAcknowledged() throws InterruptedException {
    int committed = 0;
    InFlightBatch next = inFlight.peek();
    while (next != null && next.acknowledged() && failure.get() == null) {
      inFlight.remove();
      if (finish(next)) {
        committed++;
      }
      next = inFlight.peek();
    }
    return committed;
  }

  /** The topics this publisher may route events to. */
  public java.util.Set<String> routedTopics() {
    return routing.allowedTopics();
  }

  /** Batches sent and not yet committed. */
  int batchesInFlight() {
    return inFlight.size();
  }

  /**
   * How long the oldest batch handed to Kafka and not yet committed has waited, or empty when none
   * is out: while the broker is away the relay waits (see {@link OutboxRelay#producerConfig}), and
   * this says for how long.
   */
  public java.util.Optional<Duration> oldestUnacknowledged() {
    InFlightBatch oldest = finishing;
    if (oldest == null) {
      oldest = inFlight.peek();
    }
    return oldest == null
        ? java.util.Optional.empty()
        : java.util.Optional.of(Duration.between(oldest.received(), clock.instant()));
  }

  /** The Kafka failure that stopped publishing, if any. */
  public java.util.Optional<OutboxPublishException> failure() {
    return java.util.Optional.ofNullable(failure.get());
  }

  /**
   * Waits (at most {@code timeout}) until every batch handed over so far is committed or publishing
   * failed: a graceful stop calls it before the engine's final offset flush, so that flush covers
   * what is already in Kafka instead of leaving it to be replayed.
   *
   * @return true when everything handed over was committed
   */
  public boolean awaitCommitted(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (progress) {
      long target = handedOver;
      while (finished < target && failure.get() == null) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(progress, left);
      }
      return finished >= target;
    }
  }

  /** Stops the acknowledger: batches not committed by now are replayed by the next run. */
  @Override
  public void close() {
    Thread t = acknowledger;
    if (t == null) {
      return;
    }
    t.interrupt();
    try {
      t.join(OutboxRelay.STOP_TIMEOUT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void acknowledgeInOrder() {
    try {
      while (failure.get() == null) {
        InFlightBatch next = inFlight.take();
        finishing = next;
        finish(next);
        finishing = null;
      }
    } catch (InterruptedException e) {
      // close(): stop committing; what is not committed is replayed by the next run.
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      fail(new OutboxPublishException("committing a published batch failed", e));
    }
  }

  /**
   * Waits for every send of the batch; marks it processed only if all of them succeeded.
   *
   * @return false when Kafka did not take it (the publisher has failed)
   */
  private boolean finish(InFlightBatch batch) throws InterruptedException {
    int published = 0;
    int deadLettered = 0;
    List<Sent> retried = new ArrayList<>();
    for (Sent s : batch.sent()) {
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
          try {
            retried.add(new Sent(s.record(), d, send(toProducerRecord(d))));
          } catch (OutboxPublishException sendFailed) {
            fail(sendFailed);
            return false;
          }
        } else {
          fail(
              new OutboxPublishException(
                  "publishing to "
                      + topicOf(s.decision())
                      + " failed; the batch is not committed and will be replayed",
                  cause));
          return false;
        }
      }
    }
    if (!retried.isEmpty()) {
      producer.flush(); // rare path: do not wait for the next records to carry the retry out
      for (Sent s : retried) {
        try {
          s.future().get();
          deadLettered++;
        } catch (ExecutionException e) {
          fail(
              new OutboxPublishException(
                  "dead-lettering failed; the batch is not committed and will be replayed",
                  e.getCause()));
          return false;
        }
      }
    }

    Instant acknowledged = clock.instant();
    Instant newestCommit = null;
    for (Sent s : batch.sent()) {
      java.util.Optional<Instant> commit = commitTime(s.record());
      if (commit.isPresent()) {
        metrics.commitToKafka(Duration.between(commit.get(), acknowledged));
        newestCommit =
            newestCommit == null || commit.get().isAfter(newestCommit)
                ? commit.get()
                : newestCommit;
      }
    }
    if (newestCommit != null) {
      metrics.behindSource(Duration.between(newestCommit, acknowledged));
    }
    // Only now: every event of the batch is in Kafka.
    for (RecordChangeEvent<SourceRecord> event : batch.records()) {
      batch.committer().markProcessed(event);
    }
    Instant finishing = clock.instant();
    // Debezium's offset flush runs in here (every offset.flush.interval.ms), off the engine thread.
    batch.committer().markBatchFinished();
    metrics.batchFinished(Duration.between(finishing, clock.instant()));
    metrics.published(published);
    metrics.deadLettered(deadLettered);
    metrics.heartbeats(batch.heartbeats());
    metrics.batchPublished(Duration.between(batch.received(), acknowledged));
    room.release();
    synchronized (progress) {
      finished++;
      progress.notifyAll();
    }
    return true;
  }

  private void fail(OutboxPublishException e) {
    if (failure.compareAndSet(null, e)) {
      LOG.error("{}", e.getMessage(), e.getCause());
      synchronized (progress) {
        progress.notifyAll();
      }
      onFailure.accept(e);
    }
  }

  private void throwIfFailed() {
    OutboxPublishException e = failure.get();
    if (e != null) {
      throw new OutboxPublishException(e.getMessage(), e.getCause());
    }
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
    return new RoutedRecord(
        record.topic(), record.kafkaPartition(), record.key(), record.value(), headers);
  }

  private static ProducerRecord<byte[], byte[]> toProducerRecord(Publish p) {
    // the transform chain's partition (the merchant's, see PartitionByMerchantTransformer)
    return new ProducerRecord<>(p.topic(), p.partition(), p.key(), p.value(), headers(p.headers()));
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

  /** A batch handed to Kafka, waiting for its acknowledgements. */
  private record InFlightBatch(
      List<RecordChangeEvent<SourceRecord>> records,
      DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer,
      List<Sent> sent,
      int heartbeats,
      Instant received) {
    boolean acknowledged() {
      return sent.stream().allMatch(s -> s.future().isDone());
    }
  }

  /** Kafka did not take the batch; its offsets were not committed. */
  public static final class OutboxPublishException extends RuntimeException {
    public OutboxPublishException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
