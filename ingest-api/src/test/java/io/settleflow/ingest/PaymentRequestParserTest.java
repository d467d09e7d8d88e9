package io.settleflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PaymentRequestParserTest {
  static final long MAX = PaymentRequestParser.MAX_AMOUNT_MINOR;
  static final String TOKEN = "tok_AbC-_123";
  static final String VALID =
      "{\"amount_minor\": 1999, \"currency\": \"EUR\", \"reference\": \"order-17\", \"card_token\": \""
          + TOKEN
          + "\"}";

  @Test
  void aValidRequestParses() {
    assertThat(parse(VALID)).isEqualTo(new PaymentRequest(1999, "EUR", "order-17", TOKEN));
  }

  @Test
  void referenceIsOptional() {
    assertThat(parse(VALID.replace("\"reference\": \"order-17\",", "")).reference()).isNull();
    assertThat(parse(VALID.replace("\"order-17\"", "null")).reference()).isNull();
  }

  @Test
  void theConfiguredMaximumIsAllowedAndOneMoreIsNot() {
    byte[] atMax = VALID.replace("1999", "5000").getBytes(StandardCharsets.UTF_8);
    byte[] above = VALID.replace("1999", "5001").getBytes(StandardCharsets.UTF_8);

    assertThat(PaymentRequestParser.parse(atMax, 5000).amountMinor()).isEqualTo(5000);
    assertThatThrownBy(() -> PaymentRequestParser.parse(above, 5000))
        .isInstanceOfSatisfying(
            ProblemException.class,
            e -> {
              assertThat(e.problem().status()).isEqualTo(422);
              assertThat(e.problem().code()).isEqualTo("amount_out_of_range");
              assertThat(e.problem().pointer()).isEqualTo("/amount_minor");
            });
  }

  /** One line per rejected body: the change to the valid body, status, code, field, pointer. */
  @ParameterizedTest(name = "{0} -> {1} {2} {3}")
  @CsvSource(
      delimiter = '|',
      value = {
        "\"amount_minor\": 1999 => \"amount_minor\": 0                 | 422 | amount_out_of_range | amount_minor | /amount_minor",
        "\"amount_minor\": 1999 => \"amount_minor\": -1                | 422 | amount_out_of_range | amount_minor | /amount_minor",
        "\"amount_minor\": 1999 => \"amount_minor\": 1000000000001     | 422 | amount_out_of_range | amount_minor | /amount_minor",
        "\"amount_minor\": 1999 => \"amount_minor\": 99999999999999999999 | 422 | amount_out_of_range | amount_minor | /amount_minor",
        "\"amount_minor\": 1999 => \"amount_minor\": 19.99             | 422 | amount_precision    | amount_minor | /amount_minor",
        "\"amount_minor\": 1999 => \"amount_minor\": 1999.0            | 422 | amount_precision    | amount_minor | /amount_minor",
        "\"amount_minor\": 1999 => \"amount_minor\": 2e3               | 422 | amount_precision    | amount_minor | /amount_minor",
        "\"amount_minor\": 1999 => \"amount_minor\": \"1999\"          | 400 | invalid_field       | amount_minor | /amount_minor",
        "\"amount_minor\": 1999 => \"amount_minor\": true              | 400 | invalid_field       | amount_minor | /amount_minor",
        "\"amount_minor\": 1999 => \"amount_minor\": null              | 400 | missing_field       | amount_minor | /amount_minor",
        "\"amount_minor\": 1999, =>                                    | 400 | missing_field       | amount_minor | /amount_minor",
        "\"EUR\" => \"eur\"                                            | 422 | unknown_currency    | currency     | /currency",
        "\"EUR\" => \"ABC\"                                            | 422 | unknown_currency    | currency     | /currency",
        "\"EUR\" => \"XAU\"                                            | 422 | unknown_currency    | currency     | /currency",
        "\"EUR\" => \"EURO\"                                           | 422 | unknown_currency    | currency     | /currency",
        "\"EUR\" => 978                                                | 400 | invalid_field       | currency     | /currency",
        "\"currency\": \"EUR\", =>                                     | 400 | missing_field       | currency     | /currency",
        "\"order-17\" => 17                                            | 400 | invalid_field       | reference    | /reference",
        "\"order-17\" => REPEAT129                                     | 422 | invalid_value       | reference    | /reference",
        "\"tok_AbC-_123\" => \"card_123\"                              | 422 | invalid_card_token  | card_token   | /card_token",
        "\"tok_AbC-_123\" => \"tok_\"                                  | 422 | invalid_card_token  | card_token   | /card_token",
        "\"tok_AbC-_123\" => \"tok_a b\"                               | 422 | invalid_card_token  | card_token   | /card_token",
        "\"tok_AbC-_123\" => 17                                        | 400 | invalid_field       | card_token   | /card_token",
        "\"order-17\", \"card_token\": \"tok_AbC-_123\" => \"order-17\" | 400 | missing_field | card_token | /card_token",
        "\"currency\" => \"curency\"                                   | 400 | unknown_field       | curency      | /curency",
        "\"card_token\" => \"card\": {\"number\": \"4242424242424242\"}, \"card_token\" | 422 | pan_not_allowed | card.number | /card/number",
        "\"order-17\" => \"4242 4242 4242 4242\"                       | 422 | pan_not_allowed     | reference    | /reference",
        "\"order-17\" => \"4000-0566-5566-5556\"                       | 422 | pan_not_allowed     | reference    | /reference",
        "\"amount_minor\": 1999 => \"amount_minor\": 4242424242424242  | 422 | pan_not_allowed     | amount_minor | /amount_minor",
        "\"reference\" => \"4242424242424242\": 1, \"reference\"       | 422 | pan_not_allowed     | null         | ''",
        "\"reference\" => \"meta\": {\"a/b\": [\"x\", \"378282246310005\"]}, \"reference\" | 422 | pan_not_allowed | meta.a~1b.1 | /meta/a~1b/1",
      })
  void anInvalidFieldIsRejectedWithStatusCodeAndPointer(
      String change, int status, String code, String field, String pointer) {
    String body = apply(change);

    assertThatThrownBy(() -> parse(body))
        .isInstanceOfSatisfying(
            ProblemException.class,
            e -> {
              assertThat(e.problem().status()).isEqualTo(status);
              assertThat(e.problem().code()).isEqualTo(code);
              assertThat(String.valueOf(e.problem().field())).isEqualTo(field);
              assertThat(e.problem().pointer()).isEqualTo(pointer);
              assertThat(e.problem().detail())
                  .doesNotContain("4242")
                  .doesNotContain("3782")
                  .doesNotContain("5556");
            });
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "''",
        "{",
        "{\"amount_minor\": 1999,}",
        "{\"card_token\": \"4242424242424242\"",
        "{\"amount_minor\": 1, \"amount_minor\": 2}",
        "{} {}",
        "not json 4242424242424242",
      })
  void malformedJsonIsRejectedWithoutEchoingTheBody(String body) {
    assertThatThrownBy(() -> parse(body))
        .isInstanceOfSatisfying(
            ProblemException.class,
            e -> {
              assertThat(e.problem().status()).isEqualTo(400);
              assertThat(e.problem().code()).isEqualTo("malformed_json");
              assertThat(e.problem().field()).isNull();
              assertThat(e.problem().detail()).doesNotContain("4242");
            });
  }

  @Test
  void aBodyThatIsNotAnObjectIsRejected() {
    assertThatThrownBy(() -> parse("[1, 2]"))
        .isInstanceOfSatisfying(
            ProblemException.class, e -> assertThat(e.problem().code()).isEqualTo("invalid_body"));
  }

  @Test
  void aPanIsFoundBeforeTheShapeIsChecked() {
    // Otherwise "unknown_field" would quote a field named by the PAN.
    assertThatThrownBy(() -> parse("[\"5555555555554444\"]"))
        .isInstanceOfSatisfying(
            ProblemException.class,
            e -> {
              assertThat(e.problem().code()).isEqualTo("pan_not_allowed");
              assertThat(e.problem().pointer()).isEqualTo("/0");
            });
  }

  static PaymentRequest parse(String body) {
    return PaymentRequestParser.parse(body.getBytes(StandardCharsets.UTF_8), MAX);
  }

  /**
   * "from => to" replaces the first occurrence in the valid body; REPEAT129 makes a long string.
   */
  static String apply(String change) {
    String[] parts = change.split("=>", -1);
    String from = parts[0].trim();
    String to = parts[1].trim();
    if (to.contains("REPEAT129")) {
      to = "\"" + "r".repeat(129) + "\"";
    }
    String body =
        VALID.replaceFirst(
            java.util.regex.Pattern.quote(from), java.util.regex.Matcher.quoteReplacement(to));
    assertThat(body).as("the change applies").isNotEqualTo(VALID);
    return body;
  }
}
