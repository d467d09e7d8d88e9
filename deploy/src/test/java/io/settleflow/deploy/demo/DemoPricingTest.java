package io.settleflow.deploy.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DemoPricingTest {
  private static final DemoPricing RULES =
      DemoPricing.parse(
          """
          version: t-1
          amount: {version: 1, tolerance_minor: 2, tolerance_percent: 0.1}
          fees:
            version: 1
            tolerance_minor: 1
            default: {percent: 2.9, fixed_minor: 30}
            merchants:
              m-acme: {percent: 1.4, fixed_minor: 25}
          fx:
            version: 1
            tolerance_minor: 1
            tolerance_percent: 0.5
            rates: {EUR/USD: 1.08, eur/gbp: 0.86}
          """);

  /** Fees as flink-reconcile's schedule computes them: percent of |gross| half-up, + fixed. */
  @ParameterizedTest(name = "{0} gross {1} → fee {2}")
  @CsvSource({
    "m-acme,  10000, 165", // 1.4 % = 140 + 25
    "m-acme,  1036,  40", // 14.504 → 15, + 25
    "m-acme,  1035,  39", // 14.49 → 14, + 25
    "m-other, 10000, 320", // default 2.9 % = 290 + 30
    "m-other, -2000, 88", // |gross|: 58 + 30
    "m-other, 0,     30",
  })
  void feesFollowTheMerchantsScheduleOrTheDefault(String merchant, long gross, long fee) {
    assertThat(RULES.feeMinor(merchant, gross)).isEqualTo(fee);
  }

  /** Without a schedule only net = gross − fee is checked: a processor-style 2.9 % + 30. */
  @ParameterizedTest(name = "gross {0} → fee {1}")
  @CsvSource({"10000, 320", "1000, 59", "20, 20", "0, 0", "-1000, 59"})
  void withoutAScheduleThePriceIsProcessorStyleNeverAboveTheGross(long gross, long fee) {
    assertThat(DemoPricing.builtIn().feeMinor("m-acme", gross)).isEqualTo(fee);
  }

  /**
   * Conversions as flink-reconcile's FX rule does them: direct pair, else 1/inverse at 12 digits.
   */
  @ParameterizedTest(name = "{1} {2} → {3}")
  @CsvSource({
    "direct,          10000, EUR, USD, 10800",
    "direct lower,    10000, EUR, GBP, 8600",
    "inverse,         10800, USD, EUR, 10000",
    "inverse rounded, 1001,  USD, EUR, 927", // 1001 / 1.08 = 926.85…
    "inverse GBP,     8600,  GBP, EUR, 10000",
    "to JPY digits,   10000, EUR, JPY, -1",
  })
  void convertsAtTheTablesRate(String name, long amount, String from, String to, long expected) {
    if (expected < 0) {
      assertThat(RULES.rate(from, to)).as(name).isEmpty();
      assertThatThrownBy(() -> RULES.convertMinor(amount, from, to))
          .hasMessageContaining("fx.rates: no " + from + "/" + to);
    } else {
      assertThat(RULES.convertMinor(amount, from, to)).as(name).isEqualTo(expected);
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"EUR, USD, CHF", "USD, EUR, GBP", "GBP, EUR, USD", "JPY, , EUR"})
  void picksASettlementCurrencyWithAndOneWithoutARate(
      String from, String convertible, String unconvertible) {
    assertThat(RULES.fxCurrencyFor(from).orElse(null)).isEqualTo(convertible);
    assertThat(RULES.unconvertibleCurrencyFor(from)).isEqualTo(unconvertible);
  }

  @Test
  void deviationsClearTheTolerances() {
    assertThat(RULES.feeDeviationMinor()).isEqualTo(26); // tolerance 1 + 25
    // 2 + ceil(0.1 % of 10001 = 10.001 → 11) + 100
    assertThat(RULES.amountDeviationMinor(10001)).isEqualTo(113);
    // 1 + ceil(0.5 % of 10800 = 54) + 1 + 10800 / 50 = 216
    assertThat(RULES.fxDeviationMinor(10800)).isEqualTo(272);
    assertThat(RULES.fxTolerancePercent()).isEqualByComparingTo(new BigDecimal("0.5"));
  }

  @Test
  void aCurrencyMismatchNeedsACurrencyWithoutARate() {
    StringBuilder rates = new StringBuilder();
    for (String c :
        new String[] {"USD", "GBP", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "CAD", "AUD"}) {
      rates.append("EUR/").append(c).append(": 1.5, ");
    }
    DemoPricing all = DemoPricing.parse("fx: {rates: {" + rates + "}}");
    assertThatThrownBy(() -> all.unconvertibleCurrencyFor("EUR"))
        .hasMessageStartingWith("fx.rates: converts EUR into every currency");
  }

  /** The demo only reads; a value it cannot use stops it naming the field. */
  @ParameterizedTest(name = "{1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "fees: {tolerance_minor: 1.5}                    | fees.tolerance_minor: must be a whole number",
        "fees: {tolerance_minor: -1}                     | fees.tolerance_minor: must be a whole number",
        "fees: {default: 3}                              | fees.default: must be a mapping",
        "fees: {merchants: {m-1: {percent: x}}}          | fees.merchants.m-1.percent: must be a number",
        "fx: {rates: {EUR/USD: -1}}                      | fx.rates.EUR/USD: must be a number >= 0",
        "amount: {tolerance_percent: high}               | amount.tolerance_percent: must be a number",
        "[1, 2]                                          | must be a mapping at the top level",
        "'a: [1'                                         | not valid YAML/JSON",
      })
  void unreadableValuesNameTheirField(String yaml, String message) {
    assertThatThrownBy(() -> DemoPricing.parse(yaml))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message.trim());
  }

  @Test
  void absentSectionsMeanTheBuiltInRules() {
    assertThat(DemoPricing.parse("version: x")).isEqualTo(DemoPricing.builtIn());
  }
}
