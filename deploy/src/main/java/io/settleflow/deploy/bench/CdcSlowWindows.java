package io.settleflow.deploy.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * When the slow events of a {@code bench cdc} phase happened: the events at or above a latency
 * threshold, grouped into windows of commit time (a gap longer than {@code gapMicros} starts a new
 * window), each with the stage that took most of their time. Many events in one short window, all
 * late in the same stage, is a stall of one process (a collection, a descheduled thread); events
 * slow one at a time are queueing. Pure.
 *
 * @param windows largest first (most events), at most {@link #MAX_WINDOWS}
 * @param slowEvents events at or above the threshold
 */
public record CdcSlowWindows(List<Window> windows, int slowEvents) {
  /** Windows reported; the rest are summed up in {@link #slowEvents}. */
  public static final int MAX_WINDOWS = 5;

  /**
   * One window of slow events.
   *
   * @param startMicros first slow commit of the window, after the phase's first commit
   * @param spanMicros first to last slow commit of the window
   * @param dominantStage the stage with the largest mean over the window's events
   */
  public record Window(
      long startMicros,
      long spanMicros,
      int events,
      long maxTotalMicros,
      int dominantStage,
      double dominantMeanMicros) {}

  public CdcSlowWindows {
    windows = List.copyOf(windows);
  }

  /**
   * @param commitMicros each event's commit time (any epoch), µs
   * @param stageMicros {@code stageMicros[e][s]}: event e's time in stage s, µs
   * @param totalMicros each event's latency, µs
   * @param stages the stages that count for "dominant" (indices into a row)
   */
  public static CdcSlowWindows of(
      long[] commitMicros,
      long[][] stageMicros,
      long[] totalMicros,
      long thresholdMicros,
      long gapMicros,
      List<Integer> stages) {
    int n = commitMicros.length;
    if (stageMicros.length != n || totalMicros.length != n) {
      throw new IllegalArgumentException(
          n + " commits, " + stageMicros.length + " stage rows, " + totalMicros.length + " totals");
    }
    if (stages.isEmpty()) {
      throw new IllegalArgumentException("at least one stage must count");
    }
    long first = Long.MAX_VALUE;
    List<Integer> slow = new ArrayList<>();
    for (int e = 0; e < n; e++) {
      first = Math.min(first, commitMicros[e]);
      if (totalMicros[e] >= thresholdMicros) {
        slow.add(e);
      }
    }
    slow.sort(Comparator.comparingLong(e -> commitMicros[e]));
    List<Window> windows = new ArrayList<>();
    int from = 0;
    for (int i = 1; i <= slow.size(); i++) {
      boolean ends =
          i == slow.size() || commitMicros[slow.get(i)] - commitMicros[slow.get(i - 1)] > gapMicros;
      if (ends) {
        windows.add(
            window(slow.subList(from, i), commitMicros, stageMicros, totalMicros, first, stages));
        from = i;
      }
    }
    windows.sort(
        Comparator.comparingInt(Window::events).reversed().thenComparingLong(Window::startMicros));
    return new CdcSlowWindows(
        windows.subList(0, Math.min(MAX_WINDOWS, windows.size())), slow.size());
  }

  private static Window window(
      List<Integer> events,
      long[] commitMicros,
      long[][] stageMicros,
      long[] totalMicros,
      long first,
      List<Integer> stages) {
    long start = commitMicros[events.get(0)];
    long end = commitMicros[events.get(events.size() - 1)];
    long max = 0;
    for (int e : events) {
      max = Math.max(max, totalMicros[e]);
    }
    int dominant = stages.get(0);
    double dominantMean = Double.NEGATIVE_INFINITY;
    for (int s : stages) {
      double sum = 0;
      for (int e : events) {
        sum += stageMicros[e][s];
      }
      double mean = sum / events.size();
      if (mean > dominantMean) {
        dominant = s;
        dominantMean = mean;
      }
    }
    return new Window(start - first, end - start, events.size(), max, dominant, dominantMean);
  }
}
