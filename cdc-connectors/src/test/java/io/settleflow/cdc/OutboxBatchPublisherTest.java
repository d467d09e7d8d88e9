package io.settleflow.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;
import org.threeten.extra.MutableClock;

class OutboxBatchPublisherTest {
  private static final String HEARTBEATS = "__debezium-heartbeat.settleflow";
  private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  private final RelayMetrics metrics = new RelayMetrics(new SimpleMeterRegistry());
  private final OutboxEventRouting routing =
      new OutboxEventRouting(Set.of("payments.authorized"), HEARTBEATS);
  private final RecordingCommitter committer = new RecordingCommitter();

  @Test
  void batchIsPublishedInOrderAndCommittedOnlyAfterEveryAck() throws Exception {
    MockProducer<byte[], byte[]> producer = manualAcks();
    OutboxBatchPublisher publisher = publisher(producer);
    List<RecordChangeEvent<SourceRecord>> batch =
        List.of(
            event(outbox("e1", "p1", 1)),
            event(outbox("e2", "p2", 2)),
            event(outbox("e3", "p1", 3)));

    publisher.handleBatch(batch, committer);

    List<ProducerRecord<byte[], byte[]>> sent = producer.history();
    assertThat(sent).extracting(ProducerRecord::topic).containsOnly("payments.authorized");
    assertThat(sent).extracting(r -> utf8(r.key())).containsExactly("p1", "p2", "p1");
    assertThat(sent)
        .extracting(r -> utf8(r.headers().lastHeader("event_id").value()))
        .containsExactly("e1", "e2", "e3");
    assertThat(sent.get(2).value()).containsExactly(0, 0, 0, 0, 1, 3);
    assertThat(producer.flushed()).as("no flush per batch").isFalse();
    // acks outstanding, then two of three: nothing may be marked
    assertThat(publisher.commitAcknowledged()).isZero();
    producer.completeNext();
    producer.completeNext();
    assertThat(publisher.commitAcknowledged()).isZero();
    assertThat(committer.marked).isEmpty();
    assertThat(committer.batchesFinished).isZero();

    producer.completeNext();
    assertThat(publisher.commitAcknowledged()).isEqualTo(1);
    assertThat(committer.marked).isEqualTo(batch);
    assertThat(committer.batchesFinished).isEqualTo(1);
    assertThat(metrics.publishedCount()).isEqualTo(3);
  }

  @Test
  void theOldestUnacknowledgedBatchSaysHowLongTheRelayHasWaitedForKafka() throws Exception {
    MockProducer<byte[], byte[]> producer = manualAcks();
    MutableClock clock = MutableClock.of(NOW, ZoneOffset.UTC);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    OutboxBatchPublisher publisher =
        new OutboxBatchPublisher(
            producer, routing, "cdc.dlq", new RelayMetrics(registry), clock, false);
    assertThat(publisher.oldestUnacknowledged()).isEmpty();
    var waitSeconds = registry.get("settleflow.cdc.kafka.wait").gauge();
    assertThat(waitSeconds.value()).isZero();

    publisher.handleBatch(List.of(event(outbox("e1", "p1", 1))), committer);
    clock.setInstant(NOW.plusSeconds(5));
    publisher.handleBatch(List.of(event(outbox("e2", "p2", 2))), committer);
    clock.setInstant(NOW.plusSeconds(42));
    assertThat(publisher.oldestUnacknowledged()).contains(Duration.ofSeconds(42));
    assertThat(waitSeconds.value()).isEqualTo(42.0); // what operators alert on

    producer.completeNext();
    assertThat(publisher.commitAcknowledged()).isEqualTo(1);
    assertThat(publisher.oldestUnacknowledged()).contains(Duration.ofSeconds(37));
    producer.completeNext();
    assertThat(publisher.commitAcknowledged()).isEqualTo(1);
    assertThat(publisher.oldestUnacknowledged()).isEmpty();
    assertThat(waitSeconds.value()).isZero();
  }

  @Test
  void nextBatchIsSentWhileThePreviousAwaitsItsAcksAndBatchesCommitInOrder() throws Exception {
    MockProducer<byte[], byte[]> producer = manualAcks();
    OutboxBatchPublisher publisher = publisher(producer);
    List<RecordChangeEvent<SourceRecord>> first =
        List.of(event(outbox("e1", "p1", 1)), event(outbox("e2", "p2", 2)));
    List<RecordChangeEvent<SourceRecord>> second = List.of(event(outbox("e3", "p1", 3)));

    publisher.handleBatch(first, committer);
    publisher.handleBatch(second, committer);

    assertThat(producer.history())
        .extracting(r -> utf8(r.headers().lastHeader("event_id").value()))
        .containsExactly("e1", "e2", "e3");
    assertThat(publisher.batchesInFlight()).isEqualTo(2);
    producer.completeNext();
    producer.completeNext();
    assertThat(publisher.commitAcknowledged()).isEqualTo(1);
    assertThat(committer.marked).isEqualTo(first);
    producer.completeNext();
    assertThat(publisher.commitAcknowledged()).isEqualTo(1);
    assertThat(committer.marked).containsExactly(first.get(0), first.get(1), second.get(0));
    assertThat(committer.batchesFinished).isEqualTo(2);
    assertThat(publisher.batchesInFlight()).isZero();
  }

