package io.settleflow.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetainedCheckpointsTest {
  @TempDir Path dir;

  @Test
  void noDirectoryMeansNothingToRestore() {
    assertThat(RetainedCheckpoints.latest(dir.resolve("missing"))).isEmpty();
  }

  @Test
  void newestCompletedCheckpointAcrossJobRunsWins() throws Exception {
    checkpoint("job-a", "chk-40", "2026-03-01T10:00:00Z");
    checkpoint("job-b", "chk-3", "2026-03-01T11:00:00Z"); // a later run restarts the numbering
    checkpoint("job-b", "chk-2", "2026-03-01T10:59:00Z");
    Files.createDirectories(dir.resolve("job-b").resolve("chk-4")); // died before _metadata
    Files.createDirectories(dir.resolve("job-b").resolve("shared"));

    assertThat(RetainedCheckpoints.latest(dir)).contains(dir.resolve("job-b").resolve("chk-3"));
  }

  private void checkpoint(String job, String name, String writtenAt) throws Exception {
    Path chk = Files.createDirectories(dir.resolve(job).resolve(name));
    Path metadata = Files.writeString(chk.resolve("_metadata"), "x");
    Files.setLastModifiedTime(metadata, FileTime.from(Instant.parse(writtenAt)));
  }
}
