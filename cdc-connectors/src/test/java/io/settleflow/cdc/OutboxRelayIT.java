package io.settleflow.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.settleflow.cdc.CdcTestStack.Received;
import io.settleflow.ledger.LedgerTestDatabase;
import io.settleflow.runtime.MetricsServer;
import io.settleflow.runtime.MetricsServer.Health;
import io.settleflow.schemas.MerchantPartitioning;
import io.settleflow.schemas.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Real PostgreSQL (logical WAL, ledger schema) and a real Kafka broker, one of each for the class.
 */
@Tag("integration")
class OutboxRelayIT {
  private static final Logger LOG = LoggerFactory.getLogger(OutboxRelayIT.class);
  private static final String MERCHANT = "m_relay_it";
  private static final Duration ARRIVAL_TIMEOUT = Duration.ofSeconds(120);
  private static final List<String> TOPICS =
      List.of(Topics.PAYMENTS_AUTHORIZED, Topics.PAYMENTS_CAPTURED);

  @TempDir static Path dir;
  static CdcTestStack stack;

  @BeforeAll
  static void startStack() {
    stack = CdcTestStack.start(dir);
  }

  @AfterAll
  static void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void everyOutboxRowArrivesWithKeyPayloadAndEventIdInOrderAndARestartLosesNone() throws Exception {
    long seed = System.nanoTime();
    LOG.info("seed {}", seed);
    Random random = new Random(seed);
    List<String> payments = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      payments.add(UUID.randomUUID().toString());
    }
    List<OutboxRow> rows = new ArrayList<>();

    // Written before any relay ran: picked up by the initial snapshot (or the slot, if it exists).
    rows.addAll(insert(40, payments, random));
    AtomicReference<OutboxRelay> current = new AtomicReference<>();
    try (MetricsServer server =
        MetricsServer.start(
            "127.0.0.1",
            0,
            () -> current.get() == null ? Health.down("starting") : current.get().health())) {
      RelayMetrics metrics = new RelayMetrics(server.registry());
      OutboxRelay relay = startRelay(metrics);
      current.set(relay);
      try {
        awaitArrival(rows);
        await().atMost(ARRIVAL_TIMEOUT).until(relay::isStreaming);
        assertThat(httpStatus(server, "/health")).isEqualTo(200);

        // Written while the relay streams.
        List<OutboxRow> live = insert(20, payments, random);
        rows.addAll(live);
        awaitArrival(rows);
        assertThat(metrics.commitToKafkaCount())
            .as("streamed rows record commit-to-Kafka latency")
            .isPositive();
        assertThat(metrics.publishedCount()).isGreaterThanOrEqualTo(live.size());
        String scrape = new String(get(server, "/metrics").body(), StandardCharsets.UTF_8);
        assertThat(scrape).contains("settleflow_cdc_events_published_total");

      } finally {
        relay.close();
      }
      assertThat(httpStatus(server, "/health")).isEqualTo(503);
    }

    // Written while no relay runs: the slot keeps them, the Kafka offsets say where to resume.
    rows.addAll(insert(30, payments, random));
    try (OutboxRelay relay = startRelay(new RelayMetrics(new SimpleMeterRegistry()))) {
      awaitArrival(rows);
    }

