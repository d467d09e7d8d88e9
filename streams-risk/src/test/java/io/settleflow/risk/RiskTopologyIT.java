package io.settleflow.risk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.settleflow.avro.PaymentEvent;
import io.settleflow.avro.RiskDecision;
import io.settleflow.embedded.ChildJvm;
import io.settleflow.embedded.HttpProbe;
import io.settleflow.embedded.KafkaBroker;
import io.settleflow.embedded.Ports;
import io.settleflow.embedded.SchemaRegistryServer;
import io.settleflow.embedded.TopicContents;
import io.settleflow.schemas.AvroSerde;
import io.settleflow.schemas.ConfluentRegistryClient;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.MerchantPartitioning;
import io.settleflow.schemas.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The topology on a real broker with 3 partitions per topic and exactly_once_v2, so the merchant
 * repartition really moves records between tasks (a 1-partition test driver would hide that), and
 * records partitioned by merchant (scored in place) meet records that were not (repartitioned).
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RiskTopologyIT {
  private static final String APP_ID = "risk-it";
  private static final int PARTITIONS = 3;
  private static final int DISTINCT_EVENTS = 60;
  private static final int MERCHANTS = 7;
  private static final long SEED = 20261125L;
  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration RESULT_TIMEOUT = Duration.ofSeconds(90);

  /** 128 + SIGTERM: the JVM ran its shutdown hooks and exited on the signal. */
  private static final int SIGTERM_EXIT = 143;

  private static final String SHADOW_RULE_ID = "it-shadow";

  /**
   * Fires on every payment of the burst (amounts from 1000, this one included in the sum) but,
   * being SHADOW, approves them all; its reason shows the merchant's history (the sum).
   */
  private static final String SHADOW_RULE =
      "{\"id\": \"it-shadow\", \"version\": 1, \"status\": \"SHADOW\","
          + " \"feature\": \"merchant_sum_1h\", \"comparison\": \">=\", \"threshold\": 1000,"
          + " \"score\": 100, \"action\": \"DECLINE\"}";

  /** Payments of each twin merchant (same amounts and times, produced two ways). */
  private static final int TWIN_PAYMENTS = 5;

  @TempDir static Path dir;
  static KafkaBroker broker;
  static SchemaRegistryServer registryServer;
  static ConfluentRegistryClient registry;
  static KafkaStreams streams;

  @BeforeAll
  static void start() throws Exception {
    broker = KafkaBroker.start(dir.resolve("kafka"), 0, 0, "384m");
    registryServer = SchemaRegistryServer.start(dir.resolve("registry"), 0, false);
    registry = new ConfluentRegistryClient(registryServer.confluentUrl());
    broker.createTopics(
        List.of(
            Topics.PAYMENTS_AUTHORIZED,
            Topics.PAYMENTS_CAPTURED,
            Topics.PAYMENTS_REFUNDED,
            Topics.PAYMENTS_CANCELLED,
            Topics.SETTLEMENTS_RAW,
            Topics.RISK_DECISIONS,
            Topics.RISK_DLQ),
        PARTITIONS,
        Set.of());
    broker.createTopics(List.of(Topics.RISK_RULES), 1, Set.of(Topics.RISK_RULES));
    // published before start: the global rules store must restore it from the topic
    try (KafkaProducer<String, byte[]> producer = producer()) {
      // get(): a rule that never arrived must fail here, not as a missing decision later
      producer
          .send(
              new ProducerRecord<>(
                  Topics.RISK_RULES, SHADOW_RULE_ID, SHADOW_RULE.getBytes(StandardCharsets.UTF_8)))
          .get();
    }
    RiskConfig config = RiskConfig.defaults();
    streams =
        new KafkaStreams(
            RiskTopology.build(
                config, new ConfluentRegistryClient(registryServer.confluentUrl()), PARTITIONS),
            RiskStreamsConfig.properties(
                APP_ID, broker.bootstrapServers(), dir.resolve("state"), 1, config));
    streams.start();
    await().atMost(START_TIMEOUT).until(() -> streams.state() == KafkaStreams.State.RUNNING);
  }

  @AfterAll
  static void stop() {
    if (streams != null) {
      streams.close(Duration.ofSeconds(30));
    }
    if (registryServer != null) {
      registryServer.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  @Order(1)
  void aReplayedBurstYieldsExactlyOneCommittedDecisionPerEventAndGarbageIsDeadLettered()
      throws Exception {
    // The broker ages records by wall-clock retention, so event time starts near now.
    Instant base = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(600);
    Random random = new Random(SEED);
    ConfluentWireFormat wire = new ConfluentWireFormat(registry);
    List<ProducerRecord<String, byte[]>> burst = new ArrayList<>();
    Map<String, String> paymentByEvent = new HashMap<>();
    for (int i = 0; i < DISTINCT_EVENTS; i++) {
      // some payments get two events, as capture follows authorization
      String paymentId = "p-" + (i % 45);
      String eventId = "e-" + i;
      Instant occurred = base.plusMillis(250L * i);
      PaymentEvent event =
          Payments.event(eventId, paymentId, "m-" + (i % MERCHANTS), 1_000 + i, occurred);
      byte[] bytes = wire.encode(Topics.PAYMENTS_AUTHORIZED, event);
      int copies = 2 + random.nextInt(2); // as Debezium redelivers after a crash: 2 or 3 times
      for (int c = 0; c < copies; c++) {
        // the first copy partitioned by merchant, as the CDC relay does (scored in place); the
        // replays by the default partitioner (by payment id), as a producer that does not: every
        // event meets its copies in the merchant's task whichever way they came
        Integer partition =
            c == 0 ? MerchantPartitioning.partitionFor(event.getMerchantId(), PARTITIONS) : null;
        burst.add(
            new ProducerRecord<>(
                Topics.PAYMENTS_AUTHORIZED,
                partition,
                occurred.toEpochMilli() + c,
                paymentId,
                bytes));
      }
      paymentByEvent.put(eventId, paymentId);
    }
    List<String> garbageKeys = List.of("g-1", "g-2", "g-3");
    for (String key : garbageKeys) {
      burst.add(
          new ProducerRecord<>(
              Topics.PAYMENTS_AUTHORIZED,
              key,
              ("garbage " + key).getBytes(StandardCharsets.UTF_8)));
    }
    // replays arrive interleaved with fresh events; per key the order is whatever the shuffle made
    Collections.shuffle(burst, random);
    try (KafkaProducer<String, byte[]> producer = producer()) {
      List<java.util.concurrent.Future<?>> sends = new ArrayList<>();
      for (ProducerRecord<String, byte[]> r : burst) {
        sends.add(producer.send(r));
      }
      producer.flush();
      for (java.util.concurrent.Future<?> send : sends) {
        send.get(); // a failed send fails the test here
      }
    }

    // Twins: the same payments for two merchants, "twin-a" partitioned by merchant, "twin-b" by
    // the default partitioner with payment ids that all land in one partition its task does not
    // own (so they are read in order and all cross the repartition topic). Each first payment is
    // delivered twice, the copy by the default partitioner.
    int twinBOwner = MerchantPartitioning.partitionFor("twin-b", PARTITIONS);
    int twinBInput = (twinBOwner + 1) % PARTITIONS;
    List<ProducerRecord<String, byte[]>> twins = new ArrayList<>();
    int candidate = 0;
    for (int i = 0; i < TWIN_PAYMENTS; i++) {
      Instant occurred = base.plusSeconds(30 + i);
      long amount = 2_000 + 10L * i;
      PaymentEvent a = Payments.event("twin-a-e" + i, "twin-a-p" + i, "twin-a", amount, occurred);
      String bPayment;
      do {
        bPayment = "twin-b-p" + candidate++;
      } while (MerchantPartitioning.partitionFor(bPayment, PARTITIONS) != twinBInput);
      PaymentEvent b = Payments.event("twin-b-e" + i, bPayment, "twin-b", amount, occurred);
      int copies = i == 0 ? 2 : 1;
      for (int c = 0; c < copies; c++) {
        twins.add(
            new ProducerRecord<>(
                Topics.PAYMENTS_AUTHORIZED,
                c == 0 ? MerchantPartitioning.partitionFor("twin-a", PARTITIONS) : null,
                occurred.toEpochMilli() + c,
                a.getPaymentId(),
                wire.encode(Topics.PAYMENTS_AUTHORIZED, a)));
        twins.add(
            new ProducerRecord<>(
                Topics.PAYMENTS_AUTHORIZED,
                null,
                occurred.toEpochMilli() + c,
                b.getPaymentId(),
                wire.encode(Topics.PAYMENTS_AUTHORIZED, b)));
      }
      paymentByEvent.put(a.getEventId(), a.getPaymentId());
      paymentByEvent.put(b.getEventId(), b.getPaymentId());
    }
    try (KafkaProducer<String, byte[]> producer = producer()) {
      for (ProducerRecord<String, byte[]> r : twins) {
        producer.send(r).get(); // in order: one twin's payments are read in event-time order
      }
    }

    awaitInputFullyCommitted();

    Deserializer<RiskDecision> decoder =
        new AvroSerde<>(registry, RiskDecision.class).deserializer();
    List<ConsumerRecord<String, RiskDecision>> decisions =
        TopicContents.readAll(broker.bootstrapServers(), Topics.RISK_DECISIONS).stream()
            .map(
                r ->
                    new ConsumerRecord<>(
                        r.topic(),
                        r.partition(),
                        r.offset(),
                        r.key(),
                        decoder.deserialize(r.topic(), r.value())))
            .toList();
    Map<String, Long> perEvent =
        decisions.stream()
            .collect(
                Collectors.groupingBy(r -> r.value().getSourceEventId(), Collectors.counting()));
    assertThat(perEvent)
        .as("decisions per source event id (seed %d)", SEED)
        .hasSize(DISTINCT_EVENTS + 2 * TWIN_PAYMENTS);
    assertThat(perEvent.values()).as("seed %d", SEED).allMatch(n -> n == 1L);
    assertThat(decisions)
        .allSatisfy(
            r -> {
              assertThat(r.key()).isEqualTo(paymentByEvent.get(r.value().getSourceEventId()));
              assertThat(r.value().getEventId())
                  .isEqualTo(RiskDecisions.decisionEventId(r.value().getSourceEventId()));
              // the rule published on the real risk.rules topic replaced the defaults
              assertThat(r.value().getRuleVersions()).containsExactly(SHADOW_RULE_ID + "@1");
              assertThat(r.value().getShadowReasons())
                  .singleElement()
                  .asString()
                  .startsWith(SHADOW_RULE_ID + "@1:");
              assertThat(r.value().getOutcome()).isEqualTo(io.settleflow.avro.RiskOutcome.APPROVE);
            });

    // the same history either way: each twin's payments saw the same merchant sum
    Map<String, List<String>> twinReasons = new HashMap<>();
    decisions.stream()
        .map(ConsumerRecord::value)
        .filter(d -> d.getMerchantId().startsWith("twin-"))
        .sorted(java.util.Comparator.comparing(RiskDecision::getDecidedAt))
        .forEach(
            d ->
                twinReasons
                    .computeIfAbsent(d.getMerchantId(), m -> new ArrayList<>())
                    .add(d.getScore() + " " + d.getOutcome() + " " + d.getShadowReasons()));
    assertThat(twinReasons.get("twin-a"))
        .hasSize(TWIN_PAYMENTS)
        .isEqualTo(twinReasons.get("twin-b"));
    assertThat(twinReasons.get("twin-a").get(TWIN_PAYMENTS - 1))
        .contains(
            "merchant_sum_1h "
                + (2_000 * TWIN_PAYMENTS + 10 * (TWIN_PAYMENTS - 1) * TWIN_PAYMENTS / 2)
                + " ");

    List<ConsumerRecord<String, byte[]>> dead =
        TopicContents.readAll(broker.bootstrapServers(), Topics.RISK_DLQ);
    assertThat(dead)
        .extracting(ConsumerRecord::key)
        .containsExactlyInAnyOrderElementsOf(garbageKeys);
    assertThat(dead)
        .allSatisfy(
            r -> {
              assertThat(
                      new String(
                          r.headers().lastHeader("error.class").value(), StandardCharsets.UTF_8))
                  .isEqualTo("io.settleflow.schemas.WireFormatException");
              assertThat(
                      new String(
                          r.headers().lastHeader("source.topic").value(), StandardCharsets.UTF_8))
                  .isEqualTo(Topics.PAYMENTS_AUTHORIZED);
              assertThat(new String(r.value(), StandardCharsets.UTF_8))
                  .isEqualTo("garbage " + r.key());
            });
  }

  // The two tests below run RiskMain as its own process (as the launcher does) over the input the
  // burst left behind. They run after it: their decisions would otherwise be counted there.

  @Test
  @Order(2)
  void theServiceIsHealthyWhileRunningExportsMetricsAndStopsCleanlyOnSigterm() throws Exception {
    int port = Ports.free();
    ChildJvm main = startRiskMain("risk-main", registryServer.confluentUrl(), port);
    try {
      String base = "http://127.0.0.1:" + port;
      main.awaitReady(() -> HttpProbe.ok(base + "/health"), START_TIMEOUT);
      await()
          .atMost(RESULT_TIMEOUT)
          .untilAsserted(
              () -> {
                String metrics = get(base + "/metrics").body();
                assertThat(counter(metrics, "settleflow_risk_decisions_total"))
                    .isGreaterThanOrEqualTo(DISTINCT_EVENTS);
                assertThat(counter(metrics, "settleflow_risk_dead_letters_total"))
                    .isGreaterThanOrEqualTo(3);
                assertThat(counter(metrics, "settleflow_risk_duplicates_dropped_total"))
                    .isGreaterThanOrEqualTo(DISTINCT_EVENTS);
                assertThat(metrics).contains("kafka_stream_");
              });
    } finally {
      main.close(); // SIGTERM
    }
    assertThat(main.awaitExit(Duration.ofSeconds(5)))
        .as("exit code after SIGTERM")
        .isEqualTo(SIGTERM_EXIT);
  }

  @Test
  @Order(3)
  void anUnreachableRegistryStopsTheProcessWithANonZeroExit() {
    int port = Ports.free();
    ChildJvm main =
        startRiskMain(
            "risk-main-no-registry", "http://127.0.0.1:" + Ports.free() + "/apis/ccompat/v7", port);
    try {
      // it must not dead-letter payments it merely could not decode right now
      assertThat(main.awaitExit(START_TIMEOUT)).isEqualTo(1);
      assertThat(main.logTail(400)).contains("stream thread failed");
    } finally {
      main.close();
    }
  }

  @Test
  @Order(4)
  void aStaleVersionPublishedWhileStoppedIsStillRefusedAfterARestartOnFreshLocalState()
      throws Exception {
    String appId = "risk-it-restart";
    String ruleId = "it-versioned";
    ConfluentWireFormat wire = new ConfluentWireFormat(registry);
    Instant t = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(60);
    publishRule(ruleId, versionedRule(ruleId, 3));

    CountingCounters first = new CountingCounters();
    try (KafkaStreams s = startApp(appId, "restart-state-1", first)) {
      send(wire, Payments.event("rv-e-1", "rv-1", "m-rv", 2_000, t));
      assertThat(awaitDecision("rv-1").getRuleVersions()).contains(ruleId + "@3");
    }
    // published while the engine is down: the compacted topic now ends in the older version
    publishRule(ruleId, versionedRule(ruleId, 2));

    CountingCounters second = new CountingCounters();
    // a fresh state directory: the version memory must come back from its changelog
    try (KafkaStreams s = startApp(appId, "restart-state-2", second)) {
      send(wire, Payments.event("rv-e-2", "rv-2", "m-rv", 2_000, t.plusSeconds(1)));
      RiskDecision d = awaitDecision("rv-2");
      assertThat(d.getRuleVersions()).contains(ruleId + "@3").doesNotContain(ruleId + "@2");
      assertThat(second.staleRules.get()).isGreaterThanOrEqualTo(1);
    }
  }

  private static String versionedRule(String id, long version) {
    return "{\"id\": \""
        + id
        + "\", \"version\": "
        + version
        + ", \"status\": \"ACTIVE\", \"feature\": \"amount_minor\", \"comparison\": \">\","
        + " \"threshold\": "
        + (1_000_000 + version)
        + ", \"score\": 10, \"action\": \"REVIEW\"}";
  }

  private static void publishRule(String id, String document) throws Exception {
    try (KafkaProducer<String, byte[]> producer = producer()) {
      producer
          .send(
              new ProducerRecord<>(
                  Topics.RISK_RULES, id, document.getBytes(StandardCharsets.UTF_8)))
          .get();
    }
  }

  private static void send(ConfluentWireFormat wire, PaymentEvent e) throws Exception {
    try (KafkaProducer<String, byte[]> producer = producer()) {
      producer
          .send(
              new ProducerRecord<>(
                  Topics.PAYMENTS_AUTHORIZED,
                  null,
                  e.getOccurredAt().toEpochMilli(),
                  e.getPaymentId(),
                  wire.encode(Topics.PAYMENTS_AUTHORIZED, e)))
          .get();
    }
  }

  private static KafkaStreams startApp(String appId, String stateDir, RiskCounters counters) {
    RiskConfig config = RiskConfig.defaults();
    KafkaStreams s =
        new KafkaStreams(
            RiskTopology.build(config, registry, counters, PARTITIONS),
            RiskStreamsConfig.properties(
                appId, broker.bootstrapServers(), dir.resolve(stateDir), 1, config));
    s.start();
    await().atMost(START_TIMEOUT).until(() -> s.state() == KafkaStreams.State.RUNNING);
    return s;
  }

  private static RiskDecision awaitDecision(String paymentId) {
    Deserializer<RiskDecision> decoder =
        new AvroSerde<>(registry, RiskDecision.class).deserializer();
    RiskDecision[] found = new RiskDecision[1];
    await()
        .atMost(RESULT_TIMEOUT)
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              for (ConsumerRecord<String, byte[]> r :
                  TopicContents.readAll(broker.bootstrapServers(), Topics.RISK_DECISIONS)) {
                if (paymentId.equals(r.key())) {
                  found[0] = decoder.deserialize(r.topic(), r.value());
                }
              }
              return found[0] != null;
            });
    return found[0];
  }

  private static ChildJvm startRiskMain(String applicationId, String registryUrl, int httpPort) {
    Map<String, String> env = new HashMap<>();
    env.put("SETTLEFLOW_KAFKA_BOOTSTRAP", broker.bootstrapServers());
    env.put("SETTLEFLOW_REGISTRY_URL", registryUrl);
    env.put("SETTLEFLOW_STATE_DIR", dir.resolve(applicationId + "-state").toString());
    env.put("SETTLEFLOW_HTTP_PORT", Integer.toString(httpPort));
    env.put("SETTLEFLOW_RISK_QUERY_PORT", "0");
    env.put("SETTLEFLOW_RISK_APPLICATION_ID", applicationId);
    return ChildJvm.start(
        applicationId,
        List.of("-Xmx256m", "-XX:+UseSerialGC"),
        List.of("-cp", ChildJvm.currentClasspath(), RiskMain.class.getName()),
        env,
        dir.resolve(applicationId),
        dir.resolve(applicationId + ".log"));
  }

  private static HttpResponse<String> get(String url) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(url)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
  }

  /** The value of an unlabelled Prometheus counter, or -1 when absent. */
  private static double counter(String metrics, String name) {
    return metrics
        .lines()
        .filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .findFirst()
        .orElse(-1);
  }

  /**
   * Waits until the application has committed offsets up to the end of its input and of its
   * repartition topic: with exactly-once, every output of those records is then committed too.
   */
  private static void awaitInputFullyCommitted() {
    String repartition = APP_ID + "-" + RiskTopology.BY_MERCHANT + "-repartition";
    await()
        .atMost(RESULT_TIMEOUT)
        .pollInterval(Duration.ofMillis(250))
        .until(() -> consumedToEnd(List.of(Topics.PAYMENTS_AUTHORIZED, repartition)));
  }

  private static boolean consumedToEnd(List<String> topics) throws Exception {
    try (Admin admin = broker.admin()) {
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin
              .listConsumerGroupOffsets(APP_ID)
              .partitionsToOffsetAndMetadata()
              .get(10, TimeUnit.SECONDS);
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      for (String t : topics) {
        for (int p = 0; p < PARTITIONS; p++) {
          latest.put(new TopicPartition(t, p), OffsetSpec.latest());
        }
      }
      var ends = admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS);
      return ends.entrySet().stream()
          .allMatch(
              e -> {
                OffsetAndMetadata c = committed.get(e.getKey());
                long end = e.getValue().offset();
                // a transactional partition ends in a commit marker, which need not be consumed
                return end == 0 || (c != null && c.offset() >= end - 1);
              });
    }
  }

  private static KafkaProducer<String, byte[]> producer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }
}
