package io.settleflow.feeds;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RejectedLineTest {
  static Stream<Arguments> reasons() {
    return Stream.of(
        Arguments.of(
            "currency: 'ZZZ' is not an ISO 4217 code", "currency", "'ZZZ' is not an ISO 4217 code"),
        Arguments.of(
            "Ntry/Amt: '10.005' has more than 2 decimal places for EUR",
            "Ntry/Amt",
            "'10.005' has more than 2 decimal places for EUR"),
        Arguments.of(
            "Transaction Debit or Credit: 'XX' is not CR or DR",
            "Transaction Debit or Credit",
            "'XX' is not CR or DR"),
        // only the first ': ' separates; the problem may quote values with colons
        Arguments.of(
            "settled_at: '10:00' is not an ISO-8601 instant or date",
            "settled_at",
            "'10:00' is not an ISO-8601 instant or date"),
        Arguments.of("no field named here", null, "no field named here"));
  }

  @ParameterizedTest
  @MethodSource("reasons")
  void aReasonSplitsIntoItsFieldAndItsProblem(String reason, String field, String problem) {
    RejectedLine rejected = new RejectedLine(7, reason);
    assertThat(rejected.field()).isEqualTo(field);
    assertThat(rejected.problem()).isEqualTo(problem);
    assertThat(rejected.reason()).isEqualTo(reason);
  }

  @Test
  void aCardNumberInAReasonIsMaskedInEveryPart() {
    RejectedLine rejected =
        new RejectedLine(3, "payment_reference: '4111111111111111' is too long");
    assertThat(rejected.problem()).isEqualTo("'################' is too long");
    assertThat(rejected.reason()).doesNotContain("4111");
  }
}
