package io.settleflow.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CompensationTest {
  static final String PAYMENT = "6f1c2b4e-8a5d-4f7e-9c3b-2d1e0f9a8b7c";
  static final Instant T = Instant.parse("2026-03-01T09:00:00Z");

  static Alert alert(String kind, String payment, Long expected, Long actual) {
    return new Alert(
        "mm-1",
        kind,
        "acme",
        payment,
        "set-1",
        "adyen",
        expected,
        actual,
        "EUR",
        AlertSeverity.LOW,
        AlertStatus.OPEN,
        null,
        "r@1",
        "d",
        T,
        T,
        T,
        null);
  }

  @ParameterizedTest(name = "{0} -> {1} {2}, {3} {4}")
  @CsvSource({
    // expected, actual, first account,             amount, second account,             amount
    "10000, 9900,  reconciliation_differences, 100, card_receivables,           -100",
    "10000, 10250, card_receivables,           250, reconciliation_differences, -250",
  })
  void theDifferenceIsBookedBalanced(
      long expected, long actual, String first, long firstMinor, String second, long secondMinor) {
    Compensation.Plan plan = Compensation.plan(alert("AMOUNT_MISMATCH", PAYMENT, expected, actual));
    assertThat(plan.entries())
        .containsExactly(
            new Compensation.Entry(first, firstMinor), new Compensation.Entry(second, secondMinor));
    assertThat(plan.entries().stream().mapToLong(Compensation.Entry::amountMinor).sum()).isZero();
    assertThat(plan.merchantId()).isEqualTo("acme");
    assertThat(plan.currency()).isEqualTo("EUR");
    assertThat(plan.paymentId().toString()).isEqualTo(PAYMENT);
  }

  @Test
  void theSameAlertAlwaysHasTheSameTransaction() {
    assertThat(Compensation.txId("mm-1")).isEqualTo(Compensation.txId("mm-1"));
    assertThat(Compensation.txId("mm-1")).isNotEqualTo(Compensation.txId("mm-2"));
    assertThat(Compensation.plan(alert("AMOUNT_MISMATCH", PAYMENT, 1L, 2L)).txId())
        .isEqualTo(Compensation.txId("mm-1"));
  }

  @ParameterizedTest(name = "{0} payment={1} {2}->{3} refused")
  @CsvSource(
      nullValues = "NULL",
      value = {
        "ORPHAN_SETTLEMENT, " + PAYMENT + ", 100,  90",
        "CURRENCY_MISMATCH, " + PAYMENT + ", 100,  90",
        "AMOUNT_MISMATCH,   NULL,            100,  90",
        "AMOUNT_MISMATCH,   pay-1,           100,  90",
        "AMOUNT_MISMATCH,   " + PAYMENT + ", NULL, 90",
        "AMOUNT_MISMATCH,   " + PAYMENT + ", 100,  100",
      })
  void nothingBookableIsRefusedNamingTheField(
      String kind, String payment, Long expected, Long actual) {
    assertThatThrownBy(() -> Compensation.plan(alert(kind, payment, expected, actual)))
        .isInstanceOfSatisfying(
            ConsoleInputException.class, e -> assertThat(e.field()).isEqualTo(Compensation.FIELD));
  }

  @ParameterizedTest(name = "{0} payment={1} fee delta {2} refused")
  @CsvSource(
      nullValues = "NULL",
      value = {
        "AMOUNT_MISMATCH, " + PAYMENT + ", 40",
        "FEE_DEVIATION,   NULL,            40",
        "FEE_DEVIATION,   pay-1,           40",
        "FEE_DEVIATION,   " + PAYMENT + ", NULL",
        "FEE_DEVIATION,   " + PAYMENT + ", 0",
        "FEE_DEVIATION,   " + PAYMENT + ", -9223372036854775808",
      })
  void noFeeDifferenceIsRefusedNamingTheField(String kind, String payment, Long feeDelta) {
    assertThatThrownBy(() -> Compensation.feePlan(alert(kind, payment, 1L, 1L), feeDelta))
        .isInstanceOfSatisfying(
            ConsoleInputException.class, e -> assertThat(e.field()).isEqualTo(Compensation.FIELD));
  }

  @Test
  void aDifferenceBeyondALongIsRefused() {
    assertThatThrownBy(
            () -> Compensation.plan(alert("AMOUNT_MISMATCH", PAYMENT, 0L, Long.MIN_VALUE)))
        .isInstanceOf(ConsoleInputException.class);
  }
}
