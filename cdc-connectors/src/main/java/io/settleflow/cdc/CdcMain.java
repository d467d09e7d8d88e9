package io.settleflow.cdc;

import io.settleflow.cdc.OutboxConnectorConfig.ConnectorDefinition;
import io.settleflow.runtime.MetricsServer;
import io.settleflow.runtime.MetricsServer.Health;
import io.settleflow.runtime.ServiceConfig;
import io.settleflow.schemas.Topics;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the outbox relay as a service: environment → connector config → startup checks → relay +
 * /health and /metrics. Exits non-zero when the engine stops with an error.
 */
public final class CdcMain {
  private static final Logger LOG = LoggerFactory.getLogger(CdcMain.class);
  public static final String PASSWORD_VARIABLE = "SETTLEFLOW_CDC_DB_PASSWORD";

  /** Optional comma list of topics outbox rows may route to; default: the ledger event topics. */
  public static final String TOPICS_VARIABLE = "SETTLEFLOW_CDC_TOPICS";

  public static final String OUTBOX_RETENTION_VARIABLE = "SETTLEFLOW_CDC_OUTBOX_RETENTION_MS";
  public static final String CLEANUP_INTERVAL_VARIABLE =
      "SETTLEFLOW_CDC_OUTBOX_CLEANUP_INTERVAL_MS";
  public static final String CLEANUP_BATCH_VARIABLE = "SETTLEFLOW_CDC_OUTBOX_CLEANUP_BATCH_ROWS";
  public static final String SLOT_POLL_VARIABLE = "SETTLEFLOW_CDC_SLOT_POLL_INTERVAL_MS";

  /** {@code true} adds {@link OutboxBatchPublisher#TRACE_HEADER} to events (benchmarks). */
  public static final String TRACE_HEADERS_VARIABLE = "SETTLEFLOW_CDC_TRACE_HEADERS";

  static final int DEFAULT_HTTP_PORT = 8084;
  static final int EXIT_MISCONFIGURED = 2;
  static final int EXIT_ENGINE_FAILED = 1;

  /**
   * How long the start waits for Kafka to describe the routed topics (the producer's old bound).
   */
  static final Duration TOPICS_TIMEOUT = Duration.ofSeconds(60);

  private CdcMain() {}

