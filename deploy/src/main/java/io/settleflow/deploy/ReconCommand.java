package io.settleflow.deploy;

import io.settleflow.deploy.recon.RecordedRange;
import io.settleflow.deploy.recon.RecordedTopics;
import io.settleflow.deploy.recon.ResolvedTruth;
import io.settleflow.deploy.recon.ResolvedTruthReader;
import io.settleflow.deploy.rules.BacktestReport;
import io.settleflow.schemas.ConfluentRegistryClient;
import io.settleflow.schemas.ConfluentWireFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./settleflow recon}: try reconciliation rules on recorded input before they bite. */
@Command(
    name = "recon",
    mixinStandardHelpOptions = true,
    description = "Reconciliation rules: backtest candidate rules against recorded input.",
    subcommands = {ReconCommand.Backtest.class})
final class ReconCommand extends GroupCommand {
  /** The replay's main class in the flink-reconcile jar (Flink needs its own JVM). */
  static final String BACKTEST_MAIN = "io.settleflow.reconcile.ReconBacktestCli";

  /** {@code --truth-db} without a URL reads it from here. */
  static final String TRUTH_DB_URL_ENV = "SETTLEFLOW_RECON_TRUTH_DB_URL";

  static final String TRUTH_DB_USER_ENV = "SETTLEFLOW_RECON_TRUTH_DB_USER";

  /** The role's password (or the file named by this + {@code _FILE}); never an option. */
  static final String TRUTH_DB_PASSWORD_ENV = "SETTLEFLOW_RECON_TRUTH_DB_PASSWORD";

  /** The finance console's role: it may read ledger.reconciliation and finance.alerts. */
  static final String DEFAULT_TRUTH_DB_USER = "settleflow_console";

  @Command(
      name = "backtest",
      mixinStandardHelpOptions = true,
      description = {
        "Replay recorded ledger events (payments.authorized, payments.refunded) and settlement lines",
        "(settlements.raw) through the reconciliation job's own operators, once under the rules in force",
        "and once under candidate rules, in event-time order; print matches and mismatches by kind for",
        "both, the change per kind, which payments or lines moved between kinds, and precision/recall",
        "against --labels. Deterministic: the same input gives the same report, byte for byte."
      })
  static final class Backtest implements Callable<Integer> {
    private static final int BAR_WIDTH = 24;

    @CommandLine.Mixin SettleflowCli.RunDirOption run = new SettleflowCli.RunDirOption();

    @CommandLine.Option(
        names = "--rules",
        required = true,
        paramLabel = "FILE",
        description = "Candidate rules document (YAML/JSON, as SETTLEFLOW_RECON_RULES_FILE).")
    Path rules;

    @CommandLine.Option(
        names = "--current",
        paramLabel = "FILE",
        description =
            "The rules in force (default: deploy/recon-rules.yaml under SETTLEFLOW_HOME, which `up` runs reconcile with, else the built-in recon-rules.yaml).")
    Path current;

    @CommandLine.Option(
        names = "--from",
        required = true,
        paramLabel = "FILES|FROM..TO|OFFSETS",
        description = {
          "Recorded input files (JSON lines, comma-separated; see flink-reconcile/README.md), or the",
          "running stack's topics: a record-time range FROM..TO (ISO-8601, end excluded), or offsets",
          "TOPIC:PARTITION:FIRST-END,... (end excluded; partitions not named are not read)."
        })
    String from;

    @CommandLine.Option(
        names = "--labels",
        paramLabel = "FILE",
        description = "Ground truth: one 'KIND ID' a line (payment or settlement id).")
    Path labels;

    @CommandLine.Option(
        names = "--truth-db",
        arity = "0..1",
        fallbackValue = "env",
        paramLabel = "JDBC-URL",
        description = {
          "Ground truth from resolved alerts in the ledger database: ledger.reconciliation and the",
          "finance console's finance.alerts (see flink-reconcile/README.md). Without a URL: "
              + TRUTH_DB_URL_ENV
              + ".",
          "Role: --truth-db-user, else "
              + TRUTH_DB_USER_ENV
              + ", else "
              + DEFAULT_TRUTH_DB_USER
              + "; password from "
              + TRUTH_DB_PASSWORD_ENV
              + " or the file named by "
              + TRUTH_DB_PASSWORD_ENV
              + "_FILE.",
          "Added to --labels when both are given."
        })
    String truthDb;

