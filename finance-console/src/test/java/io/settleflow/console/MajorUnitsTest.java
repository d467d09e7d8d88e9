package io.settleflow.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MajorUnitsTest {

  @ParameterizedTest(name = "{0} {1} -> {2} / {3}")
  @CsvSource(
      delimiter = '|',
      nullValues = "NULL",
      value = {
        // minor      | currency | plain          | display
        "12345        | EUR      | 123.45         | 123.45 EUR",
        "12345        | JPY      | 12345          | 12345 JPY",
        "12345        | BHD      | 12.345         | 12.345 BHD",
        "-5           | USD      | -0.05          | -0.05 USD",
        "0            | GBP      | 0.00           | 0.00 GBP",
        "1            | KWD      | 0.001          | 0.001 KWD",
        "100          | CLF      | 0.0100         | 0.0100 CLF",
        "9223372036854775807 | EUR | 92233720368547758.07 | 92233720368547758.07 EUR",
        "777          | XXX      | 777            | 777 minor units XXX",
        "777          | ZZZ      | 777            | 777 minor units ZZZ",
        "777          | eur      | 777            | 777 minor units eur",
        "777          | NULL     | 777            | 777 minor units ???",
      })
  void formatsInTheCurrencysOwnPrecision(
      long minor, String currency, String plain, String display) {
    assertThat(MajorUnits.plain(minor, currency)).isEqualTo(plain);
    assertThat(MajorUnits.display(minor, currency)).isEqualTo(display);
  }

  @Test
  void missingAmountsStayEmpty() {
    assertThat(MajorUnits.plain(null, "EUR")).isNull();
    assertThat(MajorUnits.display(null, "EUR")).isEmpty();
  }

  @ParameterizedTest(name = "{0} vs {1} -> {2}")
  @CsvSource(
      nullValues = "NULL",
      value = {"10000, 9900, -100", "100, 150, 50", "NULL, 5, NULL", "5, NULL, NULL", "7, 7, 0"})
  void differenceIsActualMinusExpected(Long expected, Long actual, Long difference) {
    assertThat(MajorUnits.difference(expected, actual)).isEqualTo(difference);
  }

  @Test
  void differenceNeverWrapsAround() {
    assertThatThrownBy(() -> MajorUnits.difference(Long.MIN_VALUE, Long.MAX_VALUE))
        .isInstanceOf(ArithmeticException.class);
  }
}
