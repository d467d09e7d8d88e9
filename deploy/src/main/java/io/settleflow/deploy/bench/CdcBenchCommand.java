package io.settleflow.deploy.bench;

import io.settleflow.deploy.SettleflowCli;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bench cdc}: see {@link CdcBenchmark}. */
@Command(
    name = "cdc",
    mixinStandardHelpOptions = true,
    description =
        "Commit -> record visible in Kafka through the real CDC service at 50 %% and 100 %% of the maximum ingest rate measured in the same run; slot lag at full load.")
public final class CdcBenchCommand implements Callable<Integer> {
  @Option(
      names = "--seconds",
      defaultValue = "120",
      description =
          "Seconds at full load, where the slot lag is sampled (default: ${DEFAULT-VALUE}).")
  int seconds;

  @Option(
      names = "--half-seconds",
      defaultValue = "30",
      description = "Seconds at half load, where latency is measured (default: ${DEFAULT-VALUE}).")
  int halfSeconds;

  @Option(
      names = "--probe-seconds",
      defaultValue = "20",
      description = "Seconds of the closed-loop maximum-rate probe (default: ${DEFAULT-VALUE}).")
  int probeSeconds;

  @Option(
      names = "--writers",
      defaultValue = "16",
      description = "Concurrent writer connections (default: ${DEFAULT-VALUE}).")
  int writers;

  @Option(
      names = "--profile",
      description =
          "Record the CDC JVM with Java Flight Recorder (logs/cdc.jfr in the run directory).")
  boolean profile;

  @Option(
      names = "--cdc-poll-interval-ms",
      defaultValue = "0",
      description =
          "The relay's SETTLEFLOW_CDC_POLL_INTERVAL_MS (1..1000); 0 keeps the connector file's poll.interval.ms (default: ${DEFAULT-VALUE}).")
  int cdcPollIntervalMs;

  @Option(
      names = "--warmup-seconds",
      defaultValue = "60",
      description =
          "Seconds at the half-load rate before the half-load phase, not measured, so the JVMs have compiled their hot code (default: ${DEFAULT-VALUE}).")
  int warmupSeconds;

  @Option(
      names = "--max-rate",
      defaultValue = "0",
      description =
          "Use this as the maximum rate (tx/s) instead of probing it, so runs on a shared machine compare at equal rates; 0 probes (default: ${DEFAULT-VALUE}).")
  double maxRate;

  @Override
  public Integer call() throws Exception {
    Path home = SettleflowCli.home();
    Path dir = BenchRun.newRunDir("cdc");
    CdcBenchmark.Result result =
        new CdcBenchmark(
                new CdcBenchmark.Options(
                    writers,
                    Duration.ofSeconds(probeSeconds),
                    Duration.ofSeconds(halfSeconds),
                    Duration.ofSeconds(seconds),
                    profile,
                    cdcPollIntervalMs,
                    Duration.ofSeconds(warmupSeconds),
                    maxRate),
                System.out)
            .run(home, dir);
    System.out.printf(
        java.util.Locale.ROOT,
        "bench cdc: max %.0f tx/s; half load %.0f tx/s achieved (target %.0f); full load %.0f tx/s achieved (target %.0f), p99 %.1f ms%n",
        result.maxPerSecond(),
        result.half().latency().perSecond(),
        result.half().targetPerSecond(),
        result.full().latency().perSecond(),
        result.full().targetPerSecond(),
        result.full().latency().quantileMs(0.99));
    BenchRun.printResult(System.out, result.resultLine());
    return 0;
  }
}
