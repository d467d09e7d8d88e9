package io.settleflow.reconcile;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.settleflow.avro.MismatchAlert;
import io.settleflow.avro.MismatchKind;
import io.settleflow.avro.PaymentEvent;
import io.settleflow.avro.PaymentEventType;
import io.settleflow.avro.ReconMatch;
import io.settleflow.avro.SettlementRecord;
import io.settleflow.avro.SettlementRecordType;
import io.settleflow.embedded.KafkaBroker;
import io.settleflow.embedded.SchemaRegistryServer;
import io.settleflow.embedded.TopicContents;
import io.settleflow.runtime.ServiceConfig;
import io.settleflow.schemas.ConfluentRegistryClient;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.DeadLetterHeaders;
import io.settleflow.schemas.SchemaRegistryException;
import io.settleflow.schemas.Topics;
import io.settleflow.schemas.WireFormatException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job as {@link ReconcileMain} runs it (Kafka sources, exactly-once Kafka sinks, MiniCluster,
 * retained checkpoints) against a real broker and registry; read back with read_committed.
 */
@Tag("integration")
class ReconcileKafkaIT {
  static final int PARTITIONS = 3;
  static final Duration START_TIMEOUT = Duration.ofSeconds(120);
  static final long T0 = Instant.parse("2026-03-01T09:00:00Z").toEpochMilli();
  static final long GRACE_MS = 5_000;

  /** Event time far enough ahead to carry the watermark past every orphan grace before it. */
  static final long CLOCK_STEP_MS = 60_000;

  @TempDir static Path dir;
  static long startedAtMs;
  static KafkaBroker kafka;
  static SchemaRegistryServer registry;
  static ConfluentWireFormat wire;

  @BeforeAll
  static void startStack() {
    startedAtMs = System.currentTimeMillis();
    kafka = KafkaBroker.start(dir.resolve("kafka"), 0, 0, "384m");
    kafka.createTopics(
        List.of(
            Topics.PAYMENTS_AUTHORIZED,
            Topics.PAYMENTS_REFUNDED,
            Topics.PAYMENTS_CANCELLED,
            Topics.SETTLEMENTS_RAW,
            Topics.RECON_MATCHES,
            Topics.RECON_MISMATCHES,
            Topics.PAYMENTS_SETTLED,
            Topics.RECON_DLQ),
        PARTITIONS,
        Set.of());
    registry = SchemaRegistryServer.start(dir.resolve("registry"), 0, false);
    wire = new ConfluentWireFormat(new ConfluentRegistryClient(registry.confluentUrl()));
  }

