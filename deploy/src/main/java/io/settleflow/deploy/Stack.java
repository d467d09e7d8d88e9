package io.settleflow.deploy;

import io.settleflow.console.ConsoleSchema;
import io.settleflow.console.ConsoleStore;
import io.settleflow.embedded.ChildJvm;
import io.settleflow.embedded.HttpProbe;
import io.settleflow.embedded.KafkaBroker;
import io.settleflow.embedded.KafkaCluster;
import io.settleflow.embedded.OrphanReaper;
import io.settleflow.embedded.Ports;
import io.settleflow.embedded.PostgresServer;
import io.settleflow.embedded.SchemaRegistryServer;
import io.settleflow.ledger.LedgerSchema;
import io.settleflow.schemas.Topics;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.sql.DataSource;

/**
 * The whole settleflow stack on embedded defaults, each part in its own process: PostgreSQL, one
 * KRaft broker, the schema registry, then ingest-api, the CDC relay, the risk engine and the
 * reconciliation job. Started in dependency order, each waited on until healthy; closed in reverse
 * order.
 */
public final class Stack implements AutoCloseable {
  public static final String DATABASE = "settleflow";

  /** The login role the CDC service replicates as (set up by LedgerSchema.grantCdcRole). */
  public static final String CDC_ROLE = "settleflow_cdc_relay";

  /** The role flink-reconcile writes ledger.reconciliation as (LedgerSchema.grantReconRole). */
  public static final String RECON_ROLE = "settleflow_recon_writer";

  public static final int TOPIC_PARTITIONS = 3;
  private static final Duration SERVICE_READY_TIMEOUT = Duration.ofSeconds(180);

  private final StackSettings settings;
  private final PrintStream out;
  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private final Map<String, ChildJvm> services = new java.util.concurrent.ConcurrentHashMap<>();

  /** How each service was started, so a fault test can start it again the same way. */
  private final Map<String, Runnable> restarts = new java.util.concurrent.ConcurrentHashMap<>();

  private volatile PostgresServer postgres;
  private volatile KafkaBroker kafka;

  /** The brokers when the stack runs more than one (chaos runs); then {@link #kafka} is null. */
  private volatile KafkaCluster kafkaCluster;

  /** Debezium's offsets topic (cdc-connectors' OutboxConnectorConfig.DEFAULT_OFFSETS_TOPIC). */
  private static final String CDC_OFFSETS_TOPIC = "settleflow.cdc.offsets";

  /** cdc-connectors' override of its connector file's {@code poll.interval.ms}. */
  static final String CDC_POLL_INTERVAL_VARIABLE = "SETTLEFLOW_CDC_POLL_INTERVAL_MS";

  /**
   * The relay's Debezium poll interval in this all-in-one stack, unless the environment sets one.
   * The connector file's 2 ms buys the lowest commit → Kafka latency (issue 5's bench, a relay on
   * its own) but wakes Debezium's two polling threads ~500 times a second, which cost a quarter of
   * a core even idle: here the cores are shared with every other part, whose latency it costs more
   * (bench e2e at 60/s: decisions over 250 ms 558 / 499 at 2 ms, 246 / 245 at 10 ms).
   */
  static final int EMBEDDED_CDC_POLL_INTERVAL_MS = 10;

  private volatile SchemaRegistryServer registry;
  private StackEndpoints endpoints;
  private String consoleUrl;

  /** The finance console's first user; its password is the run directory's secret below. */
  public static final String CONSOLE_ADMIN = "finance";

  public static final String CONSOLE_ADMIN_PASSWORD_SECRET = "console-admin-password";

  /** Which parts to start. */
  public enum Scope {
    /** Everything: the pipeline end to end. */
    FULL,
    /** PostgreSQL, the registry and ingest-api: what the ingest benchmark measures. */
    INGEST_ONLY
  }

  private final Scope scope;
  private final Map<String, String> extraIngestEnv;

  /** Risk-engine processes in one consumer group (chaos runs kill one while the other serves). */
  private int riskInstances = 1;

