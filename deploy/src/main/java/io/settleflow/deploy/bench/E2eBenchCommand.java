package io.settleflow.deploy.bench;

import io.settleflow.deploy.SettleflowCli;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bench e2e}: see {@link E2eBenchmark}. */
@Command(
    name = "e2e",
    mixinStandardHelpOptions = true,
    description =
        "The whole stack at half its measured maximum ingest rate: HTTP 201 -> committed risk decision, settlement record -> committed mismatch alert, peak RSS of all JVMs.")
public final class E2eBenchCommand implements Callable<Integer> {
  @Option(
      names = "--merchants",
      defaultValue = "8",
      description = "Merchants posting side by side (default: ${DEFAULT-VALUE}).")
  int merchants;

  @Option(
      names = "--probe-seconds",
      defaultValue = "30",
      description =
          "Seconds of the closed-loop maximum-rate probe; the first third is not counted (default: ${DEFAULT-VALUE}).")
  int probeSeconds;

  @Option(
      names = "--warmup-seconds",
      defaultValue = "15",
      description = "Seconds at half load before measuring (default: ${DEFAULT-VALUE}).")
  int warmupSeconds;

  @Option(
      names = "--seconds",
      defaultValue = "60",
      description = "Measured seconds at half load (default: ${DEFAULT-VALUE}).")
  int seconds;

  @Option(
      names = "--settlements-per-second",
      defaultValue = "5",
      description =
          "Mismatching settlement records committed per second while measuring (default: ${DEFAULT-VALUE}).")
  double settlementsPerSecond;

  @Option(
      names = "--rate",
      defaultValue = "0",
      description =
          "Payments per second to drive instead of half the probed maximum (skips the probe; for"
              + " runs compared side by side at the same load); 0 probes (default: ${DEFAULT-VALUE}).")
  double ratePerSecond;

  @Override
  public Integer call() throws Exception {
    Path home = SettleflowCli.home();
    Path dir = BenchRun.newRunDir("e2e");
    E2eBenchmark.Result result =
        new E2eBenchmark(
                new E2eBenchmark.Options(
                    merchants,
                    Duration.ofSeconds(probeSeconds),
                    Duration.ofSeconds(warmupSeconds),
                    Duration.ofSeconds(seconds),
                    settlementsPerSecond,
                    ratePerSecond,
                    42),
                System.out)
            .run(home, dir);
    BenchRun.printResult(System.out, result.resultLine());
    return result.decisionsMissing() == 0 && result.alertsMissing() == 0 ? 0 : 1;
  }
}
