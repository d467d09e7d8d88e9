package io.settleflow.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Peak resident memory (VmHWM) of processes, from /proc (Linux). */
public final class ProcessMemory {
  /** Sum of VmHWM in MiB over the pids that still exist; 0 for any that do not. */
  public static long peakRssMib(List<Long> pids) {
    long kib = 0;
    for (long pid : pids) {
      kib += vmHwmKib(pid);
    }
    return kib / 1024;
  }

  static long vmHwmKib(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
    return 0;
  }

  private ProcessMemory() {}
}
