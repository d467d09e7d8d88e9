package io.settleflow.deploy.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * Where commit → visible-in-Kafka time goes, stage by stage, over one phase of {@code bench cdc}:
 * each stage's p50 / p99 / max, and its mean over the slowest 1 % of events by total latency, which
 * says which stage makes the tail. Stages come from wall-clock stamps on one machine; some are
 * millisecond stamps (Debezium's record time, the broker's append time), so a stage can read up to
 * 1 ms negative. Pure.
 */
public record CdcStageBreakdown(List<Stage> stages, int events, int slowEvents) {

  /** One stage: percentiles over all events and the mean over the slow ones, in milliseconds. */
  public record Stage(String name, double p50Ms, double p99Ms, double maxMs, double slowMeanMs) {}

  /** The share of events, slowest first, whose stages are averaged as "slow". */
  public static final double SLOW_FRACTION = 0.01;

  public CdcStageBreakdown {
    stages = List.copyOf(stages);
  }

  /**
   * @param names one per stage
   * @param stageMicros {@code stageMicros[e][s]}: event e's time in stage s, µs
   * @param totalMicros each event's end-to-end latency, µs (picks the slow events)
   */
  /**
   * The stages as table rows under a header: {@code prefix}, then the stage name padded to {@code
   * nameWidth} and p50, p99, max and the slow events' mean in milliseconds.
   */
  public List<String> tableLines(String prefix, String firstColumn, int nameWidth) {
    List<String> lines = new ArrayList<>();
    lines.add(
        String.format(
            Locale.ROOT,
            "%s%-" + nameWidth + "s %8s %8s %8s %10s",
            prefix,
            firstColumn,
            "p50",
            "p99",
            "max",
            "slow mean"));
    for (Stage s : stages) {
      lines.add(
          String.format(
              Locale.ROOT,
              "%s%-" + nameWidth + "s %8.1f %8.1f %8.1f %10.1f",
              prefix,
              s.name(),
              s.p50Ms(),
              s.p99Ms(),
              s.maxMs(),
              s.slowMeanMs()));
    }
    return lines;
  }

  public static CdcStageBreakdown of(List<String> names, long[][] stageMicros, long[] totalMicros) {
    if (stageMicros.length != totalMicros.length) {
      throw new IllegalArgumentException(
          stageMicros.length + " stage rows for " + totalMicros.length + " totals");
    }
    for (long[] row : stageMicros) {
      if (row.length != names.size()) {
        throw new IllegalArgumentException(
            "every event needs " + names.size() + " stages, got " + row.length);
      }
    }
    int n = totalMicros.length;
    // The slowest 1 % by total latency (at least one event), exactly that many even with ties.
    int slow = n == 0 ? 0 : Math.max(1, (int) Math.ceil(n * SLOW_FRACTION));
    boolean[] isSlow = new boolean[n];
    IntStream.range(0, n)
        .boxed()
        .sorted(Comparator.comparingLong((Integer e) -> totalMicros[e]).reversed())
        .limit(slow)
        .forEach(e -> isSlow[e] = true);
    List<Stage> stages = new ArrayList<>();
    for (int s = 0; s < names.size(); s++) {
      long[] column = new long[n];
      double slowSum = 0;
      for (int e = 0; e < n; e++) {
        column[e] = stageMicros[e][s];
        if (isSlow[e]) {
          slowSum += stageMicros[e][s];
        }
      }
      long[] sorted = column.clone();
      Arrays.sort(sorted);
      stages.add(
          new Stage(
              names.get(s),
              ms(quantile(sorted, 0.5)),
              ms(quantile(sorted, 0.99)),
              ms(quantile(sorted, 1.0)),
              slow == 0 ? 0 : slowSum / slow / 1_000.0));
    }
    return new CdcStageBreakdown(stages, n, slow);
  }

  /** Nearest rank, as {@link LatencySample#quantileMs}; 0 for no values. */
  static long quantile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  private static double ms(long micros) {
    return micros / 1_000.0;
  }
}
