package io.settleflow.deploy.bench;

import java.util.Arrays;

/** Operations timed in one measured phase: throughput and latency percentiles. Pure. */
public record LatencySample(long operations, long elapsedNanos, long[] sortedLatencyNanos) {
  public static LatencySample of(long[] latencyNanos, long elapsedNanos) {
    long[] sorted = latencyNanos.clone();
    Arrays.sort(sorted);
    return new LatencySample(sorted.length, elapsedNanos, sorted);
  }

  public double perSecond() {
    return elapsedNanos == 0 ? 0 : operations * 1e9 / elapsedNanos;
  }

  /** The latency at quantile q (0..1), nearest rank, in milliseconds. */
  public double quantileMs(double q) {
    if (sortedLatencyNanos.length == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(q * sortedLatencyNanos.length);
    return sortedLatencyNanos[Math.max(0, Math.min(sortedLatencyNanos.length - 1, rank - 1))] / 1e6;
  }
}
