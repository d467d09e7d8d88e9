package io.settleflow.deploy.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class E2eBenchmarkTest {
  @Test
  void latencyIsEndMinusStartForIdsSeenAtBothEnds() {
    Map<String, Long> start = Map.of("a", 1_000L, "b", 2_000L, "c", 3_000L);
    Map<String, Long> end = Map.of("a", 1_500L, "c", 9_000L, "x", 1L);

    long[] latencies = E2eBenchmark.latencies(List.of("a", "b", "c", "d"), start::get, end);

    // b was never seen at the end and d never started: both left out (the caller counts them)
    assertThat(latencies).containsExactlyInAnyOrder(500L, 6_000L);
  }

  @Test
  void aRecordSeenBeforeItsStartWasTakenCountsAsZeroNotNegative() {
    long[] latencies = E2eBenchmark.latencies(List.of("a"), id -> 2_000L, Map.of("a", 1_900L));

    assertThat(latencies).containsExactly(0L);
  }

  @Test
  void alertPathSplitIsInNanosecondsForIdsAtBothEndsAndNeverNegative() {
    Map<String, Long> committedMillis = Map.of("a", 1_000L, "b", 2_000L, "c", 3_000L);
    Map<String, Long> writtenMillis = Map.of("a", 1_120L, "c", 2_990L, "x", 5L);

    long[] split = E2eBenchmark.millisBetween(committedMillis, writtenMillis);

    // b never written: left out; c stamped 10 ms before the commit returned (clocks, the
    // commit's own round trip): 0
    assertThat(split).containsExactlyInAnyOrder(120_000_000L, 0L);
  }

  @Test
  void theProbeCountsOnlyFromTheFirstSampleAfterItsWarmUp() {
    long[] at = {0L, 1_000_000_000L, 2_000_000_000L, 3_000_000_000L, 4_000_000_000L};
    int[] accepted = {0, 5, 20, 50, 80};

    // warm-up to 1.5 s: counted from the 2 s sample, (80 - 20) in 2 s
    assertThat(E2eBenchmark.countedRate(at, accepted, 1_500_000_000L)).isEqualTo(30.0);
    // a warm-up ending exactly at a sample counts from that sample
    assertThat(E2eBenchmark.countedRate(at, accepted, 3_000_000_000L)).isEqualTo(30.0);
    assertThat(E2eBenchmark.countedRate(at, accepted, 0L)).isEqualTo(20.0);
    // nothing left to count: 0, not a division by zero
    assertThat(E2eBenchmark.countedRate(at, accepted, 3_500_000_000L)).isZero();
  }

  @Test
  void decisionsOverTheGoalAreCountedByTheSecondTheyStartedIn() {
    // id -> {start wall µs, latency ns}
    Map<String, long[]> runs =
        Map.of(
            "slow-at-10s", new long[] {10_000_000L, 300_000_000L},
            "slow-late-in-10s", new long[] {10_999_999L, 251_000_000L},
            "exactly-the-goal", new long[] {10_500_000L, 250_000_000L},
            "fast", new long[] {11_000_000L, 10_000_000L},
            "slow-at-12s", new long[] {12_000_000L, 900_000_000L});

    Map<Long, Integer> bySecond =
        E2eBenchmark.overGoalBySecond(
            runs.keySet(), id -> runs.get(id)[0], id -> runs.get(id)[1], 250_000_000L);

    // over the goal only, strictly; grouped by the epoch second of their start
    assertThat(bySecond).containsExactly(Map.entry(10L, 2), Map.entry(12L, 1));
  }

  @Test
  void theResultLineCarriesTheIssuesKeys() {
    E2eBenchmark.Result result =
        new E2eBenchmark.Result(
            200,
            100,
            LatencySample.of(new long[] {100_000_000L, 200_000_000L}, 0),
            0,
            LatencySample.of(new long[] {1_500_000_000L}, 0),
            0,
            2_300);

    assertThat(result.resultLine())
        .isEqualTo("RESULT e2e decision_p99_ms=200.0 alert_p99_ms=1500.0 stack_rss_mb=2300");
  }
}
