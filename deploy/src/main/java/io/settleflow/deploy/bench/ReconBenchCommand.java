package io.settleflow.deploy.bench;

import io.settleflow.deploy.SettleflowCli;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bench recon}: see {@link ReconBenchmark}. */
@Command(
    name = "recon",
    mixinStandardHelpOptions = true,
    description =
        "N ledger payments + N settlement lines with planted discrepancies: plain consumer floor vs the Flink job draining them vs the nightly SQL; then alert latency at a steady rate; precision and recall.")
public final class ReconBenchCommand implements Callable<Integer> {
  @Option(
      names = "--records",
      defaultValue = "1000000",
      description = "Ledger payments, and as many settlement lines (default: ${DEFAULT-VALUE}).")
  int records;

  @Option(
      names = "--planted-per-mille",
      defaultValue = "20",
      description =
          "Discrepancies planted per 1,000 lines, over amount, currency, orphan+overdue and duplicate+overdue (default: ${DEFAULT-VALUE}).")
  int plantedPerMille;

  @Option(
      names = "--rate",
      defaultValue = "100",
      description =
          "Payment + mismatching line pairs per second in the latency phase (default: ${DEFAULT-VALUE}).")
  int rate;

  @Option(
      names = "--latency-seconds",
      defaultValue = "30",
      description = "Seconds of the latency phase (default: ${DEFAULT-VALUE}).")
  int latencySeconds;

  @Option(
      names = "--parallelism",
      defaultValue = "2",
      description = "The Flink job's parallelism (default: ${DEFAULT-VALUE}).")
  int parallelism;

  @Option(
      names = "--service-jvm-option",
      description =
          "A JVM option of the Flink service (repeatable; default: as `up` starts a service, with -Xmx768m).")
  List<String> serviceJvmOptions;

  @Override
  public Integer call() throws Exception {
    Path home = SettleflowCli.home();
    Path dir = BenchRun.newRunDir("recon");
    ReconBenchmark.Result result =
        new ReconBenchmark(
                new ReconBenchmark.Options(
                    records,
                    plantedPerMille,
                    42,
                    rate,
                    Duration.ofSeconds(latencySeconds),
                    parallelism,
                    serviceJvmOptions == null || serviceJvmOptions.isEmpty()
                        ? ReconBenchmark.Options.UP_JVM_OPTIONS
                        : List.copyOf(serviceJvmOptions)),
                System.out)
            .run(home, dir);
    BenchRun.printResult(System.out, result.resultLine(records));
    return 0;
  }
}
