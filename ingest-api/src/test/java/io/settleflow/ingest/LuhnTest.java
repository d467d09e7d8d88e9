package io.settleflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LuhnTest {
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "4242424242424242, true", // Visa test card
    "4000056655665556, true", // Visa debit test card
    "5555555555554444, true", // Mastercard test card
    "378282246310005, true", // Amex test card (15 digits)
    "6011111111111117, true", // Discover test card
    "79927398713, true", // the textbook example
    "0, true",
    "4242424242424241, false", // last digit off by one
    "4242424242424224, false", // two digits swapped
    "79927398710, false",
    "4242-4242-4242-4242, false",
    "'', false",
  })
  void validatesTheMod10CheckDigit(String digits, boolean valid) {
    assertThat(Luhn.isValid(digits)).isEqualTo(valid);
  }
}
