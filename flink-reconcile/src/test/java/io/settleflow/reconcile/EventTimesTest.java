package io.settleflow.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EventTimesTest {
  @ParameterizedTest(name = "{0} + {1} = {2}")
  @CsvSource({
    "1, 2, 3",
    "-5, 3, -2",
    "0, 0, 0",
    "9223372036854775000, 1000, 9223372036854775807",
    "9223372036854775807, 9223372036854775807, 9223372036854775807",
    "-9223372036854775000, -1000, -9223372036854775808",
    "-9223372036854775808, -1, -9223372036854775808",
    "9223372036854775807, -1, 9223372036854775806",
    "-9223372036854775808, 9223372036854775807, -1"
  })
  void addsOrClampsAtTheEnds(long a, long b, long sum) {
    assertThat(EventTimes.saturatingAdd(a, b)).isEqualTo(sum);
    assertThat(EventTimes.saturatingAdd(b, a)).isEqualTo(sum);
  }
}
