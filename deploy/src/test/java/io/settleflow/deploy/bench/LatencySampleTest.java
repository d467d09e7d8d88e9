package io.settleflow.deploy.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LatencySampleTest {
  /** 100 operations taking 1..100 ms, in scrambled order, over 2 s. */
  private static LatencySample hundred() {
    long[] nanos = new long[100];
    for (int i = 0; i < 100; i++) {
      nanos[(i * 37) % 100] = (i + 1) * 1_000_000L;
    }
    return LatencySample.of(nanos, 2_000_000_000L);
  }

  @ParameterizedTest
  @CsvSource({"0.50, 50", "0.99, 99", "1.0, 100", "0.01, 1", "0.0, 1"})
  void quantilesAreNearestRank(double q, double expectedMs) {
    assertThat(hundred().quantileMs(q)).isEqualTo(expectedMs);
  }

  @Test
  void throughputIsOperationsOverElapsedTime() {
    assertThat(hundred().perSecond()).isCloseTo(50.0, within(1e-9));
  }

  @Test
  void anEmptySampleReportsZeros() {
    LatencySample empty = LatencySample.of(new long[0], 0);
    assertThat(empty.perSecond()).isZero();
    assertThat(empty.quantileMs(0.99)).isZero();
  }

  @Test
  void resultLineNamesTheRatiosTheIssueDefines() {
    LatencySample raw = LatencySample.of(new long[] {10_000_000L, 20_000_000L}, 1_000_000_000L);
    LatencySample api = LatencySample.of(new long[] {40_000_000L}, 1_000_000_000L);
    assertThat(new IngestBenchmark.Result(raw, api).resultLine())
        .startsWith("RESULT ingest throughput_ratio=0.50 p99_ratio=2.00 api_rps=1 raw_tps=2");
  }
}
