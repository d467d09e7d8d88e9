package io.settleflow.deploy;

import io.settleflow.deploy.bench.IngestBenchmark;
import io.settleflow.deploy.demo.AlertWatcher;
import io.settleflow.deploy.demo.Demo;
import io.settleflow.deploy.demo.DemoReport;
import io.settleflow.feeds.ImportProgress;
import io.settleflow.feeds.ImportSummary;
import io.settleflow.feeds.KafkaImportMarkers;
import io.settleflow.feeds.ProgressBar;
import io.settleflow.feeds.SettlementImporter;
import io.settleflow.feeds.SettlementProducers;
import io.settleflow.ledger.MerchantAdmin;
import io.settleflow.schemas.ConfluentRegistryClient;
import io.settleflow.schemas.ConfluentWireFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.producer.Producer;
import org.postgresql.ds.PGSimpleDataSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./settleflow}: every command a person runs. */
@Command(
    name = "settleflow",
    mixinStandardHelpOptions = true,
    version = "settleflow 0.1.0",
    description =
        "Settlement and reconciliation engine: start the stack, run the demo, manage merchants, import settlement files, watch alerts.",
    subcommands = {
      SettleflowCli.Up.class,
      SettleflowCli.DemoCommand.class,
      SettleflowCli.MerchantCommand.class,
      SettleflowCli.SettlementsCommand.class,
      SettleflowCli.AlertsCommand.class,
      SettleflowCli.BenchCommand.class,
      io.settleflow.deploy.chaos.ChaosCommand.class,
      RulesCommand.class,
      ReconCommand.class,
      ConsoleCommand.class,
      CommandLine.HelpCommand.class
    })
