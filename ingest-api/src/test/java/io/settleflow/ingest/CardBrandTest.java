package io.settleflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CardBrandTest {
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "4242424242424242, visa",
    "5555555555554444, mastercard",
    "2223003122003222, mastercard",
    "378282246310005, amex",
    "6011111111111117, discover",
    "3566002020360505, jcb",
    "36227206271667, diners",
    "9999999999999995, ''",
  })
  void theBrandFollowsTheLeadingDigits(String pan, String brand) {
    assertThat(CardBrand.of(pan).orElse("")).isEqualTo(brand);
  }
}
