package io.settleflow.deploy.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CdcStageBreakdownTest {
  private static final List<String> TWO = List.of("queue", "broker");

  /** 100 events: queue 5 ms, broker 2 ms, except event 99 whose queue took 300 ms. */
  private static CdcStageBreakdown oneQueueStall() {
    long[][] rows = new long[100][];
    long[] totals = new long[100];
    for (int e = 0; e < 100; e++) {
      long queue = e == 99 ? 300_000 : 5_000;
      rows[e] = new long[] {queue, 2_000};
      totals[e] = queue + 2_000;
    }
    return CdcStageBreakdown.of(TWO, rows, totals);
  }

  @Test
  void theTableHasAHeaderAndOneAlignedRowPerStage() {
    assertThat(oneQueueStall().tableLines("bench x:   ", "stage", 8))
        .containsExactly(
            "bench x:   stage         p50      p99      max  slow mean",
            "bench x:   queue         5.0      5.0    300.0      300.0",
            "bench x:   broker        2.0      2.0      2.0        2.0");
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        // stage | p50 ms | p99 ms | max ms | mean over the slow events, ms
        "queue   | 5.0    | 5.0    | 300.0  | 300.0",
        "broker  | 2.0    | 2.0    | 2.0    | 2.0",
      })
  void theSlowEventsShowWhichStageMadeTheTail(
      String stage, double p50, double p99, double max, double slowMean) {
    CdcStageBreakdown b = oneQueueStall();
    CdcStageBreakdown.Stage s =
        b.stages().stream().filter(x -> x.name().equals(stage)).findFirst().orElseThrow();
    assertThat(s.p50Ms()).isEqualTo(p50);
    assertThat(s.p99Ms()).isEqualTo(p99);
    assertThat(s.maxMs()).isEqualTo(max);
    assertThat(s.slowMeanMs()).isEqualTo(slowMean);
    assertThat(b.events()).isEqualTo(100);
    assertThat(b.slowEvents()).isEqualTo(1);
  }

  @Test
  void slowEventsAreTheSlowestOnePercentEvenWithTies() {
    long[][] rows = IntStream.range(0, 201).mapToObj(e -> new long[] {e, 0}).toArray(long[][]::new);
    long[] totals = IntStream.range(0, 201).mapToLong(e -> e).toArray();
    totals[0] = 200; // ties with the slowest

    CdcStageBreakdown b = CdcStageBreakdown.of(TWO, rows, totals);

    // ceil(2.01) = 3 of 201 events: the three largest totals (200 twice, 199)
    assertThat(b.slowEvents()).isEqualTo(3);
    assertThat(b.stages().get(0).slowMeanMs()).isBetween(0.0, 0.2);
    assertThat(CdcStageBreakdown.of(TWO, new long[][] {{4, 1}}, new long[] {5}).slowEvents())
        .isEqualTo(1);
  }

  @Test
  void noEventsGiveZeros() {
    CdcStageBreakdown b = CdcStageBreakdown.of(TWO, new long[0][], new long[0]);
    assertThat(b.events()).isZero();
    assertThat(b.stages()).extracting(CdcStageBreakdown.Stage::p99Ms).containsOnly(0.0);
  }

  @Test
  void rowsMustMatchTheStagesAndTheTotals() {
    assertThatThrownBy(() -> CdcStageBreakdown.of(TWO, new long[][] {{1, 2, 3}}, new long[] {6}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2 stages");
    assertThatThrownBy(() -> CdcStageBreakdown.of(TWO, new long[][] {{1, 2}}, new long[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1 stage rows for 0 totals");
  }
}
