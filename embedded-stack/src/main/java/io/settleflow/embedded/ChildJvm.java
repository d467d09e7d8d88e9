package io.settleflow.embedded;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * One part of the stack running in its own JVM, its output in a log file. Parts never share a JVM:
 * Flink and Kafka Streams ship clashing RocksDB JNI builds, Debezium and Javalin clashing Jettys.
 */
public final class ChildJvm implements AutoCloseable {
  private static final Duration STOP_GRACE = Duration.ofSeconds(20);
  private static final Duration POLL = Duration.ofMillis(100);
  static final Path SETSID = Path.of("/usr/bin/setsid");

  private final String name;
  private final Process process;
  private final Path logFile;

  private ChildJvm(String name, Process process, Path logFile) {
    this.name = name;
    this.process = process;
    this.logFile = logFile;
  }

  /**
   * The classpath of the running JVM as a child can use it: under Surefire (which hides it in a
   * manifest jar) and under {@code java -jar} (where it lives in the jar's Class-Path header).
   */
  public static String currentClasspath() {
    String surefire = System.getProperty("surefire.test.class.path");
    if (surefire != null && !surefire.isBlank()) {
      return surefire;
    }
    String cp = System.getProperty("java.class.path");
    if (cp.endsWith(".jar") && !cp.contains(File.pathSeparator)) {
      return withManifestClassPath(Path.of(cp));
    }
    return cp;
  }

  private static String withManifestClassPath(Path jar) {
    try (JarFile file = new JarFile(jar.toFile())) {
      Manifest manifest = file.getManifest();
      String entries =
          manifest == null
              ? null
              : manifest.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
      if (entries == null) {
        return jar.toString();
      }
      Path dir = jar.toAbsolutePath().getParent();
      StringBuilder out = new StringBuilder(jar.toAbsolutePath().toString());
      for (String entry : entries.trim().split("\\s+", -1)) {
        out.append(File.pathSeparator).append(dir.resolve(entry));
      }
      return out.toString();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the manifest of " + jar, e);
    }
  }

  /** The java binary of the running JVM. */
  public static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /**
   * Starts {@code java <jvmArgs> <command...>} with the extra environment, output to {@code
   * logFile}.
   *
   * @param command e.g. {@code ["-cp", cp, "kafka.Kafka", "server.properties"]} or {@code ["-jar",
   *     jar]}
   */
  public static ChildJvm start(
      String name,
      List<String> jvmArgs,
      List<String> command,
      Map<String, String> env,
      Path workDir,
      Path logFile) {
    List<String> cmd = new ArrayList<>();
    if (Files.isExecutable(SETSID)) {
      // Own session: a Ctrl-C on the launcher's terminal reaches the launcher only, which then
      // stops the parts in order (services before the broker they must leave cleanly).
      cmd.add(SETSID.toString());
    }
    cmd.add(javaBinary());
    cmd.addAll(jvmArgs);
    cmd.addAll(command);
    try {
      Files.createDirectories(logFile.getParent());
      Files.createDirectories(workDir);
      ProcessBuilder builder =
          new ProcessBuilder(cmd)
              .directory(workDir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
      builder.environment().putAll(env);
      Process process = builder.start();
      // its own session keeps it out of the launcher's Ctrl-C, and so alive if the launcher dies
      OrphanReaper.watch(process.toHandle(), logFile.getParent());
      return new ChildJvm(name, process, logFile);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + ": " + e.getMessage(), e);
    }
  }

  /** Waits until {@code ready} holds; fails fast with the log's tail if the process dies. */
  public void awaitReady(BooleanSupplier ready, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            name
                + " exited with code "
                + process.exitValue()
                + " while starting; log tail:\n"
                + logTail(40));
      }
      if (safely(ready)) {
        return;
      }
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + name, e);
      }
    }
    throw new IllegalStateException(
        name
            + " not ready after "
            + timeout.toSeconds()
            + " s; log "
            + logFile
            + " tail:\n"
            + logTail(40));
  }

  private static boolean safely(BooleanSupplier ready) {
    try {
      return ready.getAsBoolean();
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Waits for the process to end and returns its exit code; fails after the timeout. */
  public int awaitExit(Duration timeout) {
    if (!waitFor(timeout)) {
      process.destroyForcibly();
      throw new IllegalStateException(
          name + " did not finish within " + timeout.toSeconds() + " s; log tail:\n" + logTail(40));
    }
    return process.exitValue();
  }

  public String name() {
    return name;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public Path logFile() {
    return logFile;
  }

  /** The last lines of the log, for error messages. */
  public String logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(logFile);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** {@code kill -9}: for fault tests. */
  public void kill() {
    process.destroyForcibly();
    waitFor(Duration.ofSeconds(30));
  }

  /** SIGTERM, then SIGKILL after a grace period. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    if (!waitFor(STOP_GRACE)) {
      process.destroyForcibly();
      waitFor(STOP_GRACE);
    }
  }

  private boolean waitFor(Duration d) {
    try {
      return process.waitFor(d.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