    @CommandLine.Option(
        names = "--truth-db-user",
        paramLabel = "ROLE",
        description = "Database role for --truth-db.")
    String truthDbUser;

    /** The environment (tests hand in their own). */
    Map<String, String> env = System.getenv();

    @CommandLine.Option(
        names = "--orphan-grace",
        paramLabel = "DURATION",
        description = "As SETTLEFLOW_RECON_ORPHAN_GRACE_MS (ISO-8601, default PT1H).")
    String orphanGrace;

    @CommandLine.Option(
        names = "--retention",
        paramLabel = "DURATION",
        description = "Decided-marker retention (default: each rule set's longest SLA).")
    String retention;

    @CommandLine.Option(
        names = "--out-of-orderness",
        paramLabel = "DURATION",
        description = "Watermark bound, as the job's (default PT2S).")
    String outOfOrderness;

    @Override
    public Integer call() throws Exception {
      List<Path> inputs = new ArrayList<>();
      boolean fromTopics =
          RecordedRange.looksLikeOffsets(from)
              || (from.contains("..") && !Files.exists(Path.of(from)));
      if (fromTopics) {
        RecordedRange range;
        try {
          range = RecordedRange.parse(from);
        } catch (IllegalArgumentException e) {
          System.out.println(e.getMessage());
          System.out.println("no backtest: fix --from first");
          return 1;
        }
        StackEndpoints stack = StackEndpoints.read(run.resolve());
        Path dir = run.resolve().resolve("recon-backtest");
        Files.createDirectories(dir);
        Path recording = dir.resolve("recorded.jsonl");
        RecordedTopics.Summary s =
            RecordedTopics.record(
                stack.kafkaBootstrap(),
                new ConfluentWireFormat(new ConfluentRegistryClient(stack.registryUrl())),
                range,
                recording,
                (done, total) ->
                    System.err.printf(
                        Locale.ROOT,
                        "\r%s reading %s: %d/%d records%s",
                        BacktestReport.bar(done, total, BAR_WIDTH),
                        String.join(", ", RecordedRange.TOPICS),
                        done,
                        total,
                        done == total ? System.lineSeparator() : ""));
        System.out.printf(
            Locale.ROOT,
            "recorded: %d ledger events, %d settlement lines from %s into %s%n",
            s.payments(),
            s.lines(),
            range.time() != null
                ? "[" + range.time().from() + ", " + range.time().to() + ")"
                : "the offsets given",
            recording);
        s.skipped()
            .forEach(
                (reason, n) -> System.out.printf(Locale.ROOT, "  skipped %d: %s%n", n, reason));
        s.offsets()
            .forEach(
                (partition, span) ->
                    System.out.printf(
                        Locale.ROOT,
                        "  %-28s offsets [%d, %d)%n",
                        partition,
                        span.first(),
                        span.end()));
        inputs.add(recording);
      } else {
        for (String f : from.split(",", -1)) {
          Path p = Path.of(f.strip());
          if (!Files.isRegularFile(p)) {
            System.out.println("--from: " + p + ": no such file (nor a time range or offsets)");
            return 1;
          }
          inputs.add(p);
        }
      }
      Path labelsFile = labels;
      if (truthDb != null) {
        try {
          Path dir = run.resolve().resolve("recon-backtest");
          Files.createDirectories(dir);
          labelsFile =
              writeTruthLabels(
                  truthDataSource(), redacted(truthUrl()), labels, dir.resolve("truth-labels.txt"));
        } catch (IllegalArgumentException | IllegalStateException | SQLException e) {
          System.out.println("--truth-db: " + e.getMessage());
          System.out.println("no backtest: fix the ground truth source first");
          return 1;
        }
      }
      System.out.flush();
      return replay(inputs, labelsFile);
    }

    private String truthUrl() {
      String url = "env".equals(truthDb) ? env.get(TRUTH_DB_URL_ENV) : truthDb;
      if (url == null || url.isBlank()) {
        throw new IllegalArgumentException("give a JDBC URL or set " + TRUTH_DB_URL_ENV);
      }
      return url;
    }

