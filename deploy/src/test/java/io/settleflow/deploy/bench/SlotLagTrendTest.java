package io.settleflow.deploy.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SlotLagTrendTest {
  private static final long MIB = 1L << 20;

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        // case                                  | lag samples (bytes), in time order           |
        // bounded
        "flat                                    | 5000 6000 5000 6000 5000 6000                 | true",
        "sawtooth of a healthy relay             | 200000 900000 150000 800000 100000 950000     | true",
        "small absolute growth within 1 MiB      | 0 0 0 500000 500000 500000                    | true",
        "falling behind: grows every sample      | 1000000 2000000 3000000 4000000 5000000 6000000 | false",
        "last third doubled                      | 4000000 4000000 4000000 4000000 8000000 8000000 | false",
        "catching up                             | 9000000 8000000 5000000 2000000 1000000 500000 | true",
      })
  void lagIsBoundedWhenTheLastThirdIsNotWellAboveTheFirst(
      String name, String samples, boolean bounded) {
    long[] lag =
        java.util.Arrays.stream(samples.trim().split("\\s+")).mapToLong(Long::parseLong).toArray();
    assertThat(SlotLagTrend.of(lag).bounded()).isEqualTo(bounded);
  }

  @Test
  void thirdsAndMaxAreReported() {
    SlotLagTrend t = SlotLagTrend.of(new long[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
    assertThat(t.firstThirdMeanBytes()).isEqualTo(2.0);
    assertThat(t.lastThirdMeanBytes()).isEqualTo(8.0);
    assertThat(t.maxBytes()).isEqualTo(9);
    assertThat(t.bounded()).isTrue(); // 8 B is within the 1 MiB absolute tolerance
    assertThat(SlotLagTrend.TOLERANCE_BYTES).isEqualTo(MIB);
  }

  @Test
  void tooFewSamplesAreRejected() {
    assertThatThrownBy(() -> SlotLagTrend.of(new long[] {1, 2}))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