  /** Kafka nodes: 1 (a {@link KafkaBroker}) or 3 (a {@link KafkaCluster}, RF 3, min ISR 2). */
  private int kafkaBrokers = 1;

  private Stack(
      StackSettings settings, PrintStream out, Scope scope, Map<String, String> extraIngestEnv) {
    this.settings = settings;
    this.out = out;
    this.scope = scope;
    this.extraIngestEnv = Map.copyOf(extraIngestEnv);
  }

  /** Starts everything; on any failure stops what already runs and rethrows. */
  public static Stack start(StackSettings settings, PrintStream out) {
    return start(settings, out, Scope.FULL, Map.of());
  }

  /** Starts the parts of the scope, with extra settings for ingest-api (e.g. its pool size). */
  public static Stack start(
      StackSettings settings, PrintStream out, Scope scope, Map<String, String> extraIngestEnv) {
    Stack stack = new Stack(settings, out, scope, extraIngestEnv);
    try {
      stack.startAll();
      return stack;
    } catch (RuntimeException e) {
      stack.close();
      throw e;
    }
  }

  /**
   * The full stack with this many risk-engine instances: {@code streams-risk}, then {@code
   * streams-risk-2}, … (same application id, own state directory and ports).
   */
  public static Stack start(StackSettings settings, PrintStream out, int riskInstances) {
    return start(settings, out, riskInstances, 1);
  }

  /**
   * The full stack with this many risk-engine instances and Kafka nodes: 1 broker, or a cluster of
   * 3 (each its own JVM on free ports; topics replicated 3 times, min.insync.replicas 2) where one
   * broker can be killed ({@link #killAndRestartBroker}).
   */
  public static Stack start(
      StackSettings settings, PrintStream out, int riskInstances, int kafkaBrokers) {
    if (riskInstances < 1 || riskInstances > 4) {
      throw new IllegalArgumentException("riskInstances must be 1..4, was " + riskInstances);
    }
    if (kafkaBrokers != 1 && kafkaBrokers != 3) {
      throw new IllegalArgumentException("kafkaBrokers must be 1 or 3, was " + kafkaBrokers);
    }
    Stack stack = new Stack(settings, out, Scope.FULL, Map.of());
    stack.riskInstances = riskInstances;
    stack.kafkaBrokers = kafkaBrokers;
    try {
      stack.startAll();
      return stack;
    } catch (RuntimeException e) {
      stack.close();
      throw e;
    }
  }