  @Test
  void kafkaFailureCommitsNeitherThatBatchNorAnyLaterOneAndStopsTheEngine() throws Exception {
    MockProducer<byte[], byte[]> producer = manualAcks();
    OutboxBatchPublisher publisher = publisher(producer);
    List<RecordChangeEvent<SourceRecord>> batch =
        List.of(event(outbox("e1", "p1", 1)), event(outbox("e2", "p2", 2)));
    publisher.handleBatch(batch, committer);
    publisher.handleBatch(List.of(event(outbox("e3", "p1", 3))), committer);

    producer.errorNext(new TimeoutException("broker gone"));
    producer.completeNext();
    producer.completeNext();

    assertThat(publisher.commitAcknowledged()).isZero();
    assertThat(committer.marked).isEmpty();
    assertThat(committer.batchesFinished).isZero();
    assertThat(publisher.failure())
        .get()
        .satisfies(
            e -> {
              assertThat(e).hasMessageContaining("payments.authorized");
              assertThat(e).hasRootCauseInstanceOf(TimeoutException.class);
            });
    // The engine's thread learns it at its next batch and stops the engine.
    assertThatThrownBy(
            () -> publisher.handleBatch(List.of(event(outbox("e4", "p4", 4))), committer))
        .isInstanceOf(OutboxBatchPublisher.OutboxPublishException.class)
        .hasRootCauseInstanceOf(TimeoutException.class);
    assertThat(producer.history()).hasSize(3);
    assertThat(committer.marked).isEmpty();
  }

  @Test
  void synchronousSendFailureCommitsNothing() throws Exception {
    MockProducer<byte[], byte[]> producer =
        new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    producer.sendException = new TimeoutException("metadata not available");
    OutboxBatchPublisher publisher = publisher(producer);

    assertThatThrownBy(
            () -> publisher.handleBatch(List.of(event(outbox("e1", "p1", 1))), committer))
        .isInstanceOf(OutboxBatchPublisher.OutboxPublishException.class);
    assertThat(publisher.commitAcknowledged()).isZero();
    assertThat(committer.marked).isEmpty();
    assertThat(committer.batchesFinished).isZero();
  }