  public static void main(String[] args) {
    ServiceConfig env = ServiceConfig.fromEnvironment();
    ConnectorDefinition connector;
    String bootstrap;
    OutboxMaintenance.Settings maintenance;
    boolean traceHeaders;
    java.util.Properties engineConfig;
    try {
      maintenance = maintenanceSettings(env);
      traceHeaders = traceHeaders(env);
      bootstrap = env.required("SETTLEFLOW_KAFKA_BOOTSTRAP");
      // The password may come from SETTLEFLOW_CDC_DB_PASSWORD_FILE: resolve it like any other
      // secret.
      Map<String, String> variables = new HashMap<>(System.getenv());
      variables.put(PASSWORD_VARIABLE, env.secret(PASSWORD_VARIABLE));
      connector = OutboxConnectorConfig.resolve(OutboxConnectorConfig.loadDefault(), variables);
      engineConfig = OutboxConnectorConfig.embedded(connector, bootstrap, System.getenv());
      List<String> problems = DatabaseReadinessCheck.problems(connector);
      if (!problems.isEmpty()) {
        problems.forEach(p -> LOG.error("cannot start CDC: {}", p));
        System.exit(EXIT_MISCONFIGURED);
        return;
      }
    } catch (ServiceConfig.ConfigException
        | OutboxConnectorConfig.InvalidConnectorConfigException
        | IllegalArgumentException e) {
      LOG.error("cannot start CDC: {}", e.getMessage());
      System.exit(EXIT_MISCONFIGURED);
      return;
    } catch (RuntimeException e) {
      LOG.error("cannot start CDC: {}", e.getMessage(), e);
      System.exit(EXIT_MISCONFIGURED);
      return;
    }

    AtomicReference<OutboxRelay> relay = new AtomicReference<>();
    MetricsServer server;
    try {
      server =
          MetricsServer.start(
              env.string("SETTLEFLOW_HTTP_HOST", "127.0.0.1"),
              env.integer("SETTLEFLOW_HTTP_PORT", DEFAULT_HTTP_PORT, 0, 65_535),
              () -> relay.get() == null ? Health.down("starting") : relay.get().health());
    } catch (java.io.IOException e) {
      LOG.error("cannot start the metrics server: {}", e.getMessage(), e);
      System.exit(EXIT_MISCONFIGURED);
      return;
    }

    Producer<byte[], byte[]> producer =
        new KafkaProducer<>(OutboxRelay.producerConfig(bootstrap, "settleflow-cdc"));
    OutboxEventRouting routing =
        new OutboxEventRouting(allowedTopics(env), connector.heartbeatTopic());
    RelayMetrics metrics = new RelayMetrics(server.registry());
    OutboxBatchPublisher publisher =
        new OutboxBatchPublisher(
            producer, routing, Topics.CDC_DLQ, metrics, Clock.systemUTC(), traceHeaders);
    try {
      Map<String, Integer> partitions =
          OutboxRelay.partitionCounts(bootstrap, routing.allowedTopics(), TOPICS_TIMEOUT);
      relay.set(OutboxRelay.start(engineConfig, publisher, producer, partitions::get));
    } catch (IllegalStateException e) {
      // a routed topic is missing, Kafka did not answer, or the topics disagree on their
      // partition count (see OutboxRelay)
      LOG.error("cannot start CDC: {}", e.getMessage());
      producer.close(OutboxRelay.PRODUCER_CLOSE_TIMEOUT);
      server.close();
      System.exit(EXIT_MISCONFIGURED);
      return;
    }
    LOG.info(
        "outbox relay started: {} -> Kafka {}", connector.get("table.include.list"), bootstrap);
    ConnectorDefinition database = connector;
    OutboxMaintenance housekeeping =
        OutboxMaintenance.start(
            () -> DatabaseReadinessCheck.connect(database, "settleflow-cdc-maintenance"),
            connector.get("slot.name"),
            maintenance,
            metrics::publishedCount,
            server.registry());
    LOG.info(
        "outbox clean-up: rows older than {} and already confirmed by slot {} are deleted",
        maintenance.retention(),
        connector.get("slot.name"));

    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  // SIGTERM: stop the engine (its committed offsets stay), flush the producer.
                  housekeeping.close();
                  relay.get().close();
                  server.close();
                  LOG.info("outbox relay stopped");
                },
                "cdc-shutdown"));

    OutboxRelay.Outcome outcome = relay.get().outcome().join();
    if (!outcome.success()) {
      LOG.error("outbox relay stopped with an error: {}", outcome.message(), outcome.error());
      System.exit(EXIT_ENGINE_FAILED);
    }
  }

  static OutboxMaintenance.Settings maintenanceSettings(ServiceConfig env) {
    OutboxMaintenance.Settings d = OutboxMaintenance.Settings.defaults();
    return new OutboxMaintenance.Settings(
        env.millis(OUTBOX_RETENTION_VARIABLE, d.retention()),
        env.millis(CLEANUP_INTERVAL_VARIABLE, d.cleanupInterval()),
        env.integer(
            CLEANUP_BATCH_VARIABLE, d.batchRows(), 1, OutboxMaintenance.Settings.MAX_BATCH_ROWS),
        d.maxBatchesPerRun(),
        env.millis(SLOT_POLL_VARIABLE, d.slotPollInterval()));
  }

  static boolean traceHeaders(ServiceConfig env) {
    return env.bool(TRACE_HEADERS_VARIABLE, false);
  }

  static Set<String> allowedTopics(ServiceConfig env) {
    Set<String> topics =
        new LinkedHashSet<>(
            OutboxConnectorConfig.aliases(env.optional(TOPICS_VARIABLE).orElse("")));
    return topics.isEmpty() ? Set.copyOf(Topics.LEDGER_EVENTS) : topics;
  }
}
