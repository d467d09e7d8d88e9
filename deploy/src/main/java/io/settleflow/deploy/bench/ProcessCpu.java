package io.settleflow.deploy.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * CPU time the operating system counted for a few processes (and, for PostgreSQL, every backend
 * under the postmaster), so a benchmark can say which process spent the time of one operation.
 * Linux reports it through {@code /proc}; elsewhere the figures are 0.
 */
final class ProcessCpu {
  /** One reading, in CPU nanoseconds since each process started. */
  record Reading(long benchNanos, long apiNanos, long postgresNanos) {
    Reading minus(Reading earlier) {
      return new Reading(
          benchNanos - earlier.benchNanos,
          apiNanos - earlier.apiNanos,
          postgresNanos - earlier.postgresNanos);
    }

    Reading plus(Reading other) {
      return new Reading(
          benchNanos + other.benchNanos,
          apiNanos + other.apiNanos,
          postgresNanos + other.postgresNanos);
    }
  }

  static final Reading ZERO = new Reading(0, 0, 0);

  private final long apiPid;
  private final long postmasterPid;

  ProcessCpu(long apiPid, long postmasterPid) {
    this.apiPid = apiPid;
    this.postmasterPid = postmasterPid;
  }

  /** The postmaster's pid from the first line of {@code postmaster.pid} in its data directory. */
  static long postmasterPid(Path dataDir) throws IOException {
    List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"));
    return Long.parseLong(lines.get(0).strip());
  }

  Reading read() {
    return new Reading(
        cpuNanos(ProcessHandle.current()),
        ProcessHandle.of(apiPid).map(ProcessCpu::cpuNanos).orElse(0L),
        ProcessHandle.of(postmasterPid)
            .map(pm -> cpuNanos(pm) + pm.descendants().mapToLong(ProcessCpu::cpuNanos).sum())
            .orElse(0L));
  }

  private static long cpuNanos(ProcessHandle process) {
    Optional<Duration> cpu = process.info().totalCpuDuration();
    return cpu.map(Duration::toNanos).orElse(0L);
  }

  /** The 1-minute load average, or -1 where {@code /proc/loadavg} does not exist. */
  static double loadAverage() {
    try {
      String line = Files.readString(Path.of("/proc/loadavg"));
      return Double.parseDouble(line.split(" ", -1)[0]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
