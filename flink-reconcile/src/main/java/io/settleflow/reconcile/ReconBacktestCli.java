package io.settleflow.reconcile;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code recon backtest} in its own JVM (the launcher starts it: Flink must not share a JVM with
 * Kafka Streams): replays a recording of ledger events and settlement lines through the job's
 * operators under the rules in force and under candidate rules, and prints how matches and
 * mismatches by kind change. Report on stdout, progress on stderr.
 *
 * <pre>
 * ReconBacktestCli --rules FILE [--current FILE] --input FILE [--input FILE ...]
 *     [--labels FILE] [--orphan-grace PT1H] [--retention P2D] [--out-of-orderness PT2S]
 * </pre>
 *
 * Exit 0 with a report; 1 when an input is bad (the message names the file, line and field); 2 for
 * a usage error.
 */
public final class ReconBacktestCli {
  static final String USAGE =
      "usage: recon backtest --rules FILE [--current FILE] --input FILE [--input FILE ...]"
          + " [--labels FILE] [--orphan-grace PT1H] [--retention DURATION] [--out-of-orderness"
          + " PT2S]";

  private static final int BAR_WIDTH = 24;

  /** Parsed arguments. */
  record Options(
      Path rules,
      Path current,
      List<Path> inputs,
      Path labels,
      Duration orphanGrace,
      Duration retention,
      Duration outOfOrderness) {

    /**
     * @throws IllegalArgumentException naming the option
     */
    static Options parse(String[] args) {
      Path rules = null;
      Path current = null;
      List<Path> inputs = new ArrayList<>();
      Path labels = null;
      Duration grace = MatcherSettings.DEFAULT_ORPHAN_GRACE;
      Duration retention = null;
      Duration outOfOrderness = ReconcileJob.DEFAULT_OUT_OF_ORDERNESS;
      for (int i = 0; i < args.length; i++) {
        String name = args[i];
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(name + ": a value is missing");
        }
        String value = args[++i];
        switch (name) {
          case "--rules" -> rules = Path.of(value);
          case "--current" -> current = Path.of(value);
          case "--input" -> inputs.add(Path.of(value));
          case "--labels" -> labels = Path.of(value);
          case "--orphan-grace" -> grace = positive(name, value);
          case "--retention" -> retention = positive(name, value);
          case "--out-of-orderness" -> outOfOrderness = notNegative(name, value);
          default -> throw new IllegalArgumentException(name + ": unknown option");
        }
      }
      if (rules == null) {
        throw new IllegalArgumentException("--rules: required");
      }
      if (inputs.isEmpty()) {
        throw new IllegalArgumentException("--input: required");
      }
      return new Options(rules, current, inputs, labels, grace, retention, outOfOrderness);
    }

    private static Duration positive(String name, String value) {
      Duration d = duration(name, value);
      if (d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException(name + ": must be positive, got " + value);
      }
      return d;
    }

    private static Duration notNegative(String name, String value) {
      Duration d = duration(name, value);
      if (d.isNegative()) {
        throw new IllegalArgumentException(name + ": must not be negative, got " + value);
      }
      return d;
    }

    private static Duration duration(String name, String value) {
      try {
        return Duration.parse(value);
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException(
            name + ": '" + value + "' is not an ISO-8601 duration such as PT1H", e);
      }
    }
  }

  private ReconBacktestCli() {}

  public static void main(String[] args) throws Exception {
    // Flink's own INFO and WARN lines (e.g. the collect iterator closing after the job) would drown
    // the report
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
    System.exit(run(args, System.out, System.err));
  }

  /** The whole command; returns the exit code. */
  static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
    Options o;
    try {
      o = Options.parse(args);
    } catch (IllegalArgumentException e) {
      err.println(e.getMessage());
      err.println(USAGE);
      return 2;
    }
    ReconRules candidate;
    ReconRules current;
    List<ReplayEvent> recorded = new ArrayList<>();
    ReconBacktestReport.Labels labels = null;
    try {
      candidate = rules(o.rules(), "--rules");
      current =
          o.current() == null ? ReconRulesDocument.builtin() : rules(o.current(), "--current");
      for (Path input : o.inputs()) {
        try (BufferedReader in = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
          recorded.addAll(RecordedInput.read(in, input.toString(), recorded.size()));
        }
      }
      if (o.labels() != null) {
        try (BufferedReader in = Files.newBufferedReader(o.labels(), StandardCharsets.UTF_8)) {
          labels = ReconBacktestReport.Labels.read(in, o.labels().toString());
        }
      }
    } catch (IllegalArgumentException e) {
      err.println(e.getMessage());
      err.println("no backtest: fix the input first");
      return 1;
    } catch (NoSuchFileException e) {
      err.println(e.getFile() + ": no such file");
      return 1;
    }
    List<ReplayEvent> ordered = ReplayEvent.inEventTimeOrder(recorded);
    List<ReconBacktestReport.Run> runs =
        ReconBacktestJob.run(
            ordered,
            List.of(
                new ReconBacktestJob.Variant(name(o.current(), current), settings(current, o)),
                new ReconBacktestJob.Variant(name(o.rules(), candidate), settings(candidate, o))),
            o.outOfOrderness(),
            bar(err));
    ReconBacktestReport.Run before = runs.get(0);
    ReconBacktestReport.Run after = runs.get(1);
    ReconBacktestReport.lines(ReconBacktestReport.Input.of(ordered), before, after, labels)
        .forEach(out::println);
    out.flush();
    return 0;
  }

  private static ReconRules rules(Path file, String option) throws IOException {
    try {
      return ReconRulesDocument.parse(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(option + " " + file + ": " + e.getMessage(), e);
    }
  }

  private static String name(Path file, ReconRules rules) {
    return (file == null ? "built-in recon-rules.yaml" : file.toString())
        + " (version "
        + rules.version()
        + ")";
  }

  private static MatcherSettings settings(ReconRules rules, Options o) {
    long retention = o.retention() != null ? o.retention().toMillis() : rules.longestSlaMs();
    return new MatcherSettings(o.orphanGrace().toMillis(), retention, rules);
  }

  private static ReconBacktestJob.Progress bar(PrintStream err) {
    java.util.concurrent.atomic.AtomicLong shown = new java.util.concurrent.atomic.AtomicLong(-1);
    return (done, total) -> {
      if (shown.getAndSet(done) == done) {
        return; // nothing new: the ticker asks every 250 ms
      }
      int filled = total <= 0 ? BAR_WIDTH : (int) Math.min(BAR_WIDTH, done * BAR_WIDTH / total);
      synchronized (err) {
        err.printf(
            Locale.ROOT,
            "\r[%s%s] replaying under both rule sets: %d/%d events (%d%%)%s",
            "#".repeat(filled),
            "-".repeat(BAR_WIDTH - filled),
            done,
            total,
            total == 0 ? 100 : done * 100 / total,
            done == total ? System.lineSeparator() : "");
      }
    };
  }
}
