package io.settleflow.deploy.bench;

import io.settleflow.deploy.SettleflowCli;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

/** What every {@code bench NAME} command does around its benchmark. */
public final class BenchRun {
  /** A new run directory {@code .settleflow/bench-NAME-<millis>} under the repository root. */
  public static Path newRunDir(String name) throws IOException {
    return Files.createDirectories(
        SettleflowCli.home()
            .resolve(".settleflow")
            .resolve("bench-" + name + "-" + Clock.systemUTC().millis()));
  }

  /** The machine line, then the one {@code RESULT NAME ...} line the benchmark ends with. */
  public static void printResult(PrintStream out, String resultLine) {
    out.println(
        "machine: "
            + Runtime.getRuntime().availableProcessors()
            + " cores, Java "
            + System.getProperty("java.version"));
    out.println(resultLine);
  }

  private BenchRun() {}
}
