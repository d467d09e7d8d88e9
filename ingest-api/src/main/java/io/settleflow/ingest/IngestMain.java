package io.settleflow.ingest;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.settleflow.avro.PaymentEvent;
import io.settleflow.ledger.MerchantAdmin;
import io.settleflow.ledger.PaymentLedger;
import io.settleflow.ledger.PaymentMovement;
import io.settleflow.runtime.ServiceConfig;
import io.settleflow.schemas.ConfluentRegistryClient;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.Topics;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wiring only: reads the environment (docs/contracts.md), starts the API, stops on SIGTERM. */
public final class IngestMain {
  public static final int DEFAULT_HTTP_PORT = 8080;
  public static final int DEFAULT_DB_POOL_SIZE = 10;
  public static final long DB_CONNECTION_TIMEOUT_MS = 5_000;
  /** Idempotency keys are kept this long, then pruned (issue 4: at least 24 h). */
  public static final Duration IDEMPOTENCY_RETENTION = MerchantAdmin.IDEMPOTENCY_RETENTION;
  public static final long PRUNE_INTERVAL_MS = Duration.ofMinutes(10).toMillis();
  public static final int PRUNE_BATCH_ROWS = 1_000;
  /** At most this many batches per run (100k keys); the rest waits for the next run. */
  public static final int PRUNE_MAX_BATCHES_PER_RUN = 100;
  /** Every topic the API's outbox rows name: their subjects are registered before serving. */
  public static final List<String> OUTBOX_TOPICS =
      Topics.LEDGER_EVENTS;

  private static final Logger log = LoggerFactory.getLogger(IngestMain.class);

  public static void main(String[] args) {
    ServiceConfig config = ServiceConfig.fromEnvironment();
    String host = config.string("SETTLEFLOW_HTTP_HOST", "127.0.0.1");
    int port = config.integer("SETTLEFLOW_HTTP_PORT", DEFAULT_HTTP_PORT, 0, 65535);

    HikariConfig pool = new HikariConfig();
    pool.setPoolName("ledger");
    pool.setJdbcUrl(config.required("SETTLEFLOW_DB_URL"));
    pool.setUsername(config.required("SETTLEFLOW_DB_USER"));
    pool.setPassword(config.secret("SETTLEFLOW_DB_PASSWORD"));
    pool.setMaximumPoolSize(config.integer("SETTLEFLOW_DB_POOL_SIZE", DEFAULT_DB_POOL_SIZE, 1, 200));
    pool.setConnectionTimeout(DB_CONNECTION_TIMEOUT_MS);
    HikariDataSource dataSource = new HikariDataSource(pool);

    ConfluentRegistryClient registry = new ConfluentRegistryClient(config.required("SETTLEFLOW_REGISTRY_URL"));
    // Register up front: fails fast on a wrong URL, and keeps the registry call out of the first
    // payment's database transaction (the client caches the id).
    for (String topic : OUTBOX_TOPICS) {
      registry.register(Topics.valueSubject(topic), PaymentEvent.getClassSchema());
    }
    ConfluentWireFormat wire = new ConfluentWireFormat(registry);
    CardTokenizer tokenizer = new CardTokenizer(config.secret("SETTLEFLOW_TOKENIZATION_KEY"));
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Clock clock = Clock.systemUTC();

    PaymentLedger ledger = new PaymentLedger(dataSource, clock);
    Javalin app =
        IngestApi.create(
                ledger,
                wire::encode,
                tokenizer,
                metrics,
                clock)
            .start(host, port);
    log.info("ingest-api listening on http://{}:{}", host, app.port());

    IdempotencyKeyPruner pruner =
        new IdempotencyKeyPruner(clock, IDEMPOTENCY_RETENTION, PRUNE_BATCH_ROWS, PRUNE_MAX_BATCHES_PER_RUN,
            ledger::purgeIdempotencyKeys);
    ScheduledExecutorService scheduler =
        Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "idempotency-key-pruner");
          t.setDaemon(true);
          return t;
        });
    scheduler.scheduleWithFixedDelay(() -> prune(pruner), PRUNE_INTERVAL_MS, PRUNE_INTERVAL_MS, TimeUnit.MILLISECONDS);

    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("ingest-api stopping");
                  scheduler.shutdownNow();
                  app.stop();
                  dataSource.close();
                },
                "ingest-shutdown"));
  }

  /** A failed run is logged and the next one tries again (an exception would end the schedule). */
  private static void prune(IdempotencyKeyPruner pruner) {
    try {
      long purged = pruner.runOnce();
      if (purged > 0) {
        log.info("pruned {} idempotency keys older than {}", purged, IDEMPOTENCY_RETENTION);
      }
    } catch (RuntimeException e) {
      log.warn("idempotency key pruning failed; retrying in {} ms", PRUNE_INTERVAL_MS, e);
    }
  }

  private IngestMain() {}
}