  @AfterAll
  static void stopStack() {
    if (registry != null) {
      registry.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void reconcilesThroughKafkaExactlyOnceAcrossARestart() throws Exception {
    // The first run takes full snapshots (the default); the restart turns the state changelog on
    // and restores from such a snapshot.
    ReconcileConfig first = ReconcileConfig.from(new ServiceConfig(env()));
    Map<String, String> changelog = env();
    changelog.put(ReconcileConfig.STATE_CHANGELOG, "true");
    ReconcileConfig config = ReconcileConfig.from(new ServiceConfig(changelog));
    assertThat(first.stateChangelog()).isFalse();
    assertThat(config.stateChangelog()).isTrue();

    try (KafkaProducer<String, byte[]> producer = producer()) {
      // Six clean pairs, one amount mismatch, one orphan line, plus a CDC redelivery and a
      // re-import.
      for (int i = 1; i <= 6; i++) {
        send(producer, paymentEvent("pay-" + i, 2_500L * i, T0 + i));
        send(producer, settlementRecord("pay-" + i, 2_500L * i, T0 + 1_000 + i));
      }
      send(producer, paymentEvent("pay-1", 2_500, T0 + 1));
      send(producer, settlementRecord("pay-2", 5_000, T0 + 1_002));
      send(producer, paymentEvent("pay-mm", 10_000, T0 + 10));
      send(producer, settlementRecord("pay-mm", 9_900, T0 + 1_010));
      send(producer, settlementRecord("pay-unknown", 777, T0 + 20));
      // One-to-many: batch po-1 pays out pay-b1 + pay-b2 in one line (each member also matches its
      // payment one by one).
      send(producer, paymentEvent("pay-b1", 1_000, T0 + 30));
      send(producer, paymentEvent("pay-b2", 2_000, T0 + 31));
      send(producer, batchLine("pay-b1", "po-1", 1_000, T0 + 1_030));
      send(producer, batchLine("pay-b2", "po-1", 2_000, T0 + 1_031));
      send(producer, batchLine(null, "po-1", 3_000, T0 + 1_040));
      // A payment the ledger cancelled, yet a line settles it: AMOUNT_MISMATCH against 0, never an
      // overdue alert (payments.cancelled is read with the other ledger topics).
      send(producer, paymentEvent("pay-cx", 4_000, T0 + 40));
      send(
          producer,
          PaymentEvent.newBuilder(paymentEvent("pay-cx", 4_000, T0 + 41))
              .setEventId("outbox-cancel-pay-cx")
              .setEventType(PaymentEventType.CANCELLED)
              .build());
      send(producer, settlementRecord("pay-cx", 4_000, T0 + 1_041));
      // Three records the job can never decode, between the others: they go to recon.dlq (once
      // each, also across the restart) and hold nothing up.
      sendRaw(
          producer, Topics.PAYMENTS_AUTHORIZED, "bad-bytes", "{\"not\": \"avro\"}".getBytes(UTF_8));
      sendRaw(producer, Topics.SETTLEMENTS_RAW, "unknown-schema", new byte[] {0, 0, 1, 0x7f, 0, 2});
      sendRaw(
          producer,
          Topics.SETTLEMENTS_RAW,
          "other-schema",
          wire.encode(Topics.PAYMENTS_AUTHORIZED, paymentEvent("pay-x", 1, T0)));
      producer.flush();

      try (ReconcileService service = ReconcileService.start(first, ReconcileKafka.job(first))) {
        awaitHealthy(service.httpPort());
        await()
            .atMost(START_TIMEOUT)
            .until(ReconcileKafkaIT::output, o -> o.matched().size() >= 6 && !o.alerts().isEmpty());
        // Only now move event time on, so the early partitions are already idle and cannot hold it
        // back.
        send(producer, paymentEvent("pay-clock-1", 100, T0 + CLOCK_STEP_MS));
        send(producer, settlementRecord("pay-clock-1", 100, T0 + CLOCK_STEP_MS + 1));
        producer.flush();
        await()
            .atMost(START_TIMEOUT)
            .until(
                ReconcileKafkaIT::output, o -> o.matched().size() >= 10 && o.alerts().size() >= 3);
        // The matchers' Flink metrics reach /metrics: 10 matches (one of them the batch's), the
        // two amount mismatches (pay-mm's and the cancelled pay-cx's: each triggered by a record,
        // so its latency is measured) and the orphan (a timer), the watermark lag, the 3 dead
        // letters, the checkpoints (Flink's job-level gauges).
        await()
            .atMost(START_TIMEOUT)
            .untilAsserted(
                () ->
                    assertThat(metrics(service.httpPort()))
                        .contains("settleflow_recon_matches_total 10.0")
                        .contains("settleflow_recon_mismatches_total{kind=\"AMOUNT_MISMATCH\"} 2.0")
                        .contains(
                            "settleflow_recon_mismatches_total{kind=\"ORPHAN_SETTLEMENT\"} 1.0")
                        .contains("settleflow_recon_mismatches_total{kind=\"OVERDUE_PAYMENT\"} 0.0")
                        .contains("settleflow_recon_alert_latency_alerts_total 2.0")
                        .contains("settleflow_recon_dead_letters_total 3.0")
                        .containsPattern("settleflow_recon_checkpoints_completed_total [1-9]")
                        .containsPattern("settleflow_recon_checkpoints_failed_total \\d")
                        .containsPattern("settleflow_recon_checkpoint_duration_seconds \\d")
                        .containsPattern("settleflow_recon_alert_latency_ms\\{stat=\"p99\"} \\d")
                        .containsPattern("settleflow_recon_watermark_lag_seconds \\d"));
      }

      // A restart restores the retained checkpoint and continues without repeating committed
      // output.
      try (ReconcileService restarted =
          ReconcileService.start(config, ReconcileKafka.job(config))) {
        assertThat(restarted.restoredFrom()).isPresent();
        awaitHealthy(restarted.httpPort());
        send(producer, paymentEvent("pay-after-restart", 300, T0 + 2 * CLOCK_STEP_MS));
        send(producer, settlementRecord("pay-after-restart", 300, T0 + 2 * CLOCK_STEP_MS + 1));
        producer.flush();
        await()
            .atMost(START_TIMEOUT)
            .until(ReconcileKafkaIT::output, o -> o.matched().contains("pay-after-restart"));
        // Two more checkpoints' worth of quiet: nothing else may appear.
        await()
            .during(Duration.ofSeconds(3))
            .atMost(Duration.ofSeconds(20))
            .until(
                ReconcileKafkaIT::output, o -> o.matched().size() == 11 && o.alerts().size() == 3);
      }
    }

    Map<String, Map<String, String>> deadLetters = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r :
        TopicContents.readAll(kafka.bootstrapServers(), List.of(Topics.RECON_DLQ))) {
      Map<String, String> headers = new HashMap<>();
      r.headers().forEach(h -> headers.put(h.key(), new String(h.value(), UTF_8)));
      assertThat(deadLetters.put(r.key(), headers)).as("dead-lettered twice: " + r.key()).isNull();
    }
    assertThat(deadLetters).containsOnlyKeys("bad-bytes", "unknown-schema", "other-schema");
    assertThat(deadLetters.get("bad-bytes"))
        .containsEntry(DeadLetterHeaders.ERROR_CLASS, WireFormatException.class.getName())
        .containsEntry(DeadLetterHeaders.SOURCE_TOPIC, Topics.PAYMENTS_AUTHORIZED)
        .containsKeys(DeadLetterHeaders.SOURCE_PARTITION, DeadLetterHeaders.SOURCE_OFFSET);
    assertThat(deadLetters.get("unknown-schema"))
        .containsEntry(DeadLetterHeaders.ERROR_CLASS, SchemaRegistryException.class.getName())
        .containsEntry(DeadLetterHeaders.SOURCE_TOPIC, Topics.SETTLEMENTS_RAW);
    assertThat(deadLetters.get("other-schema"))
        .containsEntry(DeadLetterHeaders.ERROR_CLASS, WireFormatException.class.getName())
        .containsEntry(DeadLetterHeaders.SOURCE_TOPIC, Topics.SETTLEMENTS_RAW);

    Output output = output();
    List<String> matched = output.matched();
    List<MismatchAlert> alerts = output.alerts();
    // payments.settled carries exactly the matched sale payments, once each, also across the
    // restart (not the batch match: it settles the payout, not a payment).
    assertThat(output.settled())
        .containsExactlyInAnyOrderElementsOf(
            matched.stream().filter(id -> !id.startsWith("batch:")).toList());
    assertThat(output.batchMatches())
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.getBatchId()).isEqualTo("po-1");
              assertThat(m.getRule()).isEqualTo("payout-batch-sum@1");
              assertThat(m.getPaymentIds()).containsExactlyInAnyOrder("pay-b1", "pay-b2");
              assertThat(m.getAmountMinor()).isEqualTo(3_000L);
            });
    assertThat(matched)
        .containsExactlyInAnyOrder(
            "pay-1",
            "pay-2",
            "pay-3",
            "pay-4",
            "pay-5",
            "pay-6",
            "pay-clock-1",
            "pay-after-restart",
            "pay-b1",
            "pay-b2",
            "batch:po-1");
    Map<MismatchKind, List<MismatchAlert>> byKind =
        alerts.stream().collect(Collectors.groupingBy(MismatchAlert::getKind));
    assertThat(byKind.keySet())
        .containsExactlyInAnyOrder(MismatchKind.AMOUNT_MISMATCH, MismatchKind.ORPHAN_SETTLEMENT);
    assertThat(byKind.get(MismatchKind.AMOUNT_MISMATCH))
        .filteredOn(a -> a.getPaymentId().equals("pay-cx"))
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.getRule()).isEqualTo(ReconFindings.CANCELLED_RULE);
              assertThat(a.getExpectedAmountMinor()).isZero();
              assertThat(a.getActualAmountMinor()).isEqualTo(4_000L);
            });
    assertThat(byKind.get(MismatchKind.AMOUNT_MISMATCH))
        .filteredOn(a -> !a.getPaymentId().equals("pay-cx"))
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.getPaymentId()).isEqualTo("pay-mm");
              assertThat(a.getExpectedAmountMinor()).isEqualTo(10_000L);
              assertThat(a.getActualAmountMinor()).isEqualTo(9_900L);
              assertThat(a.getRule()).isEqualTo("amount-exact@1");
              assertThat(a.getSeverity()).isEqualTo("HIGH");
              assertThat(a.getExplanation().getCriteria())
                  .filteredOn(c -> !c.getPassed())
                  .extracting(c -> c.getCriterion() + " " + c.getDelta())
                  .containsExactly("amount -100");
            });
    assertThat(byKind.get(MismatchKind.ORPHAN_SETTLEMENT))
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.getPaymentId()).isEqualTo("pay-unknown");
              assertThat(a.getDetectedAt()).isEqualTo(Instant.ofEpochMilli(T0 + 20 + GRACE_MS));
            });
  }

  private Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("SETTLEFLOW_KAFKA_BOOTSTRAP", kafka.bootstrapServers());
    env.put("SETTLEFLOW_REGISTRY_URL", registry.confluentUrl());
    env.put("SETTLEFLOW_STATE_DIR", dir.resolve("reconcile-state").toString());
    env.put("SETTLEFLOW_HTTP_PORT", "0");
    env.put("SETTLEFLOW_RECON_SETTLEMENT_DEADLINE_MS", "3600000");
    env.put("SETTLEFLOW_RECON_ORPHAN_GRACE_MS", Long.toString(GRACE_MS));
    env.put("SETTLEFLOW_RECON_OUT_OF_ORDERNESS_MS", "1000");
    env.put("SETTLEFLOW_RECON_IDLENESS_MS", "1000");
    env.put("SETTLEFLOW_RECON_CHECKPOINT_MS", "500");
    env.put("SETTLEFLOW_RECON_RULES_FILE", rulesFile().toString());
    return env;
  }

  /** The built-in rules with a batch decided 1 s after its payout (not 1 h). */
  private static Path rulesFile() {
    try (var in =
        ReconcileKafkaIT.class.getResourceAsStream("/io/settleflow/reconcile/recon-rules.yaml")) {
      String builtIn = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(builtIn).contains("wait: PT1H");
      Path file = dir.resolve("recon-rules.yaml");
      java.nio.file.Files.writeString(file, builtIn.replace("wait: PT1H", "wait: PT1S"));
      return file;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String metrics(int port) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private static void awaitHealthy(int port) {
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest health =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build();
    await()
        .atMost(START_TIMEOUT)
        .ignoreExceptions()
        .until(() -> http.send(health, HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
  }

  /**
   * Everything the job has committed so far: matched payment ids and alerts, in partition order.
   */
  private record Output(
      List<String> matched,
      List<MismatchAlert> alerts,
      List<String> settled,
      List<ReconMatch> batchMatches) {}

  private static Output output() {
    List<String> matched = new ArrayList<>();
    List<MismatchAlert> alerts = new ArrayList<>();
    List<String> settled = new ArrayList<>();
    List<ReconMatch> batchMatches = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> r :
        TopicContents.readAll(
            kafka.bootstrapServers(),
            List.of(Topics.RECON_MATCHES, Topics.RECON_MISMATCHES, Topics.PAYMENTS_SETTLED))) {
      // Stamped when written, not with the March event time: the broker's 7-day retention would
      // delete event-time-stamped output at its first check (30 s after start).
      assertThat(r.timestamp()).isGreaterThanOrEqualTo(startedAtMs);
      if (r.topic().equals(Topics.RECON_MATCHES)) {
        ReconMatch m = wire.decode(r.value(), ReconMatch.class);
        assertThat(r.key()).isEqualTo(m.getPaymentId());
        matched.add(m.getPaymentId());
        if (m.getBatchId() != null) {
          batchMatches.add(m);
        }
      } else if (r.topic().equals(Topics.PAYMENTS_SETTLED)) {
        ReconMatch m = wire.decode(r.value(), ReconMatch.class);
        assertThat(r.key()).isEqualTo(m.getPaymentId());
        settled.add(m.getPaymentId());
      } else {
        MismatchAlert a = wire.decode(r.value(), MismatchAlert.class);
        assertThat(r.key()).isEqualTo(a.getEventId());
        alerts.add(a);
      }
    }
    return new Output(matched, alerts, settled, batchMatches);
  }

  private static PaymentEvent paymentEvent(String paymentId, long amountMinor, long atMs) {
    return PaymentEvent.newBuilder()
        .setEventId("outbox-" + paymentId)
        .setEventType(PaymentEventType.AUTHORIZED)
        .setPaymentId(paymentId)
        .setMerchantId("merchant-it")
        .setAmountMinor(amountMinor)
        .setCurrency("EUR")
        .setCardToken("tok_abc")
        .setCardLast4("4242")
        .setOccurredAt(Instant.ofEpochMilli(atMs))
        .build();
  }

  private static SettlementRecord settlementRecord(String paymentId, long grossMinor, long atMs) {
    return SettlementRecord.newBuilder()
        .setEventId("file-1:" + paymentId)
        .setSettlementId("line-" + paymentId)
        .setSource("stripe")
        .setFileId("file-1")
        .setLineNumber(1)
        .setRecordType(SettlementRecordType.PAYMENT)
        .setPaymentReference(paymentId)
        .setMerchantId("merchant-it")
        .setGrossAmountMinor(grossMinor)
        .setFeeAmountMinor(0)
        .setNetAmountMinor(grossMinor)
        .setCurrency("EUR")
        .setSettledAt(Instant.ofEpochMilli(atMs))
        .build();
  }

  /** A member line of {@code batchId} for {@code paymentId}, or its payout line when null. */
  private static SettlementRecord batchLine(
      String paymentId, String batchId, long grossMinor, long atMs) {
    String line = paymentId == null ? "payout-" + batchId : "member-" + paymentId;
    return SettlementRecord.newBuilder(settlementRecord(paymentId, grossMinor, atMs))
        .setEventId("file-2:" + line)
        .setSettlementId(line)
        .setFileId("file-2")
        .setBatchId(batchId)
        .build();
  }

  private static void send(KafkaProducer<String, byte[]> producer, SpecificRecord record)
      throws Exception {
    Function<SpecificRecord, ProducerRecord<String, byte[]>> toRecord =
        r ->
            r instanceof PaymentEvent p
                ? new ProducerRecord<>(
                    ledgerTopic(p), p.getPaymentId(), wire.encode(ledgerTopic(p), p))
                : new ProducerRecord<>(
                    Topics.SETTLEMENTS_RAW,
                    ((SettlementRecord) r).getSettlementId(),
                    wire.encode(Topics.SETTLEMENTS_RAW, r));
    // wait for the broker's ack so a failed send fails the test instead of vanishing
    producer.send(toRecord.apply(record)).get();
  }

  private static String ledgerTopic(PaymentEvent p) {
    return p.getEventType() == PaymentEventType.CANCELLED
        ? Topics.PAYMENTS_CANCELLED
        : Topics.PAYMENTS_AUTHORIZED;
  }

  private static void sendRaw(
      KafkaProducer<String, byte[]> producer, String topic, String key, byte[] value)
      throws Exception {
    producer.send(new ProducerRecord<>(topic, key, value)).get();
  }

  private static KafkaProducer<String, byte[]> producer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }
}
