package io.settleflow.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A launcher JVM starts a part through {@link ChildJvm} (so in its own session, as the stack's
 * parts are), then ends; the part must not outlive it unless the launcher stopped it itself.
 */
@Tag("integration")
class OrphanReaperIT {
  @TempDir Path dir;

  private Process launcher;

  @AfterEach
  void killLeftovers() throws IOException {
    if (launcher != null) {
      launcher.destroyForcibly();
    }
    for (String file : List.of("part.pid", "reaper.pid")) {
      Path f = dir.resolve(file);
      if (Files.exists(f)) {
        ProcessHandle.of(Long.parseLong(Files.readString(f).trim()))
            .ifPresent(ProcessHandle::destroyForcibly);
      }
    }
  }

  @Test
  void aPartIsStoppedWhenItsLauncherIsKilled() throws Exception {
    launcher = startLauncher("hold");
    long part = awaitPid("part.pid");
    long reaper = awaitPid("reaper.pid");
    assertThat(alive(part)).isTrue();

    launcher.destroyForcibly(); // kill -9: no shutdown hook runs, nothing is closed

    await().atMost(Duration.ofSeconds(30)).until(() -> !alive(part));
    await().atMost(Duration.ofSeconds(10)).until(() -> !alive(reaper));
    assertThat(Files.readString(dir.resolve("logs/reaper.log")))
        .contains("launcher gone; stopping 1 parts");
  }

  @Test
  void afterACleanStopTheReaperEndsWithoutTouchingAnything() throws Exception {
    launcher = startLauncher("close");
    long reaper = awaitPid("reaper.pid");

    await().atMost(Duration.ofSeconds(60)).until(() -> !launcher.isAlive());
    assertThat(launcher.exitValue()).isZero();
    await().atMost(Duration.ofSeconds(10)).until(() -> !alive(reaper));
    assertThat(alive(awaitPid("part.pid"))).isFalse();
    assertThat(dir.resolve("logs/reaper.log")).isEmptyFile();
  }

  private Process startLauncher(String mode) throws IOException {
    return new ProcessBuilder(
            ChildJvm.javaBinary(),
            "-Xmx64m",
            "-cp",
            ChildJvm.currentClasspath(),
            Launcher.class.getName(),
            dir.toString(),
            mode)
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("launcher.log").toFile())
        .start();
  }

  /** The pid the launcher wrote to {@code file} (a whole line). */
  private long awaitPid(String file) throws IOException {
    Path f = dir.resolve(file);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> Files.exists(f) && Files.readString(f).endsWith("\n"));
    return Long.parseLong(Files.readString(f).trim());
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  /** The part: waits forever, as a service does until it is told to stop. */
  public static final class Part {
    public static void main(String[] args) throws InterruptedException {
      new CountDownLatch(1).await();
    }
  }

  /**
   * The launcher: starts one part, writes its pid and the reaper's; then either holds (to be
   * killed) or closes the part and exits normally.
   */
  public static final class Launcher {
    public static void main(String[] args) throws Exception {
      Path dir = Path.of(args[0]);
      ChildJvm part =
          ChildJvm.start(
              "part",
              List.of("-Xmx32m", "-XX:+UseSerialGC"),
              List.of("-cp", ChildJvm.currentClasspath(), Part.class.getName()),
              Map.of(),
              dir.resolve("part"),
              dir.resolve("logs/part.log"));
      Files.writeString(dir.resolve("part.pid"), part.pid() + "\n");
      Files.writeString(dir.resolve("reaper.pid"), OrphanReaper.pid().orElseThrow() + "\n");
      if (args[1].equals("close")) {
        part.close();
        return;
      }
      new CountDownLatch(1).await();
    }
  }
}
