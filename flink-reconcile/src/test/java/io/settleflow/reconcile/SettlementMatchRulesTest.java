package io.settleflow.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settleflow.reconcile.SettlementMatchRules.Outcome;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SettlementMatchRulesTest {

  /** tolerance, ledger amount+currency, settlement gross+currency → outcome, rule, detail part. */
  static Stream<Arguments> cases() {
    return Stream.of(
        row(
            "exact amount, same currency",
            0,
            10_000,
            "EUR",
            10_000,
            "EUR",
            Outcome.MATCH,
            "amount-exact@1",
            "delta 0"),
        row(
            "currency code case does not matter",
            0,
            10_000,
            "EUR",
            10_000,
            "eur",
            Outcome.MATCH,
            "amount-exact@1",
            "delta 0"),
        row(
            "one cent over",
            0,
            10_000,
            "EUR",
            10_001,
            "EUR",
            Outcome.AMOUNT_MISMATCH,
            "amount-exact@1",
            "delta +1"),
        row(
            "one cent under",
            0,
            10_000,
            "EUR",
            9_999,
            "EUR",
            Outcome.AMOUNT_MISMATCH,
            "amount-exact@1",
            "delta -1"),
        row(
            "within tolerance over",
            5,
            10_000,
            "EUR",
            10_005,
            "EUR",
            Outcome.MATCH,
            "amount-within-tolerance@1",
            "delta +5"),
        row(
            "within tolerance under",
            5,
            10_000,
            "EUR",
            9_995,
            "EUR",
            Outcome.MATCH,
            "amount-within-tolerance@1",
            "delta -5"),
        row(
            "just beyond tolerance",
            5,
            10_000,
            "EUR",
            10_006,
            "EUR",
            Outcome.AMOUNT_MISMATCH,
            "amount-within-tolerance@1",
            "tolerance 5"),
        row(
            "other currency, same number",
            0,
            10_000,
            "EUR",
            10_000,
            "USD",
            Outcome.CURRENCY_MISMATCH,
            "currency-exact@1",
            "USD differs from ledger currency EUR"),
        row(
            "currency decides before amount",
            0,
            10_000,
            "EUR",
            12_000,
            "GBP",
            Outcome.CURRENCY_MISMATCH,
            "currency-exact@1",
            "GBP"),
        row(
            "missing settlement currency",
            0,
            10_000,
            "EUR",
            10_000,
            null,
            Outcome.CURRENCY_MISMATCH,
            "currency-exact@1",
            "null"),
        row(
            "zero amounts match",
            0,
            0,
            "JPY",
            0,
            "JPY",
            Outcome.MATCH,
            "amount-exact@1",
            "delta 0"),
        row(
            "difference beyond long range",
            0,
            Long.MAX_VALUE,
            "EUR",
            -10,
            "EUR",
            Outcome.AMOUNT_MISMATCH,
            "amount-exact@1",
            "more than a long"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void comparesPaymentWithSettlement(
      String name,
      long tolerance,
      long amount,
      String currency,
      long gross,
      String settledCurrency,
      Outcome outcome,
      String rule,
      String detailPart) {
    LedgerPayment p =
        new LedgerPayment("e-1", "AUTHORIZED", "pay-1", "m-1", amount, currency, 1_000);
    Settlement s =
        new Settlement(
            "s-e-1",
            "line-1",
            "stripe",
            "PAYMENT",
            "pay-1",
            "m-1",
            gross,
            30,
            gross - 30,
            settledCurrency,
            2_000);

    SettlementMatchRules.Verdict v = new SettlementMatchRules(tolerance).compare(p, s);

    assertThat(v.outcome()).isEqualTo(outcome);
    assertThat(v.rule()).isEqualTo(rule);
    assertThat(v.detail()).contains(detailPart);
  }

  @Test
  void mismatchDetailNamesBothAmountsAndTheDelta() {
    LedgerPayment p = new LedgerPayment("e-1", "AUTHORIZED", "pay-1", "m-1", 10_000, "EUR", 1_000);
    Settlement s =
        new Settlement(
            "s-e-1", "line-1", "stripe", "PAYMENT", "pay-1", "m-1", 10_050, 0, 10_050, "EUR",
            2_000);

    SettlementMatchRules.Verdict v = new SettlementMatchRules(0).compare(p, s);

    assertThat(v.deltaMinor()).isEqualTo(50);
    assertThat(v.detail()).contains("10050", "10000", "+50", "EUR");
  }

  @Test
  void negativeToleranceIsRejected() {
    assertThatThrownBy(() -> new SettlementMatchRules(-1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static Arguments row(
      String name,
      long tolerance,
      long amount,
      String currency,
      long gross,
      String settledCurrency,
      Outcome outcome,
      String rule,
      String detailPart) {
    return Arguments.of(
        name, tolerance, amount, currency, gross, settledCurrency, outcome, rule, detailPart);
  }
}
