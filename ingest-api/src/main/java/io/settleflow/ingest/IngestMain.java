package io.settleflow.ingest;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.settleflow.avro.PaymentEvent;
import io.settleflow.ledger.PaymentLedger;
import io.settleflow.runtime.ServiceConfig;
import io.settleflow.schemas.ConfluentRegistryClient;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.Topics;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wiring only: reads the environment (docs/contracts.md), starts the API, stops on SIGTERM. */
public final class IngestMain {
  public static final int DEFAULT_HTTP_PORT = 8080;
  public static final int DEFAULT_DB_POOL_SIZE = 10;
  public static final long DB_CONNECTION_TIMEOUT_MS = 5_000;

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
    registry.register(Topics.valueSubject(Topics.PAYMENTS_AUTHORIZED), PaymentEvent.getClassSchema());
    ConfluentWireFormat wire = new ConfluentWireFormat(registry);
    CardTokenizer tokenizer = new CardTokenizer(config.secret("SETTLEFLOW_TOKENIZATION_KEY"));
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Clock clock = Clock.systemUTC();

    Javalin app =
        IngestApi.create(
                new PaymentLedger(dataSource, clock),
                event -> wire.encode(Topics.PAYMENTS_AUTHORIZED, event),
                tokenizer,
                metrics,
                clock)
            .start(host, port);
    log.info("ingest-api listening on http://{}:{}", host, app.port());

    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("ingest-api stopping");
                  app.stop();
                  dataSource.close();
                },
                "ingest-shutdown"));
  }

  private IngestMain() {}
}
