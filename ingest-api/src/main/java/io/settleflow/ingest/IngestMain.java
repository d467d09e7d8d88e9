package io.settleflow.ingest;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.settleflow.avro.PaymentEvent;
import io.settleflow.ledger.MerchantAdmin;
import io.settleflow.ledger.PaymentLedger;
import io.settleflow.ledger.VaultRekeyStore;
import io.settleflow.runtime.ServiceConfig;
import io.settleflow.runtime.Tracing;
import io.settleflow.schemas.ConfluentRegistryClient;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.Topics;
import java.security.SecureRandom;
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

  /**
   * How long a request waits for a pooled connection (or for a new one while the pool has none)
   * before it is answered 503 {@code database_unavailable} with {@code Retry-After}: PostgreSQL
   * down must be answered within a second, never hang (issue 10). The worst case is this plus one
   * {@link #DB_VALIDATION_TIMEOUT_MS} (a pooled connection checked just as the database stops).
   */
  public static final long DB_CONNECTION_TIMEOUT_MS = 500;

  /** HikariCP's liveness check of an idle pooled connection (its smallest allowed is 250). */
  public static final long DB_VALIDATION_TIMEOUT_MS = 250;

  /** pgjdbc's TCP connect timeout, seconds (its smallest unit). */
  public static final int DB_CONNECT_TIMEOUT_SECONDS = 1;

  /**
   * pgjdbc's read timeout, seconds: a database that stops answering mid-statement (network
   * partition, frozen host) fails the request instead of holding its thread. Longer than the
   * longest legitimate wait, a statement queued behind an idempotency key or payment row lock
   * ({@link io.settleflow.ledger.PaymentLedger#DEFAULT_KEY_WAIT}).
   */
  public static final int DB_SOCKET_TIMEOUT_SECONDS = 10;

  /** In-flight requests get this long to finish on SIGTERM (a ledger transaction takes ms). */
  public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);

  /** Idempotency keys are kept this long, then pruned (issue 4: at least 24 h). */
  public static final Duration IDEMPOTENCY_RETENTION = MerchantAdmin.IDEMPOTENCY_RETENTION;

  public static final long PRUNE_INTERVAL_MS = Duration.ofMinutes(10).toMillis();
  public static final int PRUNE_BATCH_ROWS = 1_000;

  /** At most this many batches per run (100k keys); the rest waits for the next run. */
  public static final int PRUNE_MAX_BATCHES_PER_RUN = 100;

  /** Vault re-encryption after a key rotation: first run after start, then every interval. */
  public static final Duration REKEY_FIRST_DELAY = Duration.ofMinutes(1);

  public static final Duration DEFAULT_REKEY_INTERVAL = Duration.ofMinutes(10);
  public static final int REKEY_BATCH_ROWS = 500;

  /** At most this many batches per run (50k rows); the rest waits for the next run. */
  public static final int REKEY_MAX_BATCHES_PER_RUN = 100;

  /** Every topic the API's outbox rows name: their subjects are registered before serving. */
  public static final List<String> OUTBOX_TOPICS = Topics.LEDGER_EVENTS;

  /** OpenTelemetry's service.name unless OTEL_SERVICE_NAME says otherwise. */
  public static final String SERVICE_NAME = "settleflow-ingest-api";

  private static final Logger log = LoggerFactory.getLogger(IngestMain.class);

  public static void main(String[] args) {
    ServiceConfig config = ServiceConfig.fromEnvironment();
    String host = config.string("SETTLEFLOW_HTTP_HOST", "127.0.0.1");
    int port = config.integer("SETTLEFLOW_HTTP_PORT", DEFAULT_HTTP_PORT, 0, 65535);

    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    HikariDataSource dataSource =
        new HikariDataSource(
            ledgerPool(
                config.required("SETTLEFLOW_DB_URL"),
                config.required("SETTLEFLOW_DB_USER"),
                config.secret("SETTLEFLOW_DB_PASSWORD"),
                config.integer("SETTLEFLOW_DB_POOL_SIZE", DEFAULT_DB_POOL_SIZE, 1, 200),
                metrics));

    ConfluentRegistryClient registry =
        new ConfluentRegistryClient(config.required("SETTLEFLOW_REGISTRY_URL"));
    // Register up front: fails fast on a wrong URL, and keeps the registry call out of the first
    // payment's database transaction (the client caches the id).
    for (String topic : OUTBOX_TOPICS) {
      registry.register(Topics.valueSubject(topic), PaymentEvent.getClassSchema());
    }
    ConfluentWireFormat wire = new ConfluentWireFormat(registry);
    CardTokenizer tokenizer = new CardTokenizer(config.secret("SETTLEFLOW_TOKENIZATION_KEY"));
    CardVault vault =
        CardVault.fromConfig(config.secret("SETTLEFLOW_VAULT_KEY"), new SecureRandom());
    IngestApi.Options options =
        new IngestApi.Options(
            config.longValue(
                "SETTLEFLOW_MAX_AMOUNT_MINOR",
                PaymentRequestParser.MAX_AMOUNT_MINOR,
                1,
                PaymentRequestParser.MAX_AMOUNT_MINOR),
            config.integer(
                "SETTLEFLOW_RATE_LIMIT_PER_SECOND",
                (int) IngestApi.Options.DEFAULT_RATE_LIMIT_PER_SECOND,
                1,
                1_000_000),
            config.integer(
                "SETTLEFLOW_RATE_LIMIT_BURST",
                IngestApi.Options.DEFAULT_RATE_LIMIT_BURST,
                1,
                10_000_000));
    Clock clock = Clock.systemUTC();

    PaymentLedger ledger = new PaymentLedger(dataSource, clock);
    InFlightRequests inFlight = new InFlightRequests();
    Duration shutdownTimeout =
        config.millis("SETTLEFLOW_SHUTDOWN_TIMEOUT_MS", DEFAULT_SHUTDOWN_TIMEOUT);
    // OTEL_* configures it; nothing is exported unless OTEL_TRACES_EXPORTER names an exporter
    Tracing tracing = Tracing.autoconfigured(SERVICE_NAME);
    Javalin app =
        IngestApi.create(
                ledger, wire::encode, tokenizer, vault, options, metrics, clock, inFlight, tracing)
            .start(host, port);
    log.info("ingest-api listening on http://{}:{}", host, app.port());

    IdempotencyKeyPruner pruner =
        new IdempotencyKeyPruner(
            clock,
            IDEMPOTENCY_RETENTION,
            PRUNE_BATCH_ROWS,
            PRUNE_MAX_BATCHES_PER_RUN,
            ledger::purgeIdempotencyKeys);
    ScheduledExecutorService scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "ingest-maintenance");
              t.setDaemon(true);
              return t;
            });
    // prune() catches and logs its own failures, so this future never holds one to look at
    var unused =
        scheduler.scheduleWithFixedDelay(
            () -> prune(pruner), PRUNE_INTERVAL_MS, PRUNE_INTERVAL_MS, TimeUnit.MILLISECONDS);
    VaultRekeyJob rekey =
        new VaultRekeyJob(
            vault,
            new VaultRekeyStore(dataSource),
            REKEY_BATCH_ROWS,
            REKEY_MAX_BATCHES_PER_RUN,
            metrics);
    Duration rekeyInterval =
        config.millis("SETTLEFLOW_VAULT_REKEY_INTERVAL_MS", DEFAULT_REKEY_INTERVAL);
    // rekey() catches and logs its own failures too
    var unusedRekey =
        scheduler.scheduleWithFixedDelay(
            () -> rekey(rekey, rekeyInterval),
            REKEY_FIRST_DELAY.toMillis(),
            rekeyInterval.toMillis(),
            TimeUnit.MILLISECONDS);

    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("ingest-api stopping");
                  scheduler.shutdownNow();
                  stopGracefully(app, inFlight, shutdownTimeout, dataSource);
                  tracing.close();
                },
                "ingest-shutdown"));
  }

  /**
   * The ledger pool as the API runs it (tests build theirs here too): bounded waits for a
   * connection, a connect and a read timeout, so a database that is down or gone silent is answered
   * 503 quickly and the pool reconnects by itself when it is back.
   */
  static HikariConfig ledgerPool(
      String jdbcUrl,
      String user,
      String password,
      int maximumPoolSize,
      PrometheusMeterRegistry metrics) {
    HikariConfig pool = new HikariConfig();
    pool.setPoolName("ledger");
    pool.setJdbcUrl(jdbcUrl);
    pool.setUsername(user);
    pool.setPassword(password);
    pool.setMaximumPoolSize(maximumPoolSize);
    pool.setConnectionTimeout(DB_CONNECTION_TIMEOUT_MS);
    // A pooled connection idle for a while is checked before use; that check must fit too.
    pool.setValidationTimeout(DB_VALIDATION_TIMEOUT_MS);
    pool.addDataSourceProperty("connectTimeout", Integer.toString(DB_CONNECT_TIMEOUT_SECONDS));
    pool.addDataSourceProperty("socketTimeout", Integer.toString(DB_SOCKET_TIMEOUT_SECONDS));
    // hikaricp_connections_{active,idle,pending,timeout_total,...}{pool="ledger"} on /metrics
    pool.setMetricRegistry(metrics);
    return pool;
  }

  /**
   * Refuses new requests (503 shutting_down), waits up to the timeout for those in flight, then
   * stops Jetty and only then closes the pool: no request loses its connection mid-transaction.
   */
  static void stopGracefully(
      Javalin app, InFlightRequests inFlight, Duration timeout, HikariDataSource dataSource) {
    try {
      if (!inFlight.drain(timeout)) {
        log.warn(
            "{} requests still in flight after {}; stopping anyway", inFlight.count(), timeout);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    app.stop();
    dataSource.close();
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

  /** Counts only: a vault row's content never reaches a log. */
  private static void rekey(VaultRekeyJob job, Duration interval) {
    try {
      VaultRekeyJob.Outcome o = job.runOnce();
      if (o.rekeyed() > 0 || o.failed() > 0 || o.remaining() > 0) {
        log.info(
            "vault re-encryption: {} rows moved to the current key, {} changed meanwhile,"
                + " {} without a configured key or not decrypting, {} left",
            o.rekeyed(),
            o.skippedChanged(),
            o.failed(),
            o.remaining());
      }
    } catch (RuntimeException e) {
      log.warn("vault re-encryption failed; retrying in {}", interval, e);
    }
  }

  private IngestMain() {}
}
