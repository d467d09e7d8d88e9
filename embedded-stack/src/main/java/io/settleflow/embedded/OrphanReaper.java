package io.settleflow.embedded;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Stops what a launcher started when the launcher dies without stopping it ({@code kill -9}, an
 * out-of-memory exit, a CI timeout killing the test JVM). The parts run in their own sessions (a
 * Ctrl-C reaches only the launcher, which stops them in order), so nothing else would: a killed
 * {@code ./settleflow up} left PostgreSQL, the broker and every service running, holding their
 * ports and ~2 GB.
 *
 * <p>One small JVM per launcher, started with the first part. The launcher writes each part's pid
 * and start time to the reaper's standard input; the reaper only reads. The end of that input is
 * the launcher's end, however it ended (the kernel closes the pipe): the reaper then stops every
 * part still alive (the same process, not a later one with a reused pid) in the reverse order of
 * their start, as the launcher would (services before the broker and database they leave): SIGTERM,
 * and SIGKILL if it is still running {@link #STOP_GRACE} later. After a clean stop nothing is alive
 * and it just exits. Linux's parent-death signal would need native code and fires when the starting
 * <em>thread</em> ends (the stack starts parts from a short-lived pool), so a watcher process it
 * is.
 */
public final class OrphanReaper {
  /** How long the parts get to stop on SIGTERM before SIGKILL (ChildJvm's own grace). */
  static final Duration STOP_GRACE = Duration.ofSeconds(20);

  /** Most parts one launcher registers (chaos restarts included); a limit on what grows. */
  static final int MAX_PARTS = 10_000;

  private static OrphanReaper instance;

  /** Every part registered and still alive, sent again to a reaper that had to be restarted. */
  private static final List<ProcessHandle> watched = new ArrayList<>();

  private final Process process;
  private final OutputStream parts;

  private OrphanReaper(Process process) {
    this.process = process;
    this.parts = process.getOutputStream();
  }

  /**
   * Has the process stopped if this JVM ends without stopping it. Starts the reaper on first use
   * (and again if it was killed); its log goes beside the part's ({@code reaper.log} in {@code
   * logDir}).
   */
  public static synchronized void watch(ProcessHandle part, Path logDir) {
    watched.removeIf(h -> !h.isAlive());
    watched.add(part);
    if (instance != null && instance.send(part)) {
      return;
    }
    restart(logDir);
  }

  /**
   * Starts the reaper now, its log in {@code logDir}, unless one runs: a launcher calls it first so
   * the log lands with its other logs (otherwise it goes beside the first part's).
   */
  public static synchronized void ensureRunning(Path logDir) {
    if (instance == null || !instance.process.isAlive()) {
      restart(logDir);
    }
  }

  private static void restart(Path logDir) {
    Path logFile = logDir.resolve("reaper.log");
    instance = start(logFile);
    for (ProcessHandle h : watched) {
      if (!instance.send(h)) {
        throw new IllegalStateException("the orphan reaper exited at once; see " + logFile);
      }
    }
  }

  /** The reaper's pid, when one runs for this JVM (for memory figures). */
  public static synchronized Optional<Long> pid() {
    return instance == null || !instance.process.isAlive()
        ? Optional.empty()
        : Optional.of(instance.process.pid());
  }

  private static OrphanReaper start(Path logFile) {
    List<String> cmd = new ArrayList<>();
    if (Files.isExecutable(ChildJvm.SETSID)) {
      cmd.add(ChildJvm.SETSID.toString()); // a Ctrl-C meant for the launcher must not stop it
    }
    cmd.addAll(
        List.of(
            ChildJvm.javaBinary(),
            "-Xmx16m",
            "-Xss256k",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-cp",
            ChildJvm.currentClasspath(),
            OrphanReaper.class.getName()));
    try {
      Files.createDirectories(logFile.getParent());
      Process p =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
              .start();
      return new OrphanReaper(p);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the orphan reaper: " + e.getMessage(), e);
    }
  }

  /** False when the reaper is gone (its input closed). */
  private boolean send(ProcessHandle part) {
    Optional<Instant> started = part.info().startInstant();
    String line = part.pid() + " " + started.map(Instant::toEpochMilli).orElse(-1L) + "\n";
    try {
      parts.write(line.getBytes(StandardCharsets.US_ASCII));
      parts.flush();
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** One registered part: its pid and start time (epoch ms, -1 when the system did not say). */
  record Part(long pid, long startedMs) {
    static Part parse(String line) {
      String[] f = line.trim().split(" ", -1);
      if (f.length != 2) {
        throw new IllegalArgumentException("expected '<pid> <start ms>', got: " + line);
      }
      return new Part(Long.parseLong(f[0]), Long.parseLong(f[1]));
    }

    /** The process, if it still runs and is the one registered (not a reused pid). */
    Optional<ProcessHandle> live() {
      return ProcessHandle.of(pid)
          .filter(ProcessHandle::isAlive)
          .filter(
              h ->
                  startedMs < 0
                      || h.info().startInstant().map(Instant::toEpochMilli).orElse(-1L)
                          == startedMs);
    }
  }

  /** Reads parts until the launcher's end, then stops those still running. */
  public static void main(String[] args) throws IOException {
    Map<Long, Part> parts = new LinkedHashMap<>();
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (parts.size() >= MAX_PARTS) {
          parts.values().removeIf(p -> p.live().isEmpty()); // forget the ones already gone
        }
        Part part = Part.parse(line);
        parts.remove(part.pid()); // a reused pid is a later part: it moves to the end
        parts.put(part.pid(), part);
      }
    }
    List<ProcessHandle> alive = new ArrayList<>();
    for (Part p : parts.values()) {
      p.live().ifPresent(alive::add);
    }
    if (alive.isEmpty()) {
      return;
    }
    Collections.reverse(alive); // as the launcher stops them: services before what they use
    System.out.println(
        Instant.now() + " launcher gone; stopping " + alive.size() + " parts it left: " + alive);
    for (ProcessHandle h : alive) {
      h.destroy();
      try {
        h.onExit().get(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        System.out.println(Instant.now() + " " + h.pid() + " stopped");
      } catch (TimeoutException e) {
        System.out.println(Instant.now() + " " + h.pid() + " ignored SIGTERM: SIGKILL");
        h.destroyForcibly();
      } catch (ExecutionException e) {
        throw new IllegalStateException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
