package io.settleflow.deploy.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CdcBenchmarkOptionsTest {
  private static CdcBenchmark.Options options(int pollMs, long warmUpSeconds, double maxRate) {
    return new CdcBenchmark.Options(
        16,
        Duration.ofSeconds(20),
        Duration.ofSeconds(30),
        Duration.ofSeconds(120),
        false,
        pollMs,
        Duration.ofSeconds(warmUpSeconds),
        maxRate);
  }

  @ParameterizedTest(name = "poll {0} ms, warm-up {1} s, max rate {2} -> accepted")
  @CsvSource({"0, 60, 0", "1, 0, 0", "1000, 30, 400", "10, 60, 0.5"})
  void acceptsTheRanges(int pollMs, long warmUpSeconds, double maxRate) {
    assertThat(options(pollMs, warmUpSeconds, maxRate).cdcPollIntervalMs()).isEqualTo(pollMs);
  }

  @ParameterizedTest(name = "poll {0} ms, warm-up {1} s, max rate {2} -> names {3}")
  @CsvSource({
    "-1, 60, 0, --cdc-poll-interval-ms",
    "1001, 60, 0, --cdc-poll-interval-ms",
    "0, -1, 0, --warmup-seconds",
    "0, 60, -5, --max-rate",
    "0, 60, NaN, --max-rate",
    "0, 60, Infinity, --max-rate"
  })
  void rejectsOutOfRangeNamingTheOption(
      int pollMs, long warmUpSeconds, double maxRate, String option) {
    assertThatThrownBy(() -> options(pollMs, warmUpSeconds, maxRate))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(option);
  }

  @Test
  void theShortConstructorWarmsUpAndProbesWithTheFilesPollInterval() {
    CdcBenchmark.Options o =
        new CdcBenchmark.Options(
            16, Duration.ofSeconds(20), Duration.ofSeconds(30), Duration.ofSeconds(120));
    assertThat(o.warmUp()).isEqualTo(CdcBenchmark.DEFAULT_WARM_UP);
    assertThat(o.fixedMaxPerSecond()).isZero();
    assertThat(o.cdcPollIntervalMs()).isZero();
  }
}
