package io.settleflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MovementRequestParserTest {
  /** One line per body: whether the movement takes an amount, then the amount or the problem. */
  @ParameterizedTest(name = "[{index}] takes amount {1}: {0} -> {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "''                              | true  | all",
        "'   '                           | true  | all",
        "{}                              | true  | all",
        "{\"amount_minor\": null}        | true  | all",
        "{\"amount_minor\": 1}           | true  | 1",
        "{\"amount_minor\": 1000000000000} | true | 1000000000000",
        "{\"amount_minor\": 0}           | true  | 422 amount_out_of_range amount_minor",
        "{\"amount_minor\": -5}          | true  | 422 amount_out_of_range amount_minor",
        "{\"amount_minor\": 1000000000001} | true | 422 amount_out_of_range amount_minor",
        "{\"amount_minor\": 1.5}         | true  | 422 amount_precision amount_minor",
        "{\"amount_minor\": \"5\"}       | true  | 400 invalid_field amount_minor",
        "{\"note\": \"4242424242424242\"} | true | 422 pan_not_allowed note",
        "{\"amount_minor\": 4242424242424242} | false | 422 pan_not_allowed amount_minor",
        "{\"amount\": 5}                 | true  | 400 unknown_field amount",
        "{\"amount_minor\": 5, \"amount_minor\": 6} | true | 400 malformed_json null",
        "[5]                             | true  | 400 invalid_body null",
        "{\"amount_minor\": 5            | true  | 400 malformed_json null",
        "''                              | false | all",
        "{}                              | false | all",
        "{\"amount_minor\": 5}           | false | 400 unknown_field amount_minor",
      })
  void aMovementBodyParsesToAnAmountOrAProblem(String body, boolean takesAmount, String expected) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    if (expected.equals("all")) {
      assertThat(
              MovementRequestParser.parse(
                  bytes, takesAmount, PaymentRequestParser.MAX_AMOUNT_MINOR))
          .isEqualTo(OptionalLong.empty());
    } else if (!expected.contains(" ")) {
      assertThat(
              MovementRequestParser.parse(
                  bytes, takesAmount, PaymentRequestParser.MAX_AMOUNT_MINOR))
          .isEqualTo(OptionalLong.of(Long.parseLong(expected)));
    } else {
      String[] codeAndField = expected.split(" ", -1);
      assertThatThrownBy(
              () ->
                  MovementRequestParser.parse(
                      bytes, takesAmount, PaymentRequestParser.MAX_AMOUNT_MINOR))
          .isInstanceOfSatisfying(
              ProblemException.class,
              e -> {
                assertThat(e.problem().status()).isEqualTo(Integer.parseInt(codeAndField[0]));
                assertThat(e.problem().code()).isEqualTo(codeAndField[1]);
                assertThat(String.valueOf(e.problem().field())).isEqualTo(codeAndField[2]);
                assertThat(e.problem().detail()).doesNotContain("4242");
              });
    }
  }
}