    List<Received> received = stack.received(TOPICS);
    assertEveryRowArrivedIntact(received, rows);
    assertPerKeyOrder(received, rows);
    Set<String> ours = rows.stream().map(OutboxRow::id).collect(Collectors.toSet());
    // keyed by payment, partitioned by merchant: the six payments share the merchant's partition
    int merchantPartition =
        MerchantPartitioning.partitionFor(MERCHANT, CdcTestStack.TOPIC_PARTITIONS);
    assertThat(received.stream().filter(r -> ours.contains(r.eventId())))
        .allSatisfy(
            r -> {
              assertThat(r.partition()).as(r.eventId()).isEqualTo(merchantPartition);
              assertThat(r.headers()).containsEntry("merchant_id", MERCHANT);
            });
    long delivered = received.stream().filter(r -> ours.contains(r.eventId())).count();
    LOG.info(
        "{} outbox rows, {} records delivered, {} duplicates (allowed: at-least-once)",
        rows.size(),
        delivered,
        delivered - rows.size());
  }

  @Test
  void unroutableRowGoesToTheDeadLetterTopicAndLaterRowsStillArrive() throws Exception {
    Random random = new Random(42);
    String payment = UUID.randomUUID().toString();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    RelayMetrics metrics = new RelayMetrics(registry);
    try (OutboxRelay relay = startRelay(metrics)) {
      OutboxRow bad =
          insertRow(
              new OutboxRow(
                  UUID.randomUUID().toString(),
                  "not.a.ledger.topic",
                  payment,
                  0,
                  payload(random, 0)));
      List<OutboxRow> good = insert(5, List.of(payment), random);

      awaitArrival(good);
      List<String> dlq = List.of(Topics.CDC_DLQ);
      await()
          .atMost(ARRIVAL_TIMEOUT)
          .until(() -> CdcTestStack.eventIds(stack.received(dlq)).contains(bad.id()));
      Received parked =
          stack.received(dlq).stream()
              .filter(r -> r.eventId().equals(bad.id()))
              .findFirst()
              .orElseThrow();
      assertThat(parked.key()).isEqualTo(payment);
      assertThat(parked.value()).isEqualTo(bad.payload());
      assertThat(parked.headers())
          .containsEntry("error.class", "UnknownTopic")
          .containsEntry("source.topic", "not.a.ledger.topic");
      assertThat(metrics.deadLetteredCount()).isGreaterThanOrEqualTo(1);
      assertThat(relay.isStreaming()).isTrue();
    }
  }

  @Test
  void kafkaFailureStopsTheRelayWithoutCommittingAndTheNextRelayDeliversTheRow() throws Exception {
    Random random = new Random(7);
    String payment = UUID.randomUUID().toString();
    // A producer whose every send fails, as a non-retriable error does (the relay waits out a
    // broker outage, see OutboxRelay.producerConfig).
    MockProducer<byte[], byte[]> broken =
        new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer()) {
          @Override
          public synchronized java.util.concurrent.Future<
                  org.apache.kafka.clients.producer.RecordMetadata>
              send(
                  org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]> record,
                  org.apache.kafka.clients.producer.Callback callback) {
            java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata> sent =
                super.send(record, callback);
            // every send fails (asynchronously)
            errorNext(
                new org.apache.kafka.common.errors.TopicAuthorizationException("not authorized"));
            return sent;
          }
        };
    List<OutboxRow> rows;
    try (OutboxRelay failing = startRelay(new RelayMetrics(new SimpleMeterRegistry()), broken)) {
      await().atMost(ARRIVAL_TIMEOUT).until(failing::isStreaming);
      rows = insert(3, List.of(payment), random);
      OutboxRelay.Outcome outcome =
          failing.outcome().get(ARRIVAL_TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
      assertThat(outcome.success()).isFalse();
      assertThat(failing.health().up()).isFalse();
    }

    try (OutboxRelay relay = startRelay(new RelayMetrics(new SimpleMeterRegistry()))) {
      awaitArrival(rows);
      assertEveryRowArrivedIntact(stack.received(TOPICS), rows);
    }
  }

  @Test
  void aMissingRoutedTopicStopsTheStartNamingIt() {
    // the relay's producer waits for metadata without limit, so the start has to find this
    assertThat(
            OutboxRelay.partitionCounts(
                stack.kafka().bootstrapServers(), Set.copyOf(TOPICS), ARRIVAL_TIMEOUT))
        .containsOnlyKeys(TOPICS)
        .allSatisfy((topic, count) -> assertThat(count).isEqualTo(CdcTestStack.TOPIC_PARTITIONS));
    assertThatThrownBy(
            () ->
                OutboxRelay.partitionCounts(
                    stack.kafka().bootstrapServers(),
                    Set.of(TOPICS.get(0), "payments.nowhere"),
                    ARRIVAL_TIMEOUT))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("must exist before the relay starts")
        .hasMessageContaining("payments.nowhere");
  }

  // --- helpers ---------------------------------------------------------------------------------

  private OutboxRelay startRelay(RelayMetrics metrics) {
    return startRelay(
        metrics,
        new KafkaProducer<>(
            OutboxRelay.producerConfig(stack.kafka().bootstrapServers(), "cdc-it")));
  }

  private OutboxRelay startRelay(RelayMetrics metrics, Producer<byte[], byte[]> producer) {
    Map<String, String> env = CdcTestStack.replicationEnv(stack.pg(), LedgerTestDatabase.DATABASE);
    OutboxConnectorConfig.ConnectorDefinition connector = stack.connector();
    assertThat(DatabaseReadinessCheck.problems(connector)).isEmpty();
    return stack.startRelay(
        metrics,
        OutboxConnectorConfig.embedded(connector, stack.kafka().bootstrapServers(), env),
        producer);
  }

  private record OutboxRow(
      String id, String topic, String paymentId, long sequence, byte[] payload) {}

  private static List<OutboxRow> insert(int n, List<String> payments, Random random) {
    List<OutboxRow> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String payment = payments.get(random.nextInt(payments.size()));
      String topic = TOPICS.get(random.nextInt(TOPICS.size()));
      long sequence = SEQUENCE.incrementAndGet();
      rows.add(
          insertRow(
              new OutboxRow(
                  UUID.randomUUID().toString(),
                  topic,
                  payment,
                  sequence,
                  payload(random, sequence))));
    }
    return rows;
  }

  private static final java.util.concurrent.atomic.AtomicLong SEQUENCE =
      new java.util.concurrent.atomic.AtomicLong();

  /**
   * Confluent-wire shaped: magic 0, a 4-byte schema id, then a body; the relay must not touch it.
   */
  private static byte[] payload(Random random, long sequence) {
    byte[] body = new byte[8 + random.nextInt(64)];
    random.nextBytes(body);
    return ByteBuffer.allocate(5 + body.length)
        .put((byte) 0)
        .putInt(7)
        .put(body)
        .putLong(5, sequence)
        .array();
  }

  private static OutboxRow insertRow(OutboxRow row) {
    stack.insertOutboxRow(MERCHANT, row.id(), row.topic(), row.paymentId(), row.payload());
    return row;
  }

  private static void awaitArrival(List<OutboxRow> rows) {
    Set<String> expected = rows.stream().map(OutboxRow::id).collect(Collectors.toSet());
    await()
        .atMost(ARRIVAL_TIMEOUT)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> CdcTestStack.eventIds(stack.received(TOPICS)).containsAll(expected));
  }

  private static void assertEveryRowArrivedIntact(List<Received> received, List<OutboxRow> rows) {
    Map<String, List<Received>> byId =
        received.stream().collect(Collectors.groupingBy(Received::eventId));
    for (OutboxRow row : rows) {
      assertThat(byId).containsKey(row.id());
      for (Received r : byId.get(row.id())) {
        assertThat(r.topic()).isEqualTo(row.topic());
        assertThat(r.key()).isEqualTo(row.paymentId());
        assertThat(r.value()).isEqualTo(row.payload());
        assertThat(r.headers()).containsEntry("event_type", "PaymentAuthorized");
      }
    }
  }

  /** For each topic and key, the first arrival of each event follows the insert order. */
  private static void assertPerKeyOrder(List<Received> received, List<OutboxRow> rows) {
    Map<String, Long> sequenceOf =
        rows.stream().collect(Collectors.toMap(OutboxRow::id, OutboxRow::sequence));
    Map<String, List<Long>> firstArrivals = new LinkedHashMap<>();
    Set<String> seen = new java.util.HashSet<>();
    for (Received r : received) {
      if (sequenceOf.containsKey(r.eventId()) && seen.add(r.eventId())) {
        firstArrivals
            .computeIfAbsent(r.topic() + "/" + r.key(), k -> new ArrayList<>())
            .add(sequenceOf.get(r.eventId()));
      }
    }
    assertThat(firstArrivals).isNotEmpty();
    firstArrivals.forEach(
        (key, sequences) -> assertThat(sequences).as("order for %s", key).isSorted());
  }

  private static int httpStatus(MetricsServer server, String path) throws Exception {
    return get(server, path).statusCode();
  }

  private static HttpResponse<byte[]> get(MetricsServer server, String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
            HttpResponse.BodyHandlers.ofByteArray());
  }
}
