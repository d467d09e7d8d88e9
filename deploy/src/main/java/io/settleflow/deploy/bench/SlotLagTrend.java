package io.settleflow.deploy.bench;

import java.util.Arrays;

/**
 * Whether the replication slot's lag stayed bounded over a run: the mean of the last third of the
 * samples is not above the mean of the first third by more than {@link #TOLERANCE_RATIO} plus
 * {@link #TOLERANCE_BYTES}. Pure.
 *
 * <p>The tolerance absorbs the sawtooth of a healthy relay: the slot's confirmed LSN moves only
 * when offsets are flushed (every second), so one sample may see up to a second of WAL more than
 * the next. A relay that cannot keep up adds that much lag every second, which over a two-minute
 * run exceeds both bounds many times over.
 */
public record SlotLagTrend(
    double firstThirdMeanBytes, double lastThirdMeanBytes, long maxBytes, boolean bounded) {
  public static final double TOLERANCE_RATIO = 0.5;
  public static final long TOLERANCE_BYTES = 1L << 20;

  /** Fewer samples than this say nothing about a trend. */
  public static final int MIN_SAMPLES = 3;

  public static SlotLagTrend of(long[] lagBytes) {
    if (lagBytes.length < MIN_SAMPLES) {
      throw new IllegalArgumentException(
          "need at least " + MIN_SAMPLES + " lag samples, got " + lagBytes.length);
    }
    int third = lagBytes.length / 3;
    double first = Arrays.stream(lagBytes, 0, third).average().orElse(0);
    double last =
        Arrays.stream(lagBytes, lagBytes.length - third, lagBytes.length).average().orElse(0);
    long max = Arrays.stream(lagBytes).max().orElse(0);
    return new SlotLagTrend(
        first, last, max, last <= first * (1 + TOLERANCE_RATIO) + TOLERANCE_BYTES);
  }
}
