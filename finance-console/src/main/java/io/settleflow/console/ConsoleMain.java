package io.settleflow.console;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.settleflow.runtime.ServiceConfig;
import io.settleflow.schemas.ConfluentRegistryClient;
import io.settleflow.schemas.ConfluentWireFormat;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wiring only: reads the environment (docs/contracts.md), makes sure the initial finance user
 * exists, starts the alert feed and the web app, stops on SIGTERM.
 */
public final class ConsoleMain {
  public static final int DEFAULT_HTTP_PORT = 8090;
  public static final int DEFAULT_DB_POOL_SIZE = 5;
  public static final long DB_CONNECTION_TIMEOUT_MS = 5_000;

  private static final Logger log = LoggerFactory.getLogger(ConsoleMain.class);

  public static void main(String[] args) {
    ServiceConfig config = ServiceConfig.fromEnvironment();
    String host = config.string("SETTLEFLOW_HTTP_HOST", "127.0.0.1");
    int port = config.integer("SETTLEFLOW_HTTP_PORT", DEFAULT_HTTP_PORT, 0, 65535);
    Clock clock = Clock.systemUTC();
    SecureRandom random = new SecureRandom();

    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    HikariConfig pool = new HikariConfig();
    pool.setPoolName("console");
    pool.setJdbcUrl(config.required("SETTLEFLOW_DB_URL"));
    pool.setUsername(config.string("SETTLEFLOW_CONSOLE_DB_USER", ConsoleStore.ROLE));
    pool.setPassword(config.secret("SETTLEFLOW_CONSOLE_DB_PASSWORD"));
    pool.setMaximumPoolSize(config.integer("SETTLEFLOW_DB_POOL_SIZE", DEFAULT_DB_POOL_SIZE, 1, 50));
    pool.setConnectionTimeout(DB_CONNECTION_TIMEOUT_MS);
    pool.setMetricRegistry(metrics);
    HikariDataSource dataSource = new HikariDataSource(pool);
    ConsoleStore store = new ConsoleStore(dataSource, clock);
    if (!store.schemaReady()) {
      throw new IllegalStateException(
          "the ledger database lacks migration V" + ConsoleStore.SCHEMA_VERSION + " (finance)");
    }

    // The first finance user, from a secret (the launcher generates it); more users: finance.users.
    Optional<String> admin = config.optional("SETTLEFLOW_CONSOLE_ADMIN_USER");
    if (admin.isPresent() && !store.userExists(admin.get())) {
      String password = config.secret("SETTLEFLOW_CONSOLE_ADMIN_PASSWORD");
      Passwords.checkNewUser(admin.get(), password);
      store.addUser(admin.get(), new Passwords(random, Passwords.DEFAULT_COST).hash(password));
      log.info("created finance user {}", admin.get());
    }

    ConsoleApi.Options options =
        new ConsoleApi.Options(
            config.millis("SETTLEFLOW_CONSOLE_SESSION_TTL_MS", ConsoleApi.DEFAULT_SESSION_TTL),
            config.bool("SETTLEFLOW_CONSOLE_SECURE_COOKIE", false),
            config.optional("SETTLEFLOW_CONSOLE_CLIENT_IP_HEADER").orElse(null));
    AutoCompensation.Policy autoCompensation = autoCompensationPolicy(config);
    log.info(
        "auto-compensation {}",
        autoCompensation.isOff()
            ? "off"
            : "on ("
                + autoCompensation.merchants().size()
                + " merchants with their own thresholds)");
    KafkaAlertFeed[] feed = new KafkaAlertFeed[1];
    ConsoleApi api =
        ConsoleApi.create(
            store,
            random,
            clock,
            options,
            metrics,
            () -> feed[0] != null && feed[0].healthy() && store.schemaReady());
    ConfluentWireFormat wire =
        new ConfluentWireFormat(
            new ConfluentRegistryClient(config.required("SETTLEFLOW_REGISTRY_URL")));
    feed[0] =
        KafkaAlertFeed.start(
            config.required("SETTLEFLOW_KAFKA_BOOTSTRAP"),
            config.string("SETTLEFLOW_CONSOLE_GROUP_ID", KafkaAlertFeed.DEFAULT_GROUP_ID),
            wire,
            store,
            api::publish,
            autoCompensation,
            clock);
    ConsoleMetrics.register(metrics, store, feed[0], api, clock);
    api.javalin().start(host, port);
    log.info("finance console on http://{}:{}", host, api.javalin().port());

    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("finance console stopping");
                  feed[0].close();
                  api.javalin().stop();
                  dataSource.close();
                },
                "console-shutdown"));
  }

  /** Env var holding the auto-compensation policy (JSON), or naming its file with {@code _FILE}. */
  public static final String AUTO_COMPENSATION = "SETTLEFLOW_CONSOLE_AUTO_COMPENSATION";

  /**
   * The auto-compensation policy from {@value #AUTO_COMPENSATION} (or the file its {@code _FILE}
   * names); off when neither is set. A bad document stops the start, naming the variable and field.
   */
  static AutoCompensation.Policy autoCompensationPolicy(ServiceConfig config) {
    if (config.optional(AUTO_COMPENSATION).isEmpty()
        && config.optional(AUTO_COMPENSATION + "_FILE").isEmpty()) {
      return AutoCompensation.Policy.OFF;
    }
    try {
      return AutoCompensation.parse(config.secret(AUTO_COMPENSATION));
    } catch (IllegalArgumentException e) {
      throw new ServiceConfig.ConfigException(AUTO_COMPENSATION, e.getMessage());
    }
  }

  private ConsoleMain() {}
}
