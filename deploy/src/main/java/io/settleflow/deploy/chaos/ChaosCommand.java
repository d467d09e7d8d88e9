package io.settleflow.deploy.chaos;

import io.settleflow.deploy.SettleflowCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./settleflow chaos --seed N [--minutes M]}: see {@link ChaosRun}. */
@Command(
    name = "chaos",
    mixinStandardHelpOptions = true,
    description = {
      "Start a fresh stack, drive authorize/capture/refund and settlement files with planted discrepancies, inject the faults the seed derives (kill -9 + restart of ingest-api, CDC, one of 2 risk instances, the Flink job, one of 3 Kafka brokers (RF 3, min.insync.replicas 2); PostgreSQL immediate shutdown + restart), drain, and run the independent conservation checker.",
      "Prints the seed and schedule first and ends with RESULT chaos seed= faults= conserved= lost= duplicated=. Exit 0 when conserved."
    })
public final class ChaosCommand implements Callable<Integer> {
  @Option(
      names = "--seed",
      required = true,
      description = "Seed of the fault schedule and workload.")
  long seed;

  @Option(
      names = "--minutes",
      defaultValue = "2",
      description = "Minutes of load (faults fall in it; default: ${DEFAULT-VALUE}).")
  double minutes;

  @Option(
      names = "--merchants",
      defaultValue = "3",
      description = "Merchants posting side by side (default: ${DEFAULT-VALUE}).")
  int merchants;

  @Option(
      names = "--rate",
      defaultValue = "4",
      description = "Authorizations per second per merchant (default: ${DEFAULT-VALUE}).")
  double rate;

  @Option(
      names = "--drain-seconds",
      defaultValue = "180",
      description =
          "How long the stages may take to catch up after the load before the checker's verdict stands (default: ${DEFAULT-VALUE}).")
  int drainSeconds;

  @Option(
      names = "--run-dir",
      description = "Run directory (default: a new .settleflow/chaos-<seed>-<time>).")
  Path runDir;

  @Override
  public Integer call() throws Exception {
    Path dir =
        runDir != null
            ? runDir
            : SettleflowCli.home()
                .resolve(".settleflow")
                .resolve("chaos-" + seed + "-" + Clock.systemUTC().millis());
    Files.createDirectories(dir);
    ChaosRun.Options options =
        new ChaosRun.Options(
            seed,
            Duration.ofMillis((long) (minutes * 60_000)),
            merchants,
            rate,
            Duration.ofSeconds(drainSeconds));
    ChaosRun.Outcome outcome =
        new ChaosRun(options, System.out, Clock.systemUTC()).run(SettleflowCli.home(), dir);
    return outcome.report().conserved() ? 0 : 1;
  }
}
