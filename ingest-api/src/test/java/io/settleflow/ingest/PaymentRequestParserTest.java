package io.settleflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.YearMonth;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PaymentRequestParserTest {
  static final YearMonth NOW = YearMonth.of(2026, 11);
  static final String VALID =
      "{\"amount_minor\": 1999, \"currency\": \"EUR\", \"reference\": \"order-17\","
          + " \"card\": {\"number\": \"4242424242424242\", \"exp_month\": 12, \"exp_year\": 2030}}";

  @Test
  void aValidRequestParses() {
    assertThat(parse(VALID)).isEqualTo(new PaymentRequest(1999, "EUR", "order-17", "4242424242424242", 12, 2030));
  }

  @Test
  void referenceIsOptional() {
    assertThat(parse(VALID.replace("\"reference\": \"order-17\",", "")).reference()).isNull();
    assertThat(parse(VALID.replace("\"order-17\"", "null")).reference()).isNull();
  }

  @Test
  void aCardExpiringThisMonthIsStillValid() {
    assertThat(parse(VALID.replace("\"exp_month\": 12", "\"exp_month\": 11").replace("2030", "2026")).expYear())
        .isEqualTo(2026);
  }

  @Test
  void theStringFormNeverShowsTheCardNumber() {
    assertThat(parse(VALID).toString()).doesNotContain("4242424242424242").contains("****4242");
  }

  /** One line per rejected body: the change to the valid body, the field named, the code. */
  @ParameterizedTest(name = "{0} -> {2} {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "\"amount_minor\": 1999 => \"amount_minor\": 0                 | amount_minor    | invalid_field",
        "\"amount_minor\": 1999 => \"amount_minor\": -1                | amount_minor    | invalid_field",
        "\"amount_minor\": 1999 => \"amount_minor\": 1000000000001     | amount_minor    | invalid_field",
        "\"amount_minor\": 1999 => \"amount_minor\": 99999999999999999999 | amount_minor | invalid_field",
        "\"amount_minor\": 1999 => \"amount_minor\": 19.99             | amount_minor    | invalid_field",
        "\"amount_minor\": 1999 => \"amount_minor\": \"1999\"          | amount_minor    | invalid_field",
        "\"amount_minor\": 1999 => \"amount_minor\": null              | amount_minor    | missing_field",
        "\"amount_minor\": 1999, =>                                    | amount_minor    | missing_field",
        "\"EUR\" => \"eur\"                                            | currency        | invalid_field",
        "\"EUR\" => \"ABC\"                                            | currency        | invalid_field",
        "\"EUR\" => \"XAU\"                                            | currency        | invalid_field",
        "\"EUR\" => \"EURO\"                                           | currency        | invalid_field",
        "\"EUR\" => 978                                                | currency        | invalid_field",
        "\"currency\": \"EUR\", =>                                     | currency        | missing_field",
        "\"order-17\" => 17                                            | reference       | invalid_field",
        "\"order-17\" => \"" + "r" + "\" REPEAT129                      | reference       | invalid_field",
        "\"4242424242424242\" => \"4242424242424241\"                  | card.number     | card_number_invalid",
        "\"4242424242424242\" => \"4242 4242 4242 4242\"               | card.number     | invalid_field",
        "\"4242424242424242\" => \"42424242424\"                       | card.number     | invalid_field",
        "\"4242424242424242\" => \"42424242424242424242\"              | card.number     | invalid_field",
        "\"4242424242424242\" => 4242424242424242                      | card.number     | invalid_field",
        "\"number\": \"4242424242424242\", =>                          | card.number     | missing_field",
        "\"exp_month\": 12 => \"exp_month\": 13                        | card.exp_month  | invalid_field",
        "\"exp_month\": 12 => \"exp_month\": 0                         | card.exp_month  | invalid_field",
        "\"exp_month\": 12 => \"exp_month\": \"12\"                    | card.exp_month  | invalid_field",
        "\"exp_year\": 2030 => \"exp_year\": 2025                      | card.exp_year   | card_expired",
        "\"exp_month\": 12, \"exp_year\": 2030 => \"exp_month\": 10, \"exp_year\": 2026 | card.exp_month | card_expired",
        "\"exp_year\": 2030 => \"exp_year\": 30                        | card.exp_year   | invalid_field",
        "\"exp_year\": 2030 => \"exp_year\": 9999                      | card.exp_year   | invalid_field",
        "{\"number\": \"4242424242424242\", \"exp_month\": 12, \"exp_year\": 2030} => \"4242424242424242\" | card | invalid_field",
        "\"currency\" => \"curency\"                                   | curency         | unknown_field",
        "\"exp_year\" => \"cvc\": 123, \"exp_year\"                    | card.cvc        | unknown_field",
      })
  void anInvalidFieldIsRejectedWithItsName(String change, String field, String code) {
    String body = apply(change);

    assertThatThrownBy(() -> parse(body))
        .isInstanceOfSatisfying(
            ProblemException.class,
            e -> {
              assertThat(e.problem().status()).isEqualTo(400);
              assertThat(e.problem().field()).isEqualTo(field);
              assertThat(e.problem().code()).isEqualTo(code);
              assertThat(e.problem().detail()).doesNotContain("4242424242424242");
            });
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "''",
        "{",
        "{\"amount_minor\": 1999,}",
        "{\"card\": {\"number\": \"4242424242424242\"",
        "{\"amount_minor\": 1, \"amount_minor\": 2}",
        "{} {}",
        "not json 4242424242424242",
      })
  void malformedJsonIsRejectedWithoutEchoingTheBody(String body) {
    assertThatThrownBy(() -> parse(body))
        .isInstanceOfSatisfying(
            ProblemException.class,
            e -> {
              assertThat(e.problem().code()).isEqualTo("malformed_json");
              assertThat(e.problem().field()).isNull();
              assertThat(e.problem().detail()).doesNotContain("4242");
            });
  }

  @Test
  void aBodyThatIsNotAnObjectIsRejected() {
    assertThatThrownBy(() -> parse("[1, 2]"))
        .isInstanceOfSatisfying(ProblemException.class, e -> assertThat(e.problem().code()).isEqualTo("invalid_body"));
  }

  static PaymentRequest parse(String body) {
    return PaymentRequestParser.parse(body.getBytes(StandardCharsets.UTF_8), NOW);
  }

  /** "from => to" replaces the first occurrence in the valid body; REPEAT129 makes a long string. */
  static String apply(String change) {
    String[] parts = change.split("=>", -1);
    String to = parts[1].trim();
    if (to.contains("REPEAT129")) {
      to = "\"" + "r".repeat(129) + "\"";
    }
    String body = VALID.replaceFirst(java.util.regex.Pattern.quote(parts[0].trim()), java.util.regex.Matcher.quoteReplacement(to));
    assertThat(body).as("the change applies").isNotEqualTo(VALID);
    return body;
  }
}
