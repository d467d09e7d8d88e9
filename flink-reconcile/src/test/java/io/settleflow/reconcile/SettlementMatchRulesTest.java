package io.settleflow.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settleflow.reconcile.SettlementMatchRules.Outcome;
import java.util.List;
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

  static final ReconRules EXACT = ReconRules.defaults();
  static final ReconRules PERCENT =
      rules("amount: {version: 3, tolerance_minor: 0, tolerance_percent: 1}");
  static final ReconRules BOTH =
      rules("amount: {version: 2, tolerance_minor: 50, tolerance_percent: 0.1}");
  static final ReconRules FEES =
      rules(
          """
          fees:
            version: 4
            tolerance_minor: 1
            default: {percent: 2.9, fixed_minor: 30}
            merchants:
              m-low: {percent: 1.4, fixed_minor: 25}
              m-flat: {fixed_minor: 100}
          """);
  static final ReconRules FX =
      rules(
          """
          fx:
            version: 7
            tolerance_percent: 0.5
            rates: {EUR/USD: 1.08, USD/JPY: 150, GBP/EUR: 1.25}
          """);

  /**
   * rules, ledger (type amount currency merchant), settlement line (type gross fee net currency) →
   * outcome, deciding rule, the criteria that failed, deltas (amount, fee, fx).
   */
  static Stream<Arguments> ruleTable() {
    return Stream.of(
        // amount: absolute and percent tolerance, the larger wins
        r(
            "percent: 1% of 10000 = 100 over",
            PERCENT,
            pay(10_000, "EUR"),
            line(10_100, "EUR"),
            Outcome.MATCH,
            "amount-within-tolerance@3",
            "",
            100L,
            null,
            null),
        r(
            "percent: 101 over is out",
            PERCENT,
            pay(10_000, "EUR"),
            line(10_101, "EUR"),
            Outcome.AMOUNT_MISMATCH,
            "amount-within-tolerance@3",
            "amount",
            101L,
            null,
            null),
        r(
            "percent: 1% of 1000 = 10 under",
            PERCENT,
            pay(1_000, "EUR"),
            line(990, "EUR"),
            Outcome.MATCH,
            "amount-within-tolerance@3",
            "",
            -10L,
            null,
            null),
        r(
            "both: small amount uses the absolute 50",
            BOTH,
            pay(1_000, "EUR"),
            line(1_050, "EUR"),
            Outcome.MATCH,
            "amount-within-tolerance@2",
            "",
            50L,
            null,
            null),
        r(
            "both: large amount uses 0.1% = 100",
            BOTH,
            pay(100_000, "EUR"),
            line(99_900, "EUR"),
            Outcome.MATCH,
            "amount-within-tolerance@2",
            "",
            -100L,
            null,
            null),
        r(
            "both: beyond either",
            BOTH,
            pay(100_000, "EUR"),
            line(99_899, "EUR"),
            Outcome.AMOUNT_MISMATCH,
            "amount-within-tolerance@2",
            "amount",
            -101L,
            null,
            null),
        r(
            "exact: document version 1",
            EXACT,
            pay(500, "EUR"),
            line(500, "EUR"),
            Outcome.MATCH,
            "amount-exact@1",
            "",
            0L,
            null,
            null),
        // fees: net = gross - fee, and the fee against the merchant's schedule
        r(
            "net is not gross - fee",
            EXACT,
            pay(10_000, "EUR"),
            line("PAYMENT", 10_000, 100, 9_850, "EUR"),
            Outcome.FEE_DEVIATION,
            "fee-schedule@1",
            "net-equals-gross-minus-fee",
            0L,
            null,
            null),
        r(
            "no schedule: any fee passes",
            EXACT,
            pay(10_000, "EUR"),
            line("PAYMENT", 10_000, 777, 9_223, "EUR"),
            Outcome.MATCH,
            "amount-exact@1",
            "",
            0L,
            null,
            null),
        r(
            "default schedule 2.9% + 30 = 320",
            FEES,
            pay(10_000, "EUR"),
            line("PAYMENT", 10_000, 320, 9_680, "EUR"),
            Outcome.MATCH,
            "amount-exact@1",
            "",
            0L,
            0L,
            null),
        r(
            "default schedule within tolerance 1",
            FEES,
            pay(10_000, "EUR"),
            line("PAYMENT", 10_000, 321, 9_679, "EUR"),
            Outcome.MATCH,
            "amount-exact@1",
            "",
            0L,
            1L,
            null),
        r(
            "default schedule: 2 over is a deviation",
            FEES,
            pay(10_000, "EUR"),
            line("PAYMENT", 10_000, 322, 9_678, "EUR"),
            Outcome.FEE_DEVIATION,
            "fee-schedule@4",
            "fee-schedule",
            0L,
            2L,
            null),
        r(
            "schedule rounds half up: 2.9% of 50 = 1.45 → 1, +30",
            FEES,
            pay(50, "EUR"),
            line("PAYMENT", 50, 31, 19, "EUR"),
            Outcome.MATCH,
            "amount-exact@1",
            "",
            0L,
            0L,
            null),
        r(
            "merchant schedule 1.4% + 25 = 165",
            FEES,
            pay(10_000, "EUR", "m-low"),
            line("PAYMENT", 10_000, 165, 9_835, "EUR"),
            Outcome.MATCH,
            "amount-exact@1",
            "",
            0L,
            0L,
            null),
        r(
            "merchant charged the default price",
            FEES,
            pay(10_000, "EUR", "m-low"),
            line("PAYMENT", 10_000, 320, 9_680, "EUR"),
            Outcome.FEE_DEVIATION,
            "fee-schedule@4",
            "fee-schedule",
            0L,
            155L,
            null),
        r(
            "flat merchant fee",
            FEES,
            pay(10_000, "EUR", "m-flat"),
            line("PAYMENT", 10_000, 100, 9_900, "EUR"),
            Outcome.MATCH,
            "amount-exact@1",
            "",
            0L,
            0L,
            null),
        r(
            "amount decides before fees",
            FEES,
            pay(10_000, "EUR"),
            line("PAYMENT", 10_500, 0, 10_500, "EUR"),
            Outcome.AMOUNT_MISMATCH,
            "amount-exact@1",
            "amount,fee-schedule",
            500L,
            -335L,
            null),
        // FX: converted at the table's rate, minor units per currency
        r(
            "EUR→USD at 1.08",
            FX,
            pay(10_000, "EUR"),
            line(10_800, "USD"),
            Outcome.MATCH,
            "fx-rate-table@7",
            "",
            0L,
            null,
            0L),
        r(
            "EUR→USD within 0.5% (54)",
            FX,
            pay(10_000, "EUR"),
            line(10_854, "USD"),
            Outcome.MATCH,
            "fx-rate-table@7",
            "",
            54L,
            null,
            54L),
        r(
            "EUR→USD beyond 0.5%",
            FX,
            pay(10_000, "EUR"),
            line(10_855, "USD"),
            Outcome.FX_DEVIATION,
            "fx-rate-table@7",
            "fx-rate",
            55L,
            null,
            55L),
        r(
            "inverse pair: USD→EUR at 1/1.08",
            FX,
            pay(10_800, "USD"),
            line(10_000, "EUR"),
            Outcome.MATCH,
            "fx-rate-table@7",
            "",
            0L,
            null,
            0L),
        r(
            "JPY has no minor units: 100.00 USD = 15000 JPY",
            FX,
            pay(10_000, "USD"),
            line(15_000, "JPY"),
            Outcome.MATCH,
            "fx-rate-table@7",
            "",
            0L,
            null,
            0L),
        r(
            "JPY → USD inverse",
            FX,
            pay(15_000, "JPY"),
            line(10_000, "USD"),
            Outcome.MATCH,
            "fx-rate-table@7",
            "",
            0L,
            null,
            0L),
        r(
            "pair without a rate stays a currency mismatch",
            FX,
            pay(10_000, "EUR"),
            line(10_000, "CHF"),
            Outcome.CURRENCY_MISMATCH,
            "currency-exact@1",
            "currency",
            0L,
            null,
            null),
        r(
            "no FX table: currency mismatch",
            EXACT,
            pay(10_000, "EUR"),
            line(10_800, "USD"),
            Outcome.CURRENCY_MISMATCH,
            "currency-exact@1",
            "currency",
            0L,
            null,
            null),
        r(
            "unknown currency code",
            FX,
            pay(10_000, "EUR"),
            line(10_000, "XYZ"),
            Outcome.CURRENCY_MISMATCH,
            "currency-exact@1",
            "currency",
            0L,
            null,
            null),
        r(
            "FX match but the fee is off",
            FX,
            pay(10_000, "GBP"),
            line("PAYMENT", 12_500, 10, 12_400, "EUR"),
            Outcome.FEE_DEVIATION,
            "fee-schedule@1",
            "net-equals-gross-minus-fee",
            0L,
            null,
            0L),
        // refunds: the line is negative, the ledger's refund positive
        r(
            "refund line -2000 pairs with refund 2000",
            EXACT,
            refund(2_000, "EUR"),
            line("REFUND", -2_000, 0, -2_000, "EUR"),
            Outcome.MATCH,
            "amount-exact@1",
            "",
            0L,
            null,
            null),
        r(
            "refund line of the wrong size",
            EXACT,
            refund(2_000, "EUR"),
            line("REFUND", -1_500, 0, -1_500, "EUR"),
            Outcome.AMOUNT_MISMATCH,
            "amount-exact@1",
            "refund-amount",
            -500L,
            null,
            null),
        r(
            "refunds skip the fee schedule",
            FEES,
            refund(2_000, "EUR"),
            line("REFUND", -2_000, 0, -2_000, "EUR"),
            Outcome.MATCH,
            "amount-exact@1",
            "",
            0L,
            null,
            null),
        // amounts no long can hold: reported, never a crash
        r(
            "FX conversion beyond a long",
            FX,
            pay(Long.MAX_VALUE, "EUR"),
            line(10, "USD"),
            Outcome.FX_DEVIATION,
            "fx-rate-table@7",
            "fx-rate",
            0L,
            null,
            null),
        r(
            "gross - fee beyond a long",
            EXACT,
            pay(10_000, "EUR"),
            line("PAYMENT", 10_000, Long.MIN_VALUE, 0, "EUR"),
            Outcome.FEE_DEVIATION,
            "fee-schedule@1",
            "net-equals-gross-minus-fee",
            0L,
            null,
            null),
        r(
            "net and schedule both off",
            FEES,
            pay(10_000, "EUR"),
            line("PAYMENT", 10_000, Long.MIN_VALUE, 0, "EUR"),
            Outcome.FEE_DEVIATION,
            "fee-schedule@4",
            "net-equals-gross-minus-fee,fee-schedule",
            0L,
            null,
            null),
        r(
            "refund line of Long.MIN_VALUE",
            EXACT,
            refund(2_000, "EUR"),
            line("REFUND", Long.MIN_VALUE, 0, Long.MIN_VALUE, "EUR"),
            Outcome.AMOUNT_MISMATCH,
            "amount-exact@1",
            "refund-amount",
            null,
            null,
            null),
        r(
            "refund converted at the FX rate",
            FX,
            refund(10_000, "EUR"),
            line("REFUND", -10_800, 0, -10_800, "USD"),
            Outcome.MATCH,
            "fx-rate-table@7",
            "",
            0L,
            null,
            0L));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ruleTable")
  void rulesFromTheDocumentDecide(
      String name,
      ReconRules rules,
      LedgerPayment p,
      Settlement s,
      Outcome outcome,
      String rule,
      String failed,
      Long amountDelta,
      Long feeDelta,
      Long fxDelta) {
    SettlementMatchRules.Verdict v = new SettlementMatchRules(rules).compare(p, s);

    assertThat(v.outcome()).isEqualTo(outcome);
    assertThat(v.rule()).isEqualTo(rule);
    assertThat(v.criteria().stream().filter(c -> !c.passed).map(c -> c.criterion))
        .containsExactlyElementsOf(failed.isEmpty() ? List.of() : List.of(failed.split(",", -1)));
    assertThat(v.criteria().get(0).criterion).isEqualTo("reference");
    if (outcome != Outcome.CURRENCY_MISMATCH && outcome != Outcome.FX_DEVIATION) {
      assertThat(v.deltas().amountMinor)
          .as("amount delta")
          .isEqualTo(fxDelta == null ? amountDelta : null);
    }
    assertThat(v.deltas().feeMinor).as("fee delta").isEqualTo(feeDelta);
    assertThat(v.deltas().fxMinor).as("fx delta").isEqualTo(fxDelta);
    assertThat(v.deltas().days).isEqualTo(0L);
  }

  @Test
  void everyVerdictExplainsItselfCriterionByCriterion() {
    LedgerPayment p = pay(10_000, "EUR", "m-low");
    Settlement s = line("PAYMENT", 10_000, 320, 9_680, "EUR");
    s.settledAtMs = p.occurredAtMs + 3 * SettlementMatchRules.DAY_MS + 5;

    SettlementMatchRules.Verdict v = new SettlementMatchRules(FEES).compare(p, s);

    assertThat(v.outcome()).isEqualTo(Outcome.FEE_DEVIATION);
    assertThat(v.criteria())
        .extracting(c -> c.criterion + "|" + c.rule + "|" + c.passed + "|" + c.delta)
        .containsExactly(
            "reference|reference-exact@1|true|null",
            "currency|currency-exact@1|true|null",
            "amount|amount-exact@1|true|0",
            "net-equals-gross-minus-fee|fee-schedule@4|true|0",
            "fee-schedule|fee-schedule@4|false|155");
    MatchCriterion fee = v.criteria().get(4);
    assertThat(fee.expected).contains("165", "merchant m-low", "1.4% + 25");
    assertThat(fee.actual).isEqualTo("320");
    assertThat(v.deltas()).isEqualTo(new MatchDeltas(0L, 155L, null, 3L));
    assertThat(v.detail()).contains("fee 320 vs 165", "delta +155", "tolerance 1");
  }

  @Test
  void fxVerdictNamesTheRateAndTheConvertedAmount() {
    SettlementMatchRules.Verdict v =
        new SettlementMatchRules(FX).compare(pay(10_000, "EUR"), line(10_900, "USD"));

    assertThat(v.outcome()).isEqualTo(Outcome.FX_DEVIATION);
    assertThat(v.detail()).contains("EUR/USD 1.08", "= 10800 USD", "delta +100", "tolerance 54");
    assertThat(v.deltaMinor()).isEqualTo(100);
  }

  @Test
  void negativeToleranceIsRejected() {
    assertThatThrownBy(() -> new SettlementMatchRules(-1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  static ReconRules rules(String sections) {
    return ReconRulesDocument.parse("version: test\n" + sections);
  }

  static LedgerPayment pay(long amount, String currency) {
    return pay(amount, currency, "m-1");
  }

  static LedgerPayment pay(long amount, String currency, String merchant) {
    return new LedgerPayment("e-1", "AUTHORIZED", "pay-1", merchant, amount, currency, 1_000);
  }

  static LedgerPayment refund(long amount, String currency) {
    return new LedgerPayment("e-r", "REFUNDED", "pay-1", "m-1", amount, currency, 1_000);
  }

  /** A sale line with no fee. */
  static Settlement line(long gross, String currency) {
    return line("PAYMENT", gross, 0, gross, currency);
  }

  static Settlement line(String type, long gross, long fee, long net, String currency) {
    return new Settlement(
        "s-e-1", "line-1", "stripe", type, "pay-1", "m-1", gross, fee, net, currency, 2_000);
  }

  @SuppressWarnings("ParameterNumber") // one table row: inputs and every expected output
  static Arguments r(
      String name,
      ReconRules rules,
      LedgerPayment p,
      Settlement s,
      Outcome outcome,
      String rule,
      String failed,
      Long amountDelta,
      Long feeDelta,
      Long fxDelta) {
    return Arguments.of(name, rules, p, s, outcome, rule, failed, amountDelta, feeDelta, fxDelta);
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
