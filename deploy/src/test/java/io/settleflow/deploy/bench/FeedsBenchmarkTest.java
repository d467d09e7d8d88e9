package io.settleflow.deploy.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How bench feeds turns alternating slices into its ratios. */
class FeedsBenchmarkTest {
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "3.0 | 3.0",
        "1.0, 9.0, 2.0 | 2.0",
        "4.0, 1.0, 3.0, 2.0 | 2.5",
        "0.32, 0.55, 0.53, 0.48, 0.9 | 0.53",
      })
  void medianIsTheMiddleValue(String values, double expected) {
    List<Double> list =
        java.util.Arrays.stream(values.split(",", -1))
            .map(String::strip)
            .map(Double::valueOf)
            .toList();
    assertThat(FeedsBenchmark.median(list)).isCloseTo(expected, within(1e-9));
  }

  @Test
  void medianOfNothingIsRefused() {
    assertThatThrownBy(() -> FeedsBenchmark.median(List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void eachSliceIsComparedWithTheFloorSliceMeasuredJustBeforeIt() {
    FeedsBenchmark.Slices slices = new FeedsBenchmark.Slices();
    // a floor that swings 2x between rounds, an importer that swings with it
    double[][] rounds = {{100_000, 55_000}, {200_000, 104_000}, {80_000, 40_000}};
    for (double[] r : rounds) {
      slices.add(new FeedsBenchmark.Slice(r[1], 2_000_000_000L), 100_000);
      slices.pairedFloorEps.add(r[0]);
    }

    assertThat(slices.ratios())
        .usingElementComparator((a, b) -> Math.abs(a - b) < 1e-9 ? 0 : Double.compare(a, b))
        .containsExactly(0.55, 0.52, 0.50);
    assertThat(FeedsBenchmark.median(slices.ratios())).isCloseTo(0.52, within(1e-9));
    // 6 s of CPU over 300,000 entries
    assertThat(slices.cpuMicrosPerEntry()).isCloseTo(20.0, within(1e-9));
  }

  @Test
  void optionsRefuseNoRoundsAndKeepTheDefaults() {
    assertThat(new FeedsBenchmark.Options(1_000))
        .isEqualTo(
            new FeedsBenchmark.Options(
                1_000, FeedsBenchmark.DEFAULT_ROUNDS, FeedsBenchmark.DEFAULT_WARMUP_ROUNDS));
    assertThatThrownBy(() -> new FeedsBenchmark.Options(1_000, 0, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rounds=0");
    assertThatThrownBy(() -> new FeedsBenchmark.Options(0, 3, 1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
