package io.settleflow.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.settleflow.embedded.Ports;
import io.settleflow.runtime.MetricsServer;
import io.settleflow.schemas.Topics;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replication slot on real PostgreSQL and Kafka: heartbeats move it while the outbox is idle,
 * it survives a stop, it is recreated when missing, and a database that cannot stream is refused
 * with a sentence.
 */
@Tag("integration")
class SlotHygieneIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(120);
  private static final String SLOT = "settleflow_outbox";
  private static final List<String> TOPICS = List.of(Topics.PAYMENTS_AUTHORIZED);

  /** Short heartbeats so the test waits seconds, not the file's 10 s per step. */
  private static final Map<String, String> FAST_HEARTBEAT = Map.of("heartbeat.interval.ms", "300");

  @TempDir static Path dir;
  static CdcTestStack stack;

  @BeforeAll
  static void startStack() {
    stack = CdcTestStack.start(dir);
    stack.executeOwner(
        "CREATE TABLE public.busy_elsewhere (id bigserial PRIMARY KEY, filler text NOT NULL)");
  }

  @AfterAll
  static void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void heartbeatsAdvanceTheSlotWhileTheOutboxIsIdleAndOtherTablesGetWrites() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    RelayMetrics metrics = new RelayMetrics(registry);
    OutboxMaintenance.Settings fastPoll =
        new OutboxMaintenance.Settings(
            Duration.ofMinutes(10), Duration.ofMinutes(1), 100, 1, Duration.ofMillis(100));
    try (OutboxRelay relay = stack.startRelay(metrics, FAST_HEARTBEAT);
        OutboxMaintenance maintenance =
            OutboxMaintenance.start(
                () -> DatabaseReadinessCheck.connect(stack.connector(), "slot-it"),
                SLOT,
                fastPoll,
                metrics::publishedCount,
                registry)) {
      await().atMost(TIMEOUT).until(relay::isStreaming);
      String id = UUID.randomUUID().toString();
      stack.insertOutboxRow(
          "m_slot_it", id, Topics.PAYMENTS_AUTHORIZED, "p1", new byte[] {0, 0, 0, 0, 1});
      await()
          .atMost(TIMEOUT)
          .until(() -> CdcTestStack.eventIds(stack.received(TOPICS)).contains(id));
      long confirmedBefore = confirmedFlushLsn();

      // Only tables outside the publication change: no outbox event will carry the slot forward.
      stack.executeOwner(
          "INSERT INTO public.busy_elsewhere (filler) SELECT repeat('x', 200) FROM generate_series(1, 20000)");
      long walAfterWrites = Lsn.parse(stack.queryOwner("SELECT pg_current_wal_lsn()::text"));
      assertThat(Lsn.bytesBetween(confirmedBefore, walAfterWrites))
          .as("the other table's writes are WAL the slot holds")
          .isGreaterThan(1_000_000);
      await()
          .atMost(TIMEOUT)
          .untilAsserted(
              () ->
                  assertThat(Lsn.atOrBefore(walAfterWrites, confirmedFlushLsn()))
                      .as("slot confirmed past the idle period's WAL")
                      .isTrue());
      // The lag gauge saw the pile-up and then the catch-up.
      await()
          .atMost(TIMEOUT)
          .untilAsserted(() -> assertThat(maintenance.slotLagBytes()).isBetween(0L, 1_000_000L));
      assertThat(registry.get("settleflow.cdc.heartbeats").counter().count()).isPositive();
      assertThat(CdcTestStack.eventIds(stack.received(List.of(Topics.CDC_DLQ))))
          .as("heartbeat messages are not routed")
          .isEmpty();
    }
  }

  @Test
  void lagMetricsAreExportedAndFollowTheSlot() throws Exception {
    OutboxMaintenance.Settings fastPoll =
        new OutboxMaintenance.Settings(
            Duration.ofMinutes(10), Duration.ofMinutes(1), 100, 1, Duration.ofMillis(100));
    try (MetricsServer server =
        MetricsServer.start("127.0.0.1", 0, () -> MetricsServer.Health.up("test"))) {
      RelayMetrics metrics = new RelayMetrics(server.registry());
      try (OutboxMaintenance maintenance =
          OutboxMaintenance.start(
              () -> DatabaseReadinessCheck.connect(stack.connector(), "lag-it"),
              SLOT,
              fastPoll,
              metrics::publishedCount,
              server.registry())) {
        try (OutboxRelay relay = stack.startRelay(metrics, FAST_HEARTBEAT)) {
          await().atMost(TIMEOUT).until(relay::isStreaming);
          List<String> ids = new java.util.ArrayList<>();
          for (int i = 0; i < 50; i++) {
            ids.add(UUID.randomUUID().toString());
            stack.insertOutboxRow(
                "m_lag_it",
                ids.get(i),
                Topics.PAYMENTS_AUTHORIZED,
                "p3",
                new byte[] {0, 0, 0, 0, 3});
          }
          await()
              .atMost(TIMEOUT)
              .until(() -> CdcTestStack.eventIds(stack.received(TOPICS)).containsAll(ids));
          assertThat(metrics.lagMs()).as("the last batch was behind its commit").isPositive();
          await()
              .atMost(TIMEOUT)
              .until(
                  () -> maintenance.slotLagBytes() >= 0 && maintenance.slotLagBytes() < 1_000_000);
        }
        // Nobody reads the slot now: WAL written elsewhere shows up as lag in bytes.
        stack.executeOwner(
            "INSERT INTO public.busy_elsewhere (filler) SELECT repeat('y', 200) FROM generate_series(1, 20000)");
        await().atMost(TIMEOUT).until(() -> maintenance.slotLagBytes() > 1_000_000);
        String scrape = scrape(server);
        assertThat(scrape)
            .contains("settleflow_cdc_slot_lag_bytes")
            .contains("settleflow_cdc_lag_milliseconds")
            .contains("settleflow_cdc_events_per_second")
            .contains("settleflow_cdc_outbox_rows_estimate")
            .contains("settleflow_cdc_events_dead_lettered_total")
            .contains("settleflow_cdc_commit_to_kafka_seconds_bucket");
        assertThat(gauge(scrape, "settleflow_cdc_slot_lag_bytes")).isGreaterThan(1_000_000);

        // A relay again: heartbeats carry the slot over that WAL and the lag falls back.
        try (OutboxRelay relay = stack.startRelay(metrics, FAST_HEARTBEAT)) {
          await()
              .atMost(TIMEOUT)
              .until(
                  () -> maintenance.slotLagBytes() >= 0 && maintenance.slotLagBytes() < 1_000_000);
        }
      }
    }
  }

  @Test
  void slotSurvivesAStopAndIsCreatedAgainWhenMissing() {
    try (OutboxRelay relay =
        stack.startRelay(new RelayMetrics(new SimpleMeterRegistry()), FAST_HEARTBEAT)) {
      await().atMost(TIMEOUT).until(relay::isStreaming);
    }
    assertThat(
            stack.queryOwner(
                "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + SLOT + "'"))
        .as("slot.drop.on.stop is false: a stopped relay keeps its slot")
        .isEqualTo("1");

    stack.executeOwner("SELECT pg_drop_replication_slot('" + SLOT + "')");
    // A first start on a database without the slot (fresh offsets): the relay creates it. With the
    // old offsets Debezium would refuse to start instead ("last recorded offset is no longer
    // available"), which is the loud failure we want when a slot vanishes under a running CDC.
    Map<String, String> firstStart = new java.util.HashMap<>(FAST_HEARTBEAT);
    firstStart.put("offset.storage.topic", "slot-it-first-start-offsets");
    try (OutboxRelay relay =
        stack.startRelay(new RelayMetrics(new SimpleMeterRegistry()), firstStart)) {
      await().atMost(TIMEOUT).until(relay::isStreaming);
      assertThat(
              stack.queryOwner(
                  "SELECT plugin FROM pg_replication_slots WHERE slot_name = '" + SLOT + "'"))
          .isEqualTo("pgoutput");
      String id = UUID.randomUUID().toString();
      stack.insertOutboxRow(
          "m_slot_it", id, Topics.PAYMENTS_AUTHORIZED, "p2", new byte[] {0, 0, 0, 0, 2});
      await()
          .atMost(TIMEOUT)
          .until(() -> CdcTestStack.eventIds(stack.received(TOPICS)).contains(id));
    }
  }

  @Test
  void databaseWithoutLogicalWalFailsTheStartupCheckWithASentence() throws Exception {
    // PostgresServer always runs logical WAL; this one is started the way a default install runs.
    try (EmbeddedPostgres replicaWal =
        EmbeddedPostgres.builder()
            .setDataDirectory(dir.resolve("pg-replica-wal"))
            .setCleanDataDirectory(true)
            .setPGStartupWait(TIMEOUT)
            .setServerConfig("listen_addresses", Ports.LOOPBACK)
            .setServerConfig("wal_level", "replica")
            .start()) {
      Map<String, String> env = CdcTestStack.replicationEnv(stack.pg(), "postgres");
      env.put("SETTLEFLOW_DB_PORT", Integer.toString(replicaWal.getPort()));
      OutboxConnectorConfig.ConnectorDefinition connector =
          OutboxConnectorConfig.resolve(OutboxConnectorConfig.loadDefault(), env);

      assertThat(DatabaseReadinessCheck.problems(connector))
          .containsExactly(
              "PostgreSQL wal_level is 'replica' but CDC needs 'logical' (set wal_level = logical and restart PostgreSQL)",
              "publication 'settleflow_outbox' does not exist (it is created by the ledger-db migration; run it first)");
    }
  }

  private static String scrape(MetricsServer server) throws Exception {
    var request =
        java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + server.port() + "/metrics"))
            .build();
    return java.net.http.HttpClient.newHttpClient()
        .send(request, java.net.http.HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** The value of an untagged gauge in a Prometheus scrape. */
  private static double gauge(String scrape, String name) {
    return scrape
        .lines()
        .filter(l -> l.startsWith(name + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(name.length() + 1).trim()))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " not in the scrape"));
  }

  private static long confirmedFlushLsn() {
    return Lsn.parse(
        stack.queryOwner(
            "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = '"
                + SLOT
                + "'"));
  }
}