public final class SettleflowCli extends GroupCommand {

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new SettleflowCli());
    // A person gets one line saying what went wrong, not a stack trace (logs keep the details).
    cli.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          commandLine.getErr().println("settleflow: " + ex.getMessage());
          return 2;
        });
    return cli;
  }

  /** The repository root: where the service jars are built. */
  public static Path home() {
    String env = System.getenv("SETTLEFLOW_HOME");
    String prop = System.getProperty("settleflow.home");
    return Path.of(prop != null ? prop : env != null ? env : ".").toAbsolutePath().normalize();
  }

  static Path defaultRunDir() {
    return home().resolve(".settleflow").resolve("run");
  }

  /** Options shared by commands that talk to a running stack. */
  static final class RunDirOption {
    @Option(
        names = "--run-dir",
        description = "Run directory of the stack (default: .settleflow/run).")
    Path runDir;

    Path resolve() {
      return runDir != null ? runDir : defaultRunDir();
    }
  }

  @Command(
      name = "up",
      mixinStandardHelpOptions = true,
      description = {
        "Start the whole stack on embedded defaults (PostgreSQL, Kafka, schema registry, ingest-api, CDC, risk, reconciliation), each in its own process; print the URLs; watch mismatch alerts; Ctrl-C stops everything.",
        "Data stays in the run directory, so a second `up` resumes it."
      })
  static final class Up implements Callable<Integer> {
    @CommandLine.Mixin RunDirOption run = new RunDirOption();

    @Option(
        names = "--settlement-deadline-seconds",
        description =
            "Overdue alert when a payment has no settlement after this much event time (default: ${DEFAULT-VALUE}).",
        defaultValue = "172800")
    long deadlineSeconds;

    @Option(
        names = "--orphan-grace-seconds",
        description =
            "Orphan alert when a settlement has no payment after this much event time (default: ${DEFAULT-VALUE}).",
        defaultValue = "3600")
    long orphanGraceSeconds;

    @Option(
        names = "--ingest-port",
        defaultValue = "" + StackSettings.DEFAULT_INGEST_PORT,
        description = "REST API port (default: ${DEFAULT-VALUE}).")
    int ingestPort;

    @Option(
        names = "--postgres-port",
        defaultValue = "" + StackSettings.DEFAULT_POSTGRES_PORT,
        description = "PostgreSQL port (default: ${DEFAULT-VALUE}).")
    int postgresPort;

    @Option(
        names = "--kafka-port",
        defaultValue = "" + StackSettings.DEFAULT_KAFKA_PORT,
        description = "Kafka port (default: ${DEFAULT-VALUE}); the controller takes the next one.")
    int kafkaPort;

    @Option(
        names = "--registry-port",
        defaultValue = "" + StackSettings.DEFAULT_REGISTRY_PORT,
        description = "Schema registry port (default: ${DEFAULT-VALUE}).")
    int registryPort;

    @Override
    public Integer call() throws Exception {
      Path runDir = run.resolve();
      Files.createDirectories(runDir);
      StackSettings settings =
          new StackSettings(
              home(),
              runDir,
              true,
              postgresPort,
              kafkaPort,
              kafkaPort + 1,
              registryPort,
              ingestPort,
              StackSettings.DEFAULT_CDC_PORT,
              StackSettings.DEFAULT_RISK_PORT,
              StackSettings.DEFAULT_RECON_PORT,
              Duration.ofSeconds(deadlineSeconds),
              Duration.ofSeconds(orphanGraceSeconds),
              home().resolve(StackSettings.RECON_RULES));
      CountDownLatch stopped = new CountDownLatch(1);
      Stack stack = Stack.start(settings, System.out);
      StackEndpoints e = stack.endpoints();
      AlertWatcher watcher =
          AlertWatcher.start(
              e.kafkaBootstrap(),
              new ConfluentWireFormat(new ConfluentRegistryClient(e.registryUrl())),
              System.out);
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    System.out.println("\nsettleflow: stopping...");
                    watcher.close();
                    stack.close();
                    System.out.println("settleflow: stopped; data kept in " + runDir);
                    stopped.countDown();
                  }));
      System.out.println();
      System.out.println(
          "  REST API        "
              + e.ingestUrl()
              + "/v1/payments   (metrics "
              + e.ingestUrl()
              + "/metrics)");
      System.out.println("  CDC             " + e.cdcUrl() + "/metrics");
      System.out.println("  risk engine     " + e.riskUrl() + "/metrics");
      System.out.println("  reconciliation  " + e.reconUrl() + "/metrics");
      System.out.println(
          "  finance console "
              + stack.consoleUrl()
              + "   (user "
              + Stack.CONSOLE_ADMIN
              + ", password in "
              + runDir.resolve("secrets").resolve(Stack.CONSOLE_ADMIN_PASSWORD_SECRET)
              + ")");
      System.out.println("  recon rules     " + settings.reconRulesFile());
      System.out.println("  logs            " + runDir.resolve("logs"));
      System.out.println();
      System.out.println(
          "  next: ./settleflow merchant create --id acme --name 'Acme Ltd'   (prints an API key)");
      System.out.println("        ./settleflow settlements import FILE --source my-processor");
      System.out.println("  Watching mismatch alerts; Ctrl-C stops the stack.");
      stopped.await();
      return 0;
    }
  }

  @Command(
      name = "demo",
      mixinStandardHelpOptions = true,
      description = {
        "Start a fresh stack, drive a workload (merchants posting payments over HTTP, CDC redeliveries, a settlement file with planted discrepancies of every kind imported mid-run), print alerts live and a summary.",
        "Planted: amount, currency, fee and FX deviations, orphans, overdue payments (one settled late: RESOLVED), duplicates, chargebacks, against the fee schedules and FX rates of deploy/recon-rules.yaml.",
        "Exits 0 only when nothing was lost or duplicated and precision and recall are 1.0 for every planted kind."
      })
  static final class DemoCommand implements Callable<Integer> {
    @Option(
        names = "--seconds",
        defaultValue = "20",
        description =
            "How long merchants post payments before the settlement file arrives (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(
        names = "--merchants",
        defaultValue = "3",
        description = "Number of merchants (default: ${DEFAULT-VALUE}).")
    int merchants;

    @Option(
        names = "--rate",
        defaultValue = "8",
        description = "Payments per second per merchant (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(
        names = "--settlement-deadline-seconds",
        defaultValue = "45",
        description =
            "Settlement deadline for overdue alerts, in event time (default: ${DEFAULT-VALUE}; production uses 2 days).")
    long deadlineSeconds;

    @Option(
        names = "--seed",
        defaultValue = "42",
        description = "Seed for amounts and planted discrepancies (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
        names = "--run-dir",
        description = "Run directory (default: a new .settleflow/demo-<time>).")
    Path runDir;

    // ClosingStandardOutputStreams: Stack prints to System.out and never closes it
    @SuppressWarnings("ClosingStandardOutputStreams")
    @Override
    public Integer call() throws Exception {
      Path dir =
          runDir != null
              ? runDir
              : home()
                  .resolve(".settleflow")
                  .resolve(
                      "demo-"
                          + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
                              .withZone(ZoneOffset.UTC)
                              .format(Clock.systemUTC().instant()));
      Files.createDirectories(dir);
      Duration deadline = Duration.ofSeconds(deadlineSeconds);
      StackSettings settings =
          StackSettings.ephemeral(home(), dir, deadline, Duration.ofSeconds(10))
              .withReconRulesFile(home().resolve(StackSettings.RECON_RULES));
      Demo.Options base = Demo.Options.defaults(Duration.ofSeconds(seconds));
      Demo.Options options =
          new Demo.Options(
              merchants,
              rate,
              base.loadDuration(),
              base.tailRatePerMerchant(),
              base.planted(),
              base.redeliveries(),
              seed);
      long started = System.nanoTime();
      try (Stack stack = Stack.start(settings, System.out)) {
        DemoReport report = new Demo(stack, options, deadline, System.out, Clock.systemUTC()).run();
        System.out.print(report.render());
        List<Long> pids = new ArrayList<>(stack.processIds());
        pids.add(ProcessHandle.current().pid());
        System.out.printf(
            "  peak RSS of the stack's JVMs (launcher included): %d MiB; demo took %.0f s; logs in %s%n",
            ProcessMemory.peakRssMib(pids),
            (System.nanoTime() - started) / 1e9,
            dir.resolve("logs"));
        return report.passed() ? 0 : 1;
      }
    }
  }

  @Command(
      name = "merchant",
      mixinStandardHelpOptions = true,
      description = "Manage merchants of a running stack.",
      subcommands = {MerchantCommand.Create.class})
  static final class MerchantCommand extends GroupCommand {
    @Command(
        name = "create",
        mixinStandardHelpOptions = true,
        description =
            "Create a merchant (idempotent) and print a new API key for it (shown once; only its hash is stored).")
    static final class Create implements Callable<Integer> {
      @CommandLine.Mixin RunDirOption run = new RunDirOption();

      @Option(
          names = "--id",
          required = true,
          description = "Merchant id: lowercase letters, digits, '-' or '_', up to 64.")
      String id;

      @Option(names = "--name", required = true, description = "Display name.")
      String name;

      @Override
      public Integer call() {
        StackEndpoints e = StackEndpoints.read(run.resolve());
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(e.jdbcUrl());
        ds.setUser("postgres");
        MerchantAdmin admin = new MerchantAdmin(ds, java.time.Clock.systemUTC());
        admin.createMerchant(id, name);
        System.out.println(admin.issueApiKey(id));
        return 0;
      }
    }
  }

  @Command(
      name = "settlements",
      mixinStandardHelpOptions = true,
      description = "Settlement files.",
      subcommands = {SettlementsCommand.Import.class})
  static final class SettlementsCommand extends GroupCommand {
    @Command(
        name = "import",
        mixinStandardHelpOptions = true,
        description =
            "Import settlement files into settlements.raw (bad lines go to settlements.rejected with a reason).")
    static final class Import implements Callable<Integer> {
      @CommandLine.Mixin RunDirOption run = new RunDirOption();

      @Parameters(
          arity = "1..*",
          paramLabel = "FILE",
          description =
              "Settlement files: settleflow CSV, ISO 20022 camt.053/054, BAI2, Stripe/Adyen/PayPal reports.")
      List<Path> files;

      @Option(
          names = "--format",
          description = "Format, when detection should not decide: ${COMPLETION-CANDIDATES}.",
          completionCandidates = FormatNames.class)
      String format;

      @Option(
          names = "--source",
          defaultValue = "manual",
          description = "Processor or bank the files come from (default: ${DEFAULT-VALUE}).")
      String source;

      @Option(
          names = "--progress",
          description =
              "Draw a progress bar on stderr even when it is not a terminal (it is drawn on a terminal anyway).")
      boolean progress;

      // SystemConsoleNull: on Java 17 (our floor) null means no terminal; on 22+ the bar may also
      // draw into redirected stderr, which is harmless
      @SuppressWarnings("SystemConsoleNull")
      @Override
      public Integer call() {
        StackEndpoints e = StackEndpoints.read(run.resolve());
        ConfluentWireFormat wire =
            new ConfluentWireFormat(new ConfluentRegistryClient(e.registryUrl()));
        int exit = 0;
        // Transactional per source: a re-import skips what an earlier one committed
        // (settlements.imports).
        try (Producer<String, byte[]> producer =
                SettlementProducers.createTransactional(e.kafkaBootstrap(), source);
            KafkaImportMarkers markers = new KafkaImportMarkers(e.kafkaBootstrap())) {
          SettlementImporter importer = new SettlementImporter(producer, wire, markers);
          boolean drawProgress = progress || System.console() != null;
          for (Path file : files) {
            try {
              importer.withProgress(
                  drawProgress
                      ? new ProgressBar(
                          System.err, Clock.systemUTC(), String.valueOf(file.getFileName()))
                      : ImportProgress.NONE);
              ImportSummary summary =
                  format == null
                      ? importer.importFile(file, source)
                      : importer.importFile(file, source, format);
              System.out.println(summary.render());
            } catch (Exception ex) {
              System.out.println(file + ": not imported: " + ex.getMessage());
              exit = 2;
            }
          }
        }
        return exit;
      }
    }
  }

  @Command(
      name = "bench",
      mixinStandardHelpOptions = true,
      description = "Benchmarks; each ends with one line RESULT NAME key=value ...",
      subcommands = {
        BenchCommand.Ingest.class,
        BenchCommand.Feeds.class,
        BenchCommand.Risk.class,
        io.settleflow.deploy.bench.CdcBenchCommand.class,
        io.settleflow.deploy.bench.E2eBenchCommand.class,
        io.settleflow.deploy.bench.ReconBenchCommand.class
      })
  static final class BenchCommand extends GroupCommand {
    @Command(
        name = "risk",
        mixinStandardHelpOptions = true,
        description =
            "Exactly-once pass-through vs the full risk topology on the same pre-loaded payments, one embedded broker; then decision latency.")
    static final class Risk implements Callable<Integer> {
      @Option(
          names = "--events",
          defaultValue = "200000",
          description =
              "Pre-loaded authorizations (default: ${DEFAULT-VALUE}: the pass-through runs a few"
                  + " seconds, many commit intervals).")
      int events;

      @Option(
          names = "--merchants",
          defaultValue = "200",
          description = "Merchants they spread over (default: ${DEFAULT-VALUE}).")
      int merchants;

      @Option(
          names = "--latency-events",
          defaultValue = "2000",
          description = "Paced payments timed for p99 (default: ${DEFAULT-VALUE}).")
      int latencyEvents;

      @Option(
          names = "--latency-rate",
          defaultValue = "200",
          description = "Their rate per second (default: ${DEFAULT-VALUE}).")
      int latencyRate;

      @Option(
          names = "--commit-interval-ms",
          description = "commit.interval.ms of both apps (default: the risk engine's default).")
      Integer commitIntervalMs;

      @Option(
          names = "--partition-by-key",
          description =
              "Produce the payments by the default partitioner (key = payment id) instead of to their merchant's partition, as the CDC relay does: the risk topology then repartitions them.")
      boolean partitionByKey;

      @Override
      public Integer call() throws Exception {
        Path dir = io.settleflow.deploy.bench.BenchRun.newRunDir("risk");
        io.settleflow.deploy.bench.RiskBenchmark.Result result =
            new io.settleflow.deploy.bench.RiskBenchmark(
                    new io.settleflow.deploy.bench.RiskBenchmark.Options(
                        events,
                        merchants,
                        latencyEvents,
                        latencyRate,
                        commitIntervalMs == null
                            ? io.settleflow.risk.RiskStreamsConfig.COMMIT_INTERVAL_MS
                            : commitIntervalMs,
                        !partitionByKey),
                    System.out)
                .run(dir);
        io.settleflow.deploy.bench.BenchRun.printResult(System.out, result.resultLine());
        return 0;
      }
    }

    @Command(
        name = "feeds",
        mixinStandardHelpOptions = true,
        description =
            "Settlement importer vs a plain producer on one embedded broker: CSV, camt.053 and BAI2 files of the same entries, and a 10x BAI2 file for heap growth.")
    static final class Feeds implements Callable<Integer> {
      @Option(
          names = "--entries",
          defaultValue = "200000",
          description = "Entries per file (default: ${DEFAULT-VALUE}; the heap run uses 10x).")
      long entries;

      @Option(
          names = "--rounds",
          defaultValue = "5",
          description =
              "Measured rounds of floor, csv, floor, camt053, floor, bai2 slices; each ratio is the median over the rounds (default: ${DEFAULT-VALUE}).")
      int rounds;

      @Option(
          names = "--warmup-rounds",
          defaultValue = "2",
          description = "Unmeasured rounds first (default: ${DEFAULT-VALUE}).")
      int warmupRounds;

      @Override
      public Integer call() throws Exception {
        Path dir = io.settleflow.deploy.bench.BenchRun.newRunDir("feeds");
        io.settleflow.deploy.bench.FeedsBenchmark.Result result =
            new io.settleflow.deploy.bench.FeedsBenchmark(
                    new io.settleflow.deploy.bench.FeedsBenchmark.Options(
                        entries, rounds, warmupRounds),
                    System.out)
                .run(dir);
        System.out.println(
            "machine: "
                + Runtime.getRuntime().availableProcessors()
                + " cores, Java "
                + System.getProperty("java.version")
                + ", max heap "
                + Runtime.getRuntime().maxMemory() / (1024 * 1024)
                + " MiB");
        System.out.println(result.resultLine());
        return 0;
      }
    }

    @Command(
        name = "ingest",
        mixinStandardHelpOptions = true,
        description =
            "Raw JDBC authorize transactions vs the HTTP API on the same embedded PostgreSQL (fsync on), same concurrency and pool size.")
    static final class Ingest implements Callable<Integer> {
      @Option(
          names = "--clients",
          defaultValue = "16",
          description = "Concurrent clients on each side (default: ${DEFAULT-VALUE}).")
      int clients;

      @Option(
          names = "--seconds",
          defaultValue = "20",
          description = "Measured seconds per side (default: ${DEFAULT-VALUE}).")
      int seconds;

      @Option(
          names = "--warmup-seconds",
          defaultValue = "60",
          description =
              "Longest warm-up per side, in seconds (default: ${DEFAULT-VALUE}); it ends earlier"
                  + " once --warmup-operations are done.")
      int warmupSeconds;

      @Option(
          names = "--warmup-operations",
          defaultValue = "20000",
          description =
              "Warm-up operations per side (default: ${DEFAULT-VALUE}): enough for the JIT to"
                  + " compile the API's request path before measuring.")
      int warmupOperations;

      @Override
      public Integer call() throws Exception {
        Path dir = io.settleflow.deploy.bench.BenchRun.newRunDir("ingest");
        IngestBenchmark.Result result =
            new IngestBenchmark(
                    new IngestBenchmark.Options(
                        clients,
                        Duration.ofSeconds(warmupSeconds),
                        warmupOperations,
                        Duration.ofSeconds(seconds)),
                    System.out)
                .run(home(), dir);
        io.settleflow.deploy.bench.BenchRun.printResult(System.out, result.resultLine());
        return 0;
      }
    }
  }

  /** The formats the importer knows, for --help. */
  static final class FormatNames implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return io.settleflow.feeds.SettlementFormats.names().iterator();
    }
  }

  @Command(
      name = "alerts",
      mixinStandardHelpOptions = true,
      description = "Watch mismatch alerts of a running stack as they are committed.")
  static final class AlertsCommand implements Callable<Integer> {
    @CommandLine.Mixin RunDirOption run = new RunDirOption();

    // ClosingStandardOutputStreams: AlertWatcher prints to System.out and never closes it
    @SuppressWarnings("ClosingStandardOutputStreams")
    @Override
    public Integer call() throws Exception {
      StackEndpoints e = StackEndpoints.read(run.resolve());
      CountDownLatch forever = new CountDownLatch(1);
      try (AlertWatcher watcher =
          AlertWatcher.start(
              e.kafkaBootstrap(),
              new ConfluentWireFormat(new ConfluentRegistryClient(e.registryUrl())),
              System.out)) {
        forever.await();
      }
      return 0;
    }
  }
}