    private DataSource truthDataSource() {
      PGSimpleDataSource ds = new PGSimpleDataSource();
      ds.setUrl(truthUrl());
      ds.setUser(
          truthDbUser != null
              ? truthDbUser
              : env.getOrDefault(TRUTH_DB_USER_ENV, DEFAULT_TRUTH_DB_USER));
      String file = env.get(TRUTH_DB_PASSWORD_ENV + "_FILE");
      try {
        String password =
            file != null
                ? Files.readString(Path.of(file), StandardCharsets.UTF_8).strip()
                : env.get(TRUTH_DB_PASSWORD_ENV);
        if (password != null) {
          ds.setPassword(password);
        }
      } catch (IOException e) {
        throw new IllegalArgumentException(TRUTH_DB_PASSWORD_ENV + "_FILE: cannot read " + file, e);
      }
      ds.setReadOnly(true);
      return ds;
    }

    /** A JDBC URL as it may be printed: without its query (which may carry a password). */
    /**
     * The rules the backtest compares against: {@code --current} when given, else the document
     * {@code up} runs reconcile with ({@link StackSettings#RECON_RULES} under {@code home}) when it
     * exists, else null (the job's built-in rules).
     */
    static Path currentRules(Path explicit, Path home) {
      if (explicit != null) {
        return explicit;
      }
      Path up = home.resolve(StackSettings.RECON_RULES);
      return Files.isRegularFile(up) ? up : null;
    }

    static String redacted(String url) {
      int q = url.indexOf('?');
      return q < 0 ? url : url.substring(0, q);
    }

    /**
     * Reads the resolved alerts, writes them as a labels file ({@code KIND ID} lines) to {@code
     * out} after the lines of {@code extraLabels} (may be null), and says what it found.
     */
    static Path writeTruthLabels(DataSource db, String from, Path extraLabels, Path out)
        throws SQLException {
      List<ResolvedTruth.Resolved> rows = ResolvedTruthReader.read(db);
      List<String> lines = new ArrayList<>();
      try {
        if (extraLabels != null) {
          lines.add("# from " + extraLabels);
          try {
            lines.addAll(Files.readAllLines(extraLabels, StandardCharsets.UTF_8));
          } catch (IOException e) {
            throw new IllegalArgumentException("--labels " + extraLabels + ": cannot read it", e);
          }
        }
        List<String> truth = ResolvedTruth.labelLines(from, rows);
        lines.addAll(truth);
        Files.write(out, lines, StandardCharsets.UTF_8);
        System.out.printf(
            Locale.ROOT,
            "ground truth: %d labelled discrepancies from %d resolved alerts in %s, into %s%n",
            truth.size() - 1,
            rows.size(),
            from,
            out);
      } catch (IOException e) {
        throw new IllegalStateException("cannot write " + out + ": " + e.getMessage(), e);
      }
      return out;
    }

    /** Runs the replay in a child JVM on the flink-reconcile jar; its output is this command's. */
    private int replay(List<Path> inputs, Path labels) throws Exception {
      Path jar = SettleflowCli.home().resolve("flink-reconcile/target/flink-reconcile.jar");
      if (!Files.isRegularFile(jar)) {
        System.out.println(
            "no backtest: " + jar + " is missing (build flink-reconcile, or set SETTLEFLOW_HOME)");
        return 1;
      }
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.addAll(List.of("-Xmx768m", "-XX:+UseSerialGC", "-cp", jar.toString(), BACKTEST_MAIN));
      cmd.addAll(List.of("--rules", rules.toString()));
      Path inForce = currentRules(current, SettleflowCli.home());
      System.out.println(
          "current rules: " + (inForce == null ? "the built-in recon-rules.yaml" : inForce));
      if (inForce != null) {
        cmd.addAll(List.of("--current", inForce.toString()));
      }
      for (Path p : inputs) {
        cmd.addAll(List.of("--input", p.toString()));
      }
      if (labels != null) {
        cmd.addAll(List.of("--labels", labels.toString()));
      }
      if (orphanGrace != null) {
        cmd.addAll(List.of("--orphan-grace", orphanGrace));
      }
      if (retention != null) {
        cmd.addAll(List.of("--retention", retention));
      }
      if (outOfOrderness != null) {
        cmd.addAll(List.of("--out-of-orderness", outOfOrderness));
      }
      Process child = new ProcessBuilder(cmd).inheritIO().start();
      try {
        return child.waitFor();
      } finally {
        child.destroy();
      }
    }
  }
}