  @Test
  void theEngineThreadWaitsWhenTheInFlightLimitIsReached() throws Exception {
    MockProducer<byte[], byte[]> producer = manualAcks();
    OutboxBatchPublisher publisher =
        new OutboxBatchPublisher(producer, routing, "cdc.dlq", metrics, CLOCK, false, 2);
    publisher.handleBatch(List.of(event(outbox("e1", "p1", 1))), committer);
    publisher.handleBatch(List.of(event(outbox("e2", "p2", 2))), committer);
    AtomicReference<Throwable> thirdFailed = new AtomicReference<>();
    Thread engine =
        new Thread(
            () -> {
              try {
                publisher.handleBatch(List.of(event(outbox("e3", "p3", 3))), committer);
              } catch (Throwable t) {
                thirdFailed.set(t);
              }
            });
    engine.start();

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> engine.getState() == Thread.State.TIMED_WAITING);
    assertThat(producer.history()).as("the third batch waits for room").hasSize(2);
    producer.completeNext();
    assertThat(publisher.commitAcknowledged()).isEqualTo(1);
    engine.join(Duration.ofSeconds(10).toMillis());
    assertThat(engine.isAlive()).isFalse();
    assertThat(thirdFailed.get()).isNull();
    assertThat(producer.history()).hasSize(3);
    assertThat(OutboxBatchPublisher.MAX_BATCHES_IN_FLIGHT).isEqualTo(64);
  }

  @Test
  void theAcknowledgerCommitsOnItsOwnAndReportsAKafkaFailureOnce() throws Exception {
    MockProducer<byte[], byte[]> producer = manualAcks();
    List<OutboxBatchPublisher.OutboxPublishException> reported = new CopyOnWriteArrayList<>();
    try (OutboxBatchPublisher publisher = publisher(producer)) {
      publisher.start(reported::add);
      List<RecordChangeEvent<SourceRecord>> batch = List.of(event(outbox("e1", "p1", 1)));
      publisher.handleBatch(batch, committer);
      assertThat(publisher.awaitCommitted(Duration.ZERO)).isFalse();
      producer.completeNext();
      assertThat(publisher.awaitCommitted(Duration.ofSeconds(10))).isTrue();
      assertThat(committer.marked).isEqualTo(batch);

      publisher.handleBatch(List.of(event(outbox("e2", "p2", 2))), committer);
      publisher.handleBatch(List.of(event(outbox("e3", "p3", 3))), committer);
      producer.errorNext(new TimeoutException("broker gone"));
      producer.completeNext();
      await().atMost(Duration.ofSeconds(10)).until(() -> reported.size() == 1);
      assertThat(publisher.awaitCommitted(Duration.ofSeconds(10))).isFalse();
      assertThat(committer.marked).isEqualTo(batch);
      assertThat(committer.batchesFinished).isEqualTo(1);
      assertThat(reported.get(0)).hasRootCauseInstanceOf(TimeoutException.class);
    }
  }

  @Test
  void unroutableRecordIsDeadLetteredAndTheRestOfTheBatchIsPublished() throws Exception {
    MockProducer<byte[], byte[]> producer =
        new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    SourceRecord unknownTopic = routed("payments.cancelled", "p9", new byte[] {0, 1}, "e9");
    List<RecordChangeEvent<SourceRecord>> batch =
        List.of(event(outbox("e1", "p1", 1)), event(unknownTopic), event(outbox("e2", "p1", 2)));

    OutboxBatchPublisher publisher = publisher(producer);
    publisher.handleBatch(batch, committer);
    assertThat(publisher.commitAcknowledged()).isEqualTo(1);

    assertThat(producer.history())
        .extracting(ProducerRecord::topic)
        .containsExactly("payments.authorized", "cdc.dlq", "payments.authorized");
    ProducerRecord<byte[], byte[]> parked = producer.history().get(1);
    assertThat(utf8(parked.key())).isEqualTo("p9");
    assertThat(parked.value()).containsExactly(0, 1);
    assertThat(utf8(parked.headers().lastHeader("error.class").value())).isEqualTo("UnknownTopic");
    assertThat(utf8(parked.headers().lastHeader("source.topic").value()))
        .isEqualTo("payments.cancelled");
    assertThat(utf8(parked.headers().lastHeader("event_id").value())).isEqualTo("e9");
    assertThat(committer.marked).isEqualTo(batch);
    assertThat(metrics.publishedCount()).isEqualTo(2);
    assertThat(metrics.deadLetteredCount()).isEqualTo(1);
  }

  @Test
  void recordTheBrokerRejectsIsDeadLetteredInsteadOfStoppingTheRelay() throws Exception {
    MockProducer<byte[], byte[]> producer = manualAcks();
    OutboxBatchPublisher publisher = publisher(producer);

    publisher.handleBatch(List.of(event(outbox("e1", "p1", 1))), committer);
    producer.errorNext(new RecordTooLargeException("too large for the broker"));
    assertThat(publisher.commitAcknowledged()).isEqualTo(1);

    assertThat(producer.history())
        .extracting(ProducerRecord::topic)
        .containsExactly("payments.authorized", "cdc.dlq");
    assertThat(utf8(producer.history().get(1).headers().lastHeader("error.class").value()))
        .isEqualTo("PublishRejected");
    assertThat(committer.batchesFinished).isEqualTo(1);
    assertThat(metrics.deadLetteredCount()).isEqualTo(1);
  }

  @Test
  void heartbeatIsCommittedButNotPublished() throws Exception {
    MockProducer<byte[], byte[]> producer =
        new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    SourceRecord heartbeat =
        new SourceRecord(
            Map.of("server", "settleflow"),
            Map.of("lsn", 99L),
            HEARTBEATS,
            Schema.STRING_SCHEMA,
            "k",
            Schema.STRING_SCHEMA,
            "beat");
    List<RecordChangeEvent<SourceRecord>> batch = List.of(event(heartbeat));
    OutboxBatchPublisher publisher = publisher(producer);

    publisher.handleBatch(batch, committer);
    assertThat(committer.marked).as("marked by the acknowledger, in order").isEmpty();
    assertThat(publisher.commitAcknowledged()).isEqualTo(1);

    assertThat(producer.history()).isEmpty();
    assertThat(committer.marked).isEqualTo(batch);
    assertThat(committer.batchesFinished).isEqualTo(1);
  }

  @Test
  void commitToKafkaLatencyIsMeasuredForStreamedRowsOnly() throws Exception {
    MockProducer<byte[], byte[]> producer =
        new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    SourceRecord streamed =
        outbox(
            "e1",
            "p1",
            1,
            Map.of("lsn", 10L, "ts_usec", NOW.minusMillis(25).toEpochMilli() * 1_000));
    SourceRecord snapshot =
        outbox(
            "e2",
            "p1",
            2,
            Map.of(
                "lsn",
                10L,
                "ts_usec",
                NOW.minusSeconds(3_600).toEpochMilli() * 1_000,
                "snapshot",
                "INITIAL"));

    OutboxBatchPublisher publisher = publisher(producer);
    publisher.handleBatch(List.of(event(streamed), event(snapshot)), committer);
    assertThat(publisher.commitAcknowledged()).isEqualTo(1);

    assertThat(metrics.commitToKafkaCount()).isEqualTo(1);
    assertThat(OutboxBatchPublisher.commitTime(streamed)).contains(NOW.minusMillis(25));
    assertThat(OutboxBatchPublisher.commitTime(snapshot)).isEmpty();
  }

  @Test
  void traceHeaderCarriesCommitDebeziumAndRelayTimesOnlyWhenAskedFor() throws Exception {
    long commitMicros = NOW.minusMillis(25).toEpochMilli() * 1_000 + 7;
    SourceRecord streamed =
        outbox("e1", "p1", 1, Map.of("lsn", 1L, "ts_usec", commitMicros, "snapshot", false));
    MockProducer<byte[], byte[]> traced =
        new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    new OutboxBatchPublisher(traced, routing, "cdc.dlq", metrics, CLOCK, true)
        .handleBatch(List.of(event(streamed)), committer);
    MockProducer<byte[], byte[]> plain =
        new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    publisher(plain).handleBatch(List.of(event(streamed)), committer);

    // commit µs from the WAL, Debezium's record time (ms), the batch's arrival at the relay (µs)
    assertThat(utf8(traced.history().get(0).headers().lastHeader("settleflow.cdc.trace").value()))
        .isEqualTo(commitMicros + " " + NOW.toEpochMilli() + " " + NOW.toEpochMilli() * 1_000);
    assertThat(plain.history().get(0).headers().lastHeader("settleflow.cdc.trace")).isNull();
    assertThat(utf8(traced.history().get(0).headers().lastHeader("event_id").value()))
        .isEqualTo("e1");
  }

  // --- helpers ---------------------------------------------------------------------------------

  private OutboxBatchPublisher publisher(MockProducer<byte[], byte[]> producer) {
    return new OutboxBatchPublisher(producer, routing, "cdc.dlq", metrics, CLOCK);
  }

  /** Sends complete only when the test says so (completeNext / errorNext), oldest first. */
  private static MockProducer<byte[], byte[]> manualAcks() {
    return new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** A record as the EventRouter emits it: routed topic, String key, bytes value, id headers. */
  private static SourceRecord outbox(String eventId, String paymentId, int seq) {
    return outbox(eventId, paymentId, seq, Map.of("lsn", (long) seq));
  }

  private static SourceRecord outbox(
      String eventId, String paymentId, int seq, Map<String, ?> offset) {
    ConnectHeaders headers = new ConnectHeaders();
    headers.addString("id", eventId);
    headers.addString("event_id", eventId);
    return new SourceRecord(
        Map.of("server", "settleflow"),
        offset,
        "payments.authorized",
        null,
        Schema.STRING_SCHEMA,
        paymentId,
        Schema.BYTES_SCHEMA,
        new byte[] {0, 0, 0, 0, 1, (byte) seq},
        NOW.toEpochMilli(),
        headers);
  }

  private static SourceRecord routed(String topic, String key, byte[] value, String eventId) {
    ConnectHeaders headers = new ConnectHeaders();
    headers.addString("id", eventId);
    return new SourceRecord(
        Map.of("server", "settleflow"),
        Map.of("lsn", 5L),
        topic,
        null,
        Schema.STRING_SCHEMA,
        key,
        Schema.BYTES_SCHEMA,
        value,
        NOW.toEpochMilli(),
        headers);
  }

  private static RecordChangeEvent<SourceRecord> event(SourceRecord record) {
    return new RecordChangeEvent<>() {
      @Override
      public SourceRecord record() {
        return record;
      }

      @Override
      public String toString() {
        return record.topic() + "/" + record.key();
      }
    };
  }

  private static String utf8(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  static final class RecordingCommitter
      implements DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> {
    // Written by the acknowledger thread, read by the test.
    final List<RecordChangeEvent<SourceRecord>> marked = new CopyOnWriteArrayList<>();
    volatile int batchesFinished;

    @Override
    public void markProcessed(RecordChangeEvent<SourceRecord> record) {
      marked.add(record);
    }

    @Override
    @SuppressWarnings("NonAtomicVolatileUpdate") // one writer: the acknowledger (or the test)
    public void markBatchFinished() {
      batchesFinished++;
    }

    @Override
    public void markProcessed(
        RecordChangeEvent<SourceRecord> record, DebeziumEngine.Offsets sourceOffsets) {
      markProcessed(record);
    }

    @Override
    public DebeziumEngine.Offsets buildOffsets() {
      throw new UnsupportedOperationException("the publisher keeps Debezium's own offsets");
    }
  }
}