  private void startAll() {
    Path run = settings.runDir();
    requireJars();
    createDirectories(run.resolve("logs"));
    OrphanReaper.ensureRunning(run.resolve("logs"));
    Secrets secrets = new Secrets(run);

    long t0 = System.nanoTime();
    out.println("settleflow: run directory " + run.toAbsolutePath());
    // The three foundations do not depend on each other: start them side by side.
    inParallel(
        () -> {
          postgres =
              track(
                  PostgresServer.start(
                      run.resolve("postgres"),
                      settings.postgresPort(),
                      settings.keepData(),
                      run.resolve("logs/postgres.log")));
          postgres.createDatabaseIfMissing(DATABASE);
          DataSource owner = postgres.superuser(DATABASE);
          LedgerSchema.migrate(owner);
          LedgerSchema.setAppRolePassword(owner, secrets.read("db-app-password"));
          // CDC replicates as its own least-privileged role (V6 grants + REPLICATION, BYPASSRLS)
          LedgerSchema.grantCdcRole(owner, CDC_ROLE, secrets.read("db-cdc-password"));
          // reconciliation results land in ledger.reconciliation as their own writer role (V7)
          LedgerSchema.grantReconRole(owner, RECON_ROLE, secrets.read("db-recon-password"));
          ConsoleSchema.setRolePassword(owner, secrets.read("db-console-password"));
          step("PostgreSQL 17 (logical WAL, fsync on)", postgres.jdbcUrl(DATABASE), t0);
        },
        () -> {
          if (scope == Scope.FULL && kafkaBrokers > 1) {
            // small heaps: three brokers must fit the stack's 3 GiB beside everything else
            kafkaCluster = track(KafkaCluster.start(run.resolve("kafka"), kafkaBrokers, "192m"));
            kafkaCluster.createTopics(
                Topics.ALL,
                TOPIC_PARTITIONS,
                Set.of(Topics.RISK_RULES, Topics.SETTLEMENTS_IMPORTS));
            // the CDC relay would create its offsets topic with RF 1: the broker holding it could
            // not be killed without stopping CDC, so it gets the cluster's replication here
            kafkaCluster.createTopics(List.of(CDC_OFFSETS_TOPIC), 1, Set.of(CDC_OFFSETS_TOPIC));
            step(
                "Kafka cluster (KRaft, "
                    + kafkaBrokers
                    + " brokers, RF "
                    + kafkaCluster.replicationFactor()
                    + ", min ISR "
                    + kafkaCluster.minInsyncReplicas()
                    + ")",
                kafkaCluster.bootstrapServers(),
                t0);
          } else if (scope == Scope.FULL) {
            kafka =
                track(
                    KafkaBroker.start(
                        run.resolve("kafka"),
                        settings.kafkaPort(),
                        settings.kafkaControllerPort(),
                        "384m"));
            kafka.createTopics(
                Topics.ALL,
                TOPIC_PARTITIONS,
                Set.of(Topics.RISK_RULES, Topics.SETTLEMENTS_IMPORTS));
            step("Kafka broker (KRaft)", kafka.bootstrapServers(), t0);
          }
        },
        () -> {
          registry =
              track(
                  SchemaRegistryServer.start(
                      run.resolve("registry"), settings.registryPort(), true));
          step("Schema registry (Apicurio, Confluent API)", registry.confluentUrl(), t0);
        });

    Map<String, String> common = new HashMap<>();
    common.put("SETTLEFLOW_HTTP_HOST", Ports.LOOPBACK);
    String bootstrap =
        kafkaCluster != null
            ? kafkaCluster.bootstrapServers()
            : kafka == null ? null : kafka.bootstrapServers();
    if (bootstrap != null) {
      common.put("SETTLEFLOW_KAFKA_BOOTSTRAP", bootstrap);
    }
    common.put("SETTLEFLOW_REGISTRY_URL", registry.confluentUrl());

    Map<String, String> ingestEnv = new HashMap<>(common);
    ingestEnv.put("SETTLEFLOW_DB_URL", postgres.jdbcUrl(DATABASE));
    ingestEnv.put("SETTLEFLOW_DB_USER", LedgerSchema.APP_ROLE);
    ingestEnv.put("SETTLEFLOW_DB_PASSWORD_FILE", secrets.file("db-app-password").toString());
    ingestEnv.put("SETTLEFLOW_TOKENIZATION_KEY_FILE", secrets.file("tokenization-key").toString());
    ingestEnv.put("SETTLEFLOW_VAULT_KEY_FILE", secrets.file("vault-key").toString());
    ingestEnv.putAll(extraIngestEnv);

    Map<String, String> cdcEnv = new HashMap<>(common);
    cdcEnv.put("SETTLEFLOW_DB_HOST", Ports.LOOPBACK);
    cdcEnv.put("SETTLEFLOW_DB_PORT", Integer.toString(postgres.port()));
    cdcEnv.put("SETTLEFLOW_DB_NAME", DATABASE);
    cdcEnv.put("SETTLEFLOW_CDC_DB_USER", CDC_ROLE);
    cdcEnv.put("SETTLEFLOW_CDC_DB_PASSWORD_FILE", secrets.file("db-cdc-password").toString());
    if (System.getenv(CDC_POLL_INTERVAL_VARIABLE) == null) {
      cdcEnv.put(CDC_POLL_INTERVAL_VARIABLE, Integer.toString(EMBEDDED_CDC_POLL_INTERVAL_MS));
    }

    Map<String, String> riskEnv = new HashMap<>(common);
    riskEnv.put("SETTLEFLOW_STATE_DIR", run.resolve("streams-risk").toString());
    // static membership: a restarted instance takes its partitions back without a rebalance
    riskEnv.put("SETTLEFLOW_RISK_INSTANCE_ID", "streams-risk-1");

    Map<String, String> reconEnv = new HashMap<>(common);
    reconEnv.put("SETTLEFLOW_STATE_DIR", run.resolve("flink-reconcile").toString());
    reconEnv.put(
        "SETTLEFLOW_RECON_SETTLEMENT_DEADLINE_MS",
        Long.toString(settings.settlementDeadline().toMillis()));
    reconEnv.put(
        "SETTLEFLOW_RECON_ORPHAN_GRACE_MS", Long.toString(settings.orphanGrace().toMillis()));
    if (settings.reconRulesFile() != null) {
      reconEnv.put(
          "SETTLEFLOW_RECON_RULES_FILE", settings.reconRulesFile().toAbsolutePath().toString());
    }
    reconEnv.put("SETTLEFLOW_RECON_DB_URL", postgres.jdbcUrl(DATABASE));
    reconEnv.put("SETTLEFLOW_RECON_DB_USER", RECON_ROLE);
    reconEnv.put("SETTLEFLOW_RECON_DB_PASSWORD_FILE", secrets.file("db-recon-password").toString());

    Map<String, String> consoleEnv = new HashMap<>(common);
    consoleEnv.put("SETTLEFLOW_DB_URL", postgres.jdbcUrl(DATABASE));
    consoleEnv.put("SETTLEFLOW_CONSOLE_DB_USER", ConsoleStore.ROLE);
    consoleEnv.put(
        "SETTLEFLOW_CONSOLE_DB_PASSWORD_FILE", secrets.file("db-console-password").toString());
    consoleEnv.put("SETTLEFLOW_CONSOLE_ADMIN_USER", CONSOLE_ADMIN);
    consoleEnv.put(
        "SETTLEFLOW_CONSOLE_ADMIN_PASSWORD_FILE",
        secrets.file(CONSOLE_ADMIN_PASSWORD_SECRET).toString());

    int ingestPort = portFor(settings.ingestPort());
    long t3 = System.nanoTime();
    String cdcUrl = null;
    String riskUrl = null;
    String reconUrl = null;
    if (scope == Scope.FULL) {
      int cdcPort = portFor(settings.cdcPort());
      int riskPort = portFor(settings.riskPort());
      // interactive queries (GET /risk/...) on their own port, beside /health and /metrics
      int riskQueryPort = portFor(0);
      riskEnv.put("SETTLEFLOW_RISK_QUERY_PORT", Integer.toString(riskQueryPort));
      int reconPort = portFor(settings.reconPort());
      int consolePort = portFor(settings.consolePort());
      List<Runnable> serviceStarts = new ArrayList<>();
      serviceStarts.add(() -> startService("ingest-api", ingestPort, "256m", ingestEnv, t3));
      serviceStarts.add(() -> startService("cdc-connectors", cdcPort, "256m", cdcEnv, t3));
      serviceStarts.add(() -> startService("streams-risk", riskPort, "256m", riskEnv, t3));
      serviceStarts.add(() -> startService("flink-reconcile", reconPort, "640m", reconEnv, t3));
      serviceStarts.add(() -> startService("finance-console", consolePort, "192m", consoleEnv, t3));
      // further risk instances start beside the others (one after the other took a minute more)
      for (int i = 2; i <= riskInstances; i++) {
        Map<String, String> env = new HashMap<>(riskEnv);
        env.put("SETTLEFLOW_STATE_DIR", run.resolve("streams-risk-" + i).toString());
        env.put("SETTLEFLOW_RISK_INSTANCE_ID", "streams-risk-" + i);
        env.put("SETTLEFLOW_RISK_QUERY_PORT", Integer.toString(portFor(0)));
        String name = "streams-risk-" + i;
        int port = portFor(0);
        serviceStarts.add(() -> startService(name, "streams-risk", port, "256m", env, t3));
      }
      inParallel(serviceStarts.toArray(new Runnable[0]));
      consoleUrl = url(consolePort);
      cdcUrl = url(cdcPort);
      riskUrl = url(riskPort);
      out.printf("  streams-risk queries: %s/risk/payments/{id}/decision%n", url(riskQueryPort));
      reconUrl = url(reconPort);
    } else {
      startService("ingest-api", ingestPort, "256m", ingestEnv, t3);
    }

    endpoints =
        new StackEndpoints(
            postgres.jdbcUrl(DATABASE),
            DATABASE,
            postgres.port(),
            bootstrap,
            registry.confluentUrl(),
            url(ingestPort),
            cdcUrl,
            riskUrl,
            reconUrl,
            run.toAbsolutePath().toString());
    endpoints.write(run);
    out.printf("settleflow: stack up in %.1f s%n", (System.nanoTime() - t0) / 1e9);
  }

