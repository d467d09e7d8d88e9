package io.settleflow.reconcile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds the checkpoint to restore from in Flink's layout {@code <dir>/<job-id>/chk-<n>/_metadata}.
 * Each run gets a new job id, so "latest" is the completed checkpoint written last, across jobs.
 */
public final class RetainedCheckpoints {
  private static final Pattern CHECKPOINT_DIR = Pattern.compile("chk-(\\d+)");
  private static final String METADATA = "_metadata";

  private RetainedCheckpoints() {}

  /** The newest completed checkpoint directory under {@code dir}, if any. */
  public static Optional<Path> latest(Path dir) {
    if (!Files.isDirectory(dir)) {
      return Optional.empty();
    }
    try (Stream<Path> jobs = Files.list(dir)) {
      return jobs.filter(Files::isDirectory)
          .flatMap(RetainedCheckpoints::completedIn)
          .max(
              Comparator.comparing(RetainedCheckpoints::writtenAt)
                  .thenComparing(RetainedCheckpoints::number));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list checkpoints in " + dir, e);
    }
  }

  private static Stream<Path> completedIn(Path jobDir) {
    try (Stream<Path> children = Files.list(jobDir)) {
      // A checkpoint without _metadata was never completed (the process died while writing it).
      return children
          .filter(p -> CHECKPOINT_DIR.matcher(p.getFileName().toString()).matches())
          .filter(p -> Files.isRegularFile(p.resolve(METADATA)))
          .toList()
          .stream();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list checkpoints in " + jobDir, e);
    }
  }

  private static long writtenAt(Path checkpoint) {
    try {
      return Files.getLastModifiedTime(checkpoint.resolve(METADATA)).toMillis();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long number(Path checkpoint) {
    Matcher m = CHECKPOINT_DIR.matcher(checkpoint.getFileName().toString());
    return m.matches() ? Long.parseLong(m.group(1)) : -1;
  }
}
