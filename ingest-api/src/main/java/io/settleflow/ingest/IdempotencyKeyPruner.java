package io.settleflow.ingest;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Deletes idempotency keys older than the retention in bounded batches, at most {@code
 * maxBatchesPerRun} per run, so one run never holds locks or the connection for long; what is left
 * waits for the next run. The clock decides what is old, so tests drive it.
 */
public final class IdempotencyKeyPruner {
  /** Deletes at most {@code maxRows} keys created before {@code cutoff}; returns how many. */
  @FunctionalInterface
  public interface BatchPurge {
    int purge(Instant cutoff, int maxRows);
  }

  private final Clock clock;
  private final Duration retention;
  private final int batchRows;
  private final int maxBatchesPerRun;
  private final BatchPurge purge;

  public IdempotencyKeyPruner(
      Clock clock, Duration retention, int batchRows, int maxBatchesPerRun, BatchPurge purge) {
    if (retention.isNegative() || retention.isZero() || batchRows < 1 || maxBatchesPerRun < 1) {
      throw new IllegalArgumentException(
          "retention, batchRows and maxBatchesPerRun must be positive");
    }
    this.clock = clock;
    this.retention = retention;
    this.batchRows = batchRows;
    this.maxBatchesPerRun = maxBatchesPerRun;
    this.purge = purge;
  }

  /**
   * One run: batches until one comes back short or the run's budget is spent. Returns the total.
   */
  public long runOnce() {
    Instant cutoff = clock.instant().minus(retention);
    long purged = 0;
    for (int batch = 0; batch < maxBatchesPerRun; batch++) {
      int deleted = purge.purge(cutoff, batchRows);
      purged += deleted;
      if (deleted < batchRows) {
        break;
      }
    }
    return purged;
  }
}
