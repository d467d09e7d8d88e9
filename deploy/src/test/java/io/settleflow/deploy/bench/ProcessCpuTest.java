package io.settleflow.deploy.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessCpuTest {
  @Test
  void readingsSubtractAndAddPerProcess() {
    ProcessCpu.Reading before = new ProcessCpu.Reading(10, 20, 30);
    ProcessCpu.Reading after = new ProcessCpu.Reading(15, 27, 39);

    assertThat(after.minus(before)).isEqualTo(new ProcessCpu.Reading(5, 7, 9));
    assertThat(ProcessCpu.ZERO.plus(after.minus(before)).plus(after.minus(before)))
        .isEqualTo(new ProcessCpu.Reading(10, 14, 18));
  }

  @Test
  void thisJvmsCpuIsCountedAndMissingProcessesCountZero() {
    // pids that no process has: only this JVM's own CPU time shows up
    ProcessCpu cpu = new ProcessCpu(Long.MAX_VALUE - 1, Long.MAX_VALUE - 2);

    ProcessCpu.Reading reading = cpu.read();

    assertThat(reading.apiNanos()).isZero();
    assertThat(reading.postgresNanos()).isZero();
    if (Files.exists(Path.of("/proc/self/stat"))) {
      assertThat(reading.benchNanos()).isPositive();
      assertThat(ProcessCpu.loadAverage()).isNotNegative();
    }
  }

  @Test
  void thePostmasterPidIsTheFirstLineOfItsPidFile(@TempDir Path dataDir) throws Exception {
    Files.writeString(dataDir.resolve("postmaster.pid"), "4242\n/data\n1700000000\n5432\n");

    assertThat(ProcessCpu.postmasterPid(dataDir)).isEqualTo(4242L);
  }
}
