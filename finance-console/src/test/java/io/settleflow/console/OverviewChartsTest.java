package io.settleflow.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OverviewChartsTest {
  static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "PT-5M, UNDER_1_HOUR",
    "PT0S, UNDER_1_HOUR",
    "PT59M59S, UNDER_1_HOUR",
    "PT1H, UNDER_1_DAY",
    "PT23H59M, UNDER_1_DAY",
    "P1D, UNDER_1_WEEK",
    "P6DT23H, UNDER_1_WEEK",
    "P7D, OLDER",
    "P400D, OLDER",
  })
  void ageBuckets(Duration age, AgeBucket bucket) {
    assertThat(AgeBucket.of(age)).isEqualTo(bucket);
  }

  @ParameterizedTest(name = "{0}/{1} -> {2}")
  @CsvSource(
      nullValues = "NULL",
      value = {"199, 1, 99.5", "1, 0, 100.0", "0, 3, 0.0", "2, 1, 66.7", "0, 0, NULL"})
  void matchRatePercent(long matched, long mismatched, BigDecimal percent) {
    assertThat(new MatchRate("adyen", LocalDate.of(2026, 3, 1), matched, mismatched).percent())
        .isEqualTo(percent);
  }

  @Test
  void matchRateChartDrawsOneBarPerProcessorAndDayScaledToHundred() {
    String svg =
        OverviewCharts.matchRates(
            List.of(
                new MatchRate("adyen", LocalDate.of(2026, 3, 2), 1, 1),
                new MatchRate("stripe", LocalDate.of(2026, 3, 2), 3, 0),
                new MatchRate("empty", LocalDate.of(2026, 3, 2), 0, 0)));
    assertThat(svg).startsWith("<svg").endsWith("</svg>");
    assertThat(svg).contains("adyen 2026-03-02").contains("50.0 % (1/2)");
    assertThat(svg).contains("stripe 2026-03-02").contains("100.0 % (3/3)");
    assertThat(svg).doesNotContain("empty 2026");
    int room = SvgBarChart.WIDTH - SvgBarChart.LABEL_WIDTH - SvgBarChart.VALUE_WIDTH;
    assertThat(svg).contains("width=\"" + room / 2 + "\"").contains("width=\"" + room + "\"");
  }

  @Test
  void ageChartKeepsEveryBucket() {
    String svg =
        OverviewCharts.openByAge(
            List.of(NOW.minus(Duration.ofMinutes(5)), NOW.minus(Duration.ofDays(10))), NOW);
    for (AgeBucket b : AgeBucket.values()) {
      assertThat(svg).contains(SvgBarChart.escape(b.label()));
    }
    assertThat(svg.split("<g class=\"bar\">", -1)).hasSize(AgeBucket.values().length + 1);
  }

  @Test
  void kindChartAndEmptyChart() {
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("AMOUNT_MISMATCH", 4L);
    counts.put("ORPHAN_SETTLEMENT", 2L);
    String svg = OverviewCharts.openByKind(counts);
    assertThat(svg).contains("AMOUNT_MISMATCH").contains(">4<").contains(">2<");
    assertThat(OverviewCharts.openByKind(Map.of())).contains("no data yet");
  }

  @Test
  void labelsAreEscapedAndBarsAreBounded() {
    List<SvgBarChart.Bar> bars = new ArrayList<>();
    bars.add(new SvgBarChart.Bar("<script>&\"'", 1, "x"));
    for (int i = 0; i < SvgBarChart.MAX_BARS + 5; i++) {
      bars.add(new SvgBarChart.Bar("b" + i, i, "v"));
    }
    String svg = SvgBarChart.render("t<", bars, 0);
    assertThat(svg).doesNotContain("<script>").contains("&lt;script&gt;&amp;&quot;&#39;");
    assertThat(svg).contains("t&lt;").contains("… and 6 more");
    assertThat(svg.split("<g class=\"bar\">", -1)).hasSize(SvgBarChart.MAX_BARS + 1);
  }
}
