package io.settleflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.YearMonth;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TokenizeRequestParserTest {
  static final YearMonth NOW = YearMonth.of(2026, 11);
  static final String VALID =
      "{\"card\": {\"number\": \"4242424242424242\", \"exp_month\": 12, \"exp_year\": 2030}}";

  @Test
  void aValidCardParses() {
    assertThat(parse(VALID)).isEqualTo(new CardDetails("4242424242424242", 12, 2030));
  }

  @Test
  void aGroupedNumberIsNormalizedToDigits() {
    assertThat(parse(VALID.replace("4242424242424242", "4242 4242-4242 4242")).number())
        .isEqualTo("4242424242424242");
  }

  @Test
  void aCardExpiringThisMonthIsStillValid() {
    assertThat(
            parse(VALID.replace("\"exp_month\": 12", "\"exp_month\": 11").replace("2030", "2026"))
                .expYear())
        .isEqualTo(2026);
  }

  @Test
  void theStringFormNeverShowsTheCardNumber() {
    assertThat(parse(VALID).toString()).doesNotContain("4242424242424242").contains("****4242");
  }

  /** One line per rejected body: the change, status, code, pointer. */
  @ParameterizedTest(name = "{0} -> {1} {2} {3}")
  @CsvSource(
      delimiter = '|',
      value = {
        "\"4242424242424242\" => \"4242424242424241\"     | 422 | card_number_invalid | /card/number",
        "\"4242424242424242\" => \"424242424242\"         | 422 | invalid_value       | /card/number",
        "\"4242424242424242\" => \"42424242424242424242\" | 422 | invalid_value       | /card/number",
        "\"4242424242424242\" => \"4242x4242424242424\"   | 422 | invalid_value       | /card/number",
        "\"4242424242424242\" => 4242424242424242         | 400 | invalid_field       | /card/number",
        "\"number\": \"4242424242424242\", =>             | 400 | missing_field       | /card/number",
        "\"exp_month\": 12 => \"exp_month\": 13           | 422 | invalid_value       | /card/exp_month",
        "\"exp_month\": 12 => \"exp_month\": \"12\"       | 400 | invalid_field       | /card/exp_month",
        "\"exp_year\": 2030 => \"exp_year\": 2025         | 422 | card_expired        | /card/exp_year",
        "\"exp_month\": 12, \"exp_year\": 2030 => \"exp_month\": 10, \"exp_year\": 2026 | 422 | card_expired | /card/exp_month",
        "\"exp_year\": 2030 => \"exp_year\": 9999         | 422 | invalid_value       | /card/exp_year",
        "\"exp_year\" => \"cvc\": 123, \"exp_year\"       | 400 | unknown_field       | /card/cvc",
        "\"card\" => \"kard\"                             | 400 | unknown_field       | /kard",
        "\"exp_year\" => \"4242 4242 4242 4242\": 1, \"exp_year\" | 422 | pan_not_allowed | /card",
        "\"card\" => \"5555555555554444\": 1, \"card\"  | 422 | pan_not_allowed     | ''",
      })
  void anInvalidCardIsRejectedWithStatusCodeAndPointer(
      String change, int status, String code, String pointer) {
    String[] parts = change.split("=>", -1);
    String body = VALID.replace(parts[0].trim(), parts[1].trim());
    assertThat(body).isNotEqualTo(VALID);

    assertThatThrownBy(() -> parse(body))
        .isInstanceOfSatisfying(
            ProblemException.class,
            e -> {
              assertThat(e.problem().status()).isEqualTo(status);
              assertThat(e.problem().code()).isEqualTo(code);
              assertThat(e.problem().pointer()).isEqualTo(pointer);
              assertThat(e.problem().detail())
                  .doesNotContain("4242424242")
                  .doesNotContain("4242 4242")
                  .doesNotContain("5555555555");
              assertThat(String.valueOf(e.problem().field()))
                  .doesNotContain("4242")
                  .doesNotContain("5555");
            });
  }

  static CardDetails parse(String body) {
    return TokenizeRequestParser.parse(body.getBytes(StandardCharsets.UTF_8), NOW);
  }
}
