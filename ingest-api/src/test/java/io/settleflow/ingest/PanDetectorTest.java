package io.settleflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PanDetectorTest {
  static final ObjectMapper JSON = new ObjectMapper();

  /** One line per value: does it look like a card number? */
  @ParameterizedTest(name = "[{index}] \"{0}\" -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "4242424242424242       | true", // 16 digits, Luhn
        "4242 4242 4242 4242    | true", // grouped by spaces
        "4242-4242-4242-4242    | true", // grouped by dashes
        "378282246310005        | true", // 15 (amex)
        "4222222222222          | true", // 13 digits, the shortest
        "6011000990139424       | true",
        "4242424242424241       | false", // fails Luhn
        "424242424242           | false", // 12 digits
        "42424242424242424242   | false", // 20 digits
        "4242  4242 4242 4242   | false", // double separator
        "' 4242424242424242'    | false", // leading separator
        "'4242424242424242 '    | false", // trailing separator
        "4242424242424242x      | false",
        "order-4242424242424242 | false", // text around digits is a reference, not a card
        "2026-11-25             | false",
        "''                     | false",
      })
  void aValueLooksLikeACardNumberOnlyWhenItIsOne(String value, boolean pan) {
    assertThat(PanDetector.looksLikePan(value)).isEqualTo(pan);
  }

  /** One line per body: the pointer of the PAN found, or none. */
  @ParameterizedTest(name = "[{index}] {0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"amount_minor\": 1999, \"reference\": \"order-17\"}                      | none",
        "{\"card\": {\"number\": \"4242424242424242\"}}                              | /card/number",
        "{\"a\": [1, {\"b\": \"5555 5555 5555 4444\"}]}                               | /a/1/b",
        "{\"n\": 4242424242424242}                                                  | /n",
        "{\"n\": 4242424242424242.0}                                                | none",
        "{\"x~y/z\": \"4242424242424242\"}                                           | /x~0y~1z",
        "{\"o\": {\"4242424242424242\": true}}                                       | /o",
        "\"4242424242424242\"                                                       | ''",
      })
  void thePanIsFoundAnywhereAndNamedByPointer(String body, String pointer) throws Exception {
    Optional<String> found = PanDetector.find(JSON.readTree(body));
    if (pointer.equals("none")) {
      assertThat(found).isEmpty();
    } else {
      assertThat(found).hasValue(pointer);
    }
  }
}