  private static int portFor(int requested) {
    int port = requested > 0 ? requested : Ports.free();
    if (Ports.listening(port)) {
      throw new IllegalStateException(
          "port " + port + " is already in use (another settleflow up?)");
    }
    return port;
  }

  private void startService(
      String module, int port, String maxHeap, Map<String, String> env, long startNanos) {
    startService(module, module, port, maxHeap, env, startNanos);
  }

  /** Starts the module's jar as the service {@code name} (a second instance has its own name). */
  private void startService(
      String name,
      String module,
      int port,
      String maxHeap,
      Map<String, String> env,
      long startNanos) {
    restarts.put(name, () -> startService(name, module, port, maxHeap, env, System.nanoTime()));
    Map<String, String> withPort = new HashMap<>(env);
    withPort.put("SETTLEFLOW_HTTP_PORT", Integer.toString(port));
    ChildJvm jvm =
        track(
            ChildJvm.start(
                name,
                serviceJvmOptions(maxHeap),
                List.of("-jar", settings.jarOf(module).toString()),
                withPort,
                settings.runDir(),
                settings.runDir().resolve("logs").resolve(name + ".log")));
    services.put(name, jvm);
    jvm.awaitReady(() -> HttpProbe.ok(url(port) + "/health"), SERVICE_READY_TIMEOUT);
    step(name, url(port), startNanos);
  }

