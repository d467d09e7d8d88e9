package io.settleflow.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.settleflow.embedded.ChildJvm;
import io.settleflow.embedded.HttpProbe;
import io.settleflow.embedded.Ports;
import io.settleflow.ledger.LedgerSchema;
import io.settleflow.ledger.LedgerTestDatabase;
import io.settleflow.schemas.Topics;
import java.nio.file.Files;
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

/** The service as the launcher runs it: its own JVM, configured by environment variables. */
@Tag("integration")
class CdcMainIT {
  private static final String LEDGER = LedgerTestDatabase.DATABASE;
  private static final String EMPTY = "no_ledger";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
  private static final String CDC_ROLE = "settleflow_cdc_it";

  @TempDir static Path dir;
  static CdcTestStack stack;

  @BeforeAll
  static void startStack() {
    stack = CdcTestStack.start(dir);
    stack.pg().createDatabaseIfMissing(EMPTY);
  }

  @AfterAll
  static void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  /**
   * As production runs it: not the superuser but a login role set up by {@link
   * LedgerSchema#grantCdcRole} (REPLICATION, BYPASSRLS, member of the role V6 grants to), so
   * snapshot, streaming, heartbeat, slot polling and the outbox clean-up all work with exactly
   * those privileges.
   */
  @Test
  void serviceBecomesHealthyRelaysARowAndStopsCleanlyOnSigterm() throws Exception {
    int port = Ports.free();
    String eventId = UUID.randomUUID().toString();
    LedgerSchema.grantCdcRole(stack.owner(), CDC_ROLE, "test-only-cdc-role-password");
    Map<String, String> env = env(LEDGER, port);
    env.put("SETTLEFLOW_CDC_DB_USER", CDC_ROLE);
    env.put("SETTLEFLOW_CDC_DB_PASSWORD", "test-only-cdc-role-password");
    // clean up as soon as the slot has confirmed a row (V4's purge_outbox, granted by V6)
    env.put(CdcMain.OUTBOX_RETENTION_VARIABLE, "1");
    env.put(CdcMain.CLEANUP_INTERVAL_VARIABLE, "500");
    try (ChildJvm cdc = start("cdc", env)) {
      cdc.awaitReady(() -> HttpProbe.ok("http://127.0.0.1:" + port + "/health"), READY_TIMEOUT);

      stack.insertOutboxRow(
          "m1",
          eventId,
          Topics.PAYMENTS_AUTHORIZED,
          "pay-1",
          new byte[] {0, 0, 0, 0, 7, (byte) 0xaa});
      List<String> topic = List.of(Topics.PAYMENTS_AUTHORIZED);
      await()
          .atMost(READY_TIMEOUT)
          .until(() -> CdcTestStack.eventIds(stack.received(topic)).contains(eventId));
      await()
          .atMost(READY_TIMEOUT)
          .until(() -> metrics(port).contains("settleflow_cdc_events_published_total 1.0"));
      await()
          .atMost(READY_TIMEOUT)
          .until(() -> metrics(port).contains("settleflow_cdc_outbox_rows_deleted_total 1.0"));
      assertThat(metrics(port)).contains("settleflow_cdc_maintenance_errors_total 0.0");

      cdc.close(); // SIGTERM
      assertThat(cdc.isAlive()).isFalse();
      String log = Files.readString(cdc.logFile());
      assertThat(log).contains("outbox relay stopped").doesNotContain("stopped with an error");
    }
  }

  @Test
  void missingPublicationStopsStartupWithExitCode2AndASentence() throws Exception {
    try (ChildJvm cdc = start("cdc-no-publication", env(EMPTY, Ports.free()))) {
      assertThat(cdc.awaitExit(READY_TIMEOUT)).isEqualTo(CdcMain.EXIT_MISCONFIGURED);
      assertThat(Files.readString(cdc.logFile()))
          .contains("publication 'settleflow_outbox' does not exist");
    }
  }

  @Test
  void missingVariableStopsStartupNamingIt() throws Exception {
    Map<String, String> env = env(LEDGER, Ports.free());
    env.remove("SETTLEFLOW_DB_HOST");
    try (ChildJvm cdc = start("cdc-no-host", env)) {
      assertThat(cdc.awaitExit(READY_TIMEOUT)).isEqualTo(CdcMain.EXIT_MISCONFIGURED);
      assertThat(Files.readString(cdc.logFile()))
          .contains("environment variable SETTLEFLOW_DB_HOST is not set");
    }
  }

  private static ChildJvm start(String name, Map<String, String> env) {
    return ChildJvm.start(
        name,
        List.of("-Xmx256m", "-XX:+UseSerialGC"),
        List.of("-cp", ChildJvm.currentClasspath(), CdcMain.class.getName()),
        env,
        dir.resolve(name),
        dir.resolve(name + ".log"));
  }

  private static Map<String, String> env(String database, int httpPort) {
    Map<String, String> env = CdcTestStack.replicationEnv(stack.pg(), database);
    env.put("SETTLEFLOW_HTTP_HOST", "127.0.0.1");
    env.put("SETTLEFLOW_HTTP_PORT", Integer.toString(httpPort));
    env.put("SETTLEFLOW_KAFKA_BOOTSTRAP", stack.kafka().bootstrapServers());
    env.put("SETTLEFLOW_CDC_OFFSETS_TOPIC", "settleflow.cdc.offsets.main-it");
    return env;
  }

  private static String metrics(int port) throws Exception {
    var client = java.net.http.HttpClient.newHttpClient();
    var request =
        java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + port + "/metrics"))
            .build();
    return client.send(request, java.net.http.HttpResponse.BodyHandlers.ofString()).body();
  }
}
