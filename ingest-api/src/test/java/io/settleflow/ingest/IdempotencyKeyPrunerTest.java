package io.settleflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IdempotencyKeyPrunerTest {
  static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
  static final Duration RETENTION = Duration.ofHours(24);

  /**
   * One line per run: keys older than the cutoff, batch size, batches allowed per run, then the
   * keys purged and the purge calls made.
   */
  @ParameterizedTest(name = "{0} expired, batch {1}, max {2} batches -> {3} purged in {4} calls")
  @CsvSource({
    "0,    10, 5, 0,  1",
    "7,    10, 5, 7,  1",
    "10,   10, 5, 10, 2",
    "25,   10, 5, 25, 3",
    "1000, 10, 5, 50, 5",
  })
  void aRunPurgesInBoundedBatchesUntilOneComesBackShort(
      int expired, int batchRows, int maxBatches, long purged, int calls) {
    int[] left = {expired};
    List<Instant> cutoffs = new ArrayList<>();
    IdempotencyKeyPruner pruner =
        new IdempotencyKeyPruner(
            Clock.fixed(NOW, ZoneOffset.UTC),
            RETENTION,
            batchRows,
            maxBatches,
            (cutoff, maxRows) -> {
              cutoffs.add(cutoff);
              int deleted = Math.min(left[0], maxRows);
              left[0] -= deleted;
              return deleted;
            });

    assertThat(pruner.runOnce()).isEqualTo(purged);
    assertThat(cutoffs).hasSize(calls).containsOnly(NOW.minus(RETENTION));
  }

  @ParameterizedTest(name = "retention {0}, batch {1}, max batches {2}")
  @CsvSource({"PT0S, 10, 5", "PT24H, 0, 5", "PT24H, 10, 0"})
  void limitsMustBePositive(Duration retention, int batchRows, int maxBatches) {
    assertThatThrownBy(
            () ->
                new IdempotencyKeyPruner(
                    Clock.systemUTC(), retention, batchRows, maxBatches, (c, n) -> 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
