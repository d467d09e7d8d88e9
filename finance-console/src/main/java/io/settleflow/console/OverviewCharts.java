package io.settleflow.console;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The overview's three charts as inline SVG: match rate per processor and day, open mismatches by
 * kind, open mismatches by age. Pure: the caller reads the numbers and passes the time in.
 */
public final class OverviewCharts {
  private OverviewCharts() {}

  public static String matchRates(List<MatchRate> rates) {
    List<SvgBarChart.Bar> bars = new ArrayList<>();
    for (MatchRate r : rates) {
      BigDecimal percent = r.percent();
      if (percent == null) {
        continue;
      }
      bars.add(
          new SvgBarChart.Bar(
              r.label(),
              percent.doubleValue(),
              percent.toPlainString()
                  + " % ("
                  + r.matched()
                  + "/"
                  + (r.matched() + r.mismatched())
                  + ")"));
    }
    return SvgBarChart.render("Match rate per processor and day", bars, 100);
  }

  public static String openByKind(Map<String, Long> counts) {
    List<SvgBarChart.Bar> bars = new ArrayList<>();
    counts.forEach(
        (kind, n) -> bars.add(new SvgBarChart.Bar(kind, n.doubleValue(), Long.toString(n))));
    return SvgBarChart.render("Open mismatches by kind", bars, 0);
  }

  /** Every bucket is drawn, empty ones too, so the chart keeps its shape from day to day. */
  public static String openByAge(List<Instant> detectedAt, Instant now) {
    Map<AgeBucket, Long> counts = new EnumMap<>(AgeBucket.class);
    for (AgeBucket b : AgeBucket.values()) {
      counts.put(b, 0L);
    }
    for (Instant at : detectedAt) {
      counts.merge(AgeBucket.of(Duration.between(at, now)), 1L, Long::sum);
    }
    List<SvgBarChart.Bar> bars = new ArrayList<>();
    counts.forEach(
        (bucket, n) ->
            bars.add(new SvgBarChart.Bar(bucket.label(), n.doubleValue(), Long.toString(n))));
    return SvgBarChart.render("Open mismatches by age", bars, 0);
  }
}