  /** The JVM options every service of the stack starts with, given its maximum heap. */
  public static List<String> serviceJvmOptions(String maxHeap) {
    // MetaspaceSize: the default 21 MB threshold cost the CDC relay two full collections
    // (160-390 ms under load) while it loaded classes on first traffic
    return List.of(
        "-Xmx" + maxHeap,
        "-XX:MetaspaceSize=64m",
        "-XX:+UseSerialGC",
        "-XX:+ExitOnOutOfMemoryError");
  }

  /** Remembers a started part so that close() stops it, in reverse order. */
  private <T extends AutoCloseable> T track(T part) {
    synchronized (started) {
      started.push(part);
    }
    return part;
  }

  /** Runs the steps side by side and waits for all; the first failure is rethrown. */
  private static void inParallel(Runnable... steps) {
    ExecutorService pool = Executors.newFixedThreadPool(steps.length);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (Runnable step : steps) {
        futures.add(pool.submit(step));
      }
      RuntimeException failure = null;
      for (Future<?> f : futures) {
        try {
          f.get();
        } catch (ExecutionException e) {
          if (failure == null) {
            failure =
                e.getCause() instanceof RuntimeException r
                    ? r
                    : new IllegalStateException(e.getCause());
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while starting the stack", e);
        }
      }
      if (failure != null) {
        throw failure;
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private void requireJars() {
    for (String module :
        List.of(
            "ingest-api", "cdc-connectors", "streams-risk", "flink-reconcile", "finance-console")) {
      if (!Files.exists(settings.jarOf(module))) {
        throw new IllegalStateException(
            settings.jarOf(module) + " is missing: build first with ./mvnw -DskipTests install");
      }
    }
  }

  private void step(String what, String where, long startNanos) {
    out.printf(
        "  %-44s %-56s ready in %4.1f s%n", what, where, (System.nanoTime() - startNanos) / 1e9);
  }

  private static String url(int port) {
    return "http://" + Ports.LOOPBACK + ":" + port;
  }

  private static void createDirectories(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  public StackEndpoints endpoints() {
    return endpoints;
  }

  /** The finance console's base URL (null unless the scope is FULL). */
  public String consoleUrl() {
    return consoleUrl;
  }

  /** The rules document flink-reconcile runs with; null for its built-in rules. */
  public Path reconRulesFile() {
    return settings.reconRulesFile();
  }

  public PostgresServer postgres() {
    return postgres;
  }

  public KafkaBroker kafka() {
    return kafka;
  }

  /** The Kafka cluster of a stack started with 3 brokers (else null). */
  public KafkaCluster kafkaCluster() {
    return kafkaCluster;
  }

  /**
   * {@code kill -9} Kafka node {@code node} (1-based) of the cluster, then start it again on its
   * directory and ports and wait until it is registered and every partition is fully in sync.
   */
  public void killAndRestartBroker(int node) {
    if (kafkaCluster == null) {
      throw new IllegalStateException("this stack runs one broker: start it with 3 to kill one");
    }
    kafkaCluster.kill(node);
    kafkaCluster.restart(node);
  }

  /** A running service process by module name (for fault injection and logs). */
  public ChildJvm service(String module) {
    return services.get(module);
  }

  /**
   * {@code kill -9} a service, then start it again with the same settings and wait until it is
   * healthy: the crash a fault test injects.
   */
  public void killAndRestart(String module) {
    ChildJvm jvm = services.get(module);
    if (jvm == null) {
      throw new IllegalArgumentException("no service " + module);
    }
    jvm.kill();
    restarts.get(module).run();
  }

  /**
   * Stops PostgreSQL (immediate shutdown, like a crash) and starts it again on the same data and
   * port.
   */
  public void restartPostgres() {
    int port = postgres.port();
    postgres.stopImmediately();
    postgres =
        track(
            PostgresServer.start(
                settings.runDir().resolve("postgres"),
                port,
                true,
                settings.runDir().resolve("logs/postgres.log")));
  }

  /** Stops the broker (SIGTERM) and starts it again on the same log directory and ports. */
  public void restartKafka() {
    stopKafka();
    startKafka();
  }

  /**
   * Stops the broker (SIGTERM, waits for the process to end): with the single broker of this stack
   * the whole cluster is down until {@link #startKafka()}.
   */
  public void stopKafka() {
    kafka.close();
  }

  /** Starts the stopped broker again on the same data directory and ports, until it answers. */
  public void startKafka() {
    KafkaBroker stopped = kafka;
    kafka =
        track(
            KafkaBroker.start(
                settings.runDir().resolve("kafka"),
                stopped.port(),
                stopped.controllerPort(),
                "384m"));
  }

  /**
   * Process ids of every JVM the stack runs (services, brokers, registry and the orphan reaper),
   * for memory reports; PostgreSQL's processes are not JVMs and not counted.
   */
  public List<Long> processIds() {
    List<Long> pids = new java.util.ArrayList<>();
    services.values().forEach(j -> pids.add(j.pid()));
    if (kafka != null) pids.add(kafka.jvm().pid());
    if (kafkaCluster != null) pids.addAll(kafkaCluster.processIds());
    if (registry != null) pids.add(registry.jvm().pid());
    OrphanReaper.pid().ifPresent(pids::add);
    return pids;
  }

  @Override
  public void close() {
    if (endpoints != null) {
      StackEndpoints.remove(settings.runDir());
    }
    while (true) {
      AutoCloseable part;
      synchronized (started) {
        if (started.isEmpty()) {
          break;
        }
        part = started.pop();
      }
      try {
        part.close();
      } catch (Exception e) {
        out.println("settleflow: error while stopping " + part + ": " + e.getMessage());
      }
    }
  }
}
