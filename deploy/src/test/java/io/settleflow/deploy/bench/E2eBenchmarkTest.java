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
