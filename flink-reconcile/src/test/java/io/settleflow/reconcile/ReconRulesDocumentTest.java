package io.settleflow.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ReconRulesDocumentTest {
  static final String FULL =
      """
      version: "2026-11-25.2"
      amount: {version: 2, tolerance_minor: 5, tolerance_percent: 0.25}
      fees:
        version: 3
        tolerance_minor: 1
        default: {percent: 2.9, fixed_minor: 30}
        merchants:
          m-acme: {percent: 1.4, fixed_minor: 25}
      fx:
        version: 4
        tolerance_minor: 2
        tolerance_percent: 0.5
        rates: {EUR/USD: 1.0800, USD/JPY: 150}
      overdue:
        version: 5
        default_sla: P2D
        processors: {stripe: P2D, adyen: P3D, bank: PT36H}
        merchant_processors: {m-acme: adyen, m-bank: bank}
      """;

  @Test
  void aFullDocumentBecomesRules() {
    ReconRules r = ReconRulesDocument.parse(FULL);

    assertThat(r.version()).isEqualTo("2026-11-25.2");
    assertThat(r.amount().rule()).isEqualTo("amount-within-tolerance@2");
    assertThat(r.amount().allowedMinor(1_000)).isEqualTo(5);
    assertThat(r.amount().allowedMinor(1_000_000)).isEqualTo(2_500);
    assertThat(r.fees().rule()).isEqualTo("fee-schedule@3");
    assertThat(r.fees().scheduleFor("m-acme").feeMinor(10_000)).isEqualTo(165);
    assertThat(r.fees().scheduleFor("someone-else").feeMinor(10_000)).isEqualTo(320);
    assertThat(r.fx().rule()).isEqualTo("fx-rate-table@4");
    assertThat(r.fx().rate("eur", "usd")).isEqualByComparingTo("1.08");
    assertThat(r.fx().rate("JPY", "USD")).isEqualByComparingTo("0.006666666667");
    assertThat(r.fx().rate("EUR", "CHF")).isNull();
    assertThat(r.overdue().rule()).isEqualTo("settlement-deadline@5");
    assertThat(r.overdue().slaMsFor("m-acme")).isEqualTo(Duration.ofDays(3).toMillis());
    assertThat(r.overdue().slaMsFor("m-bank")).isEqualTo(Duration.ofHours(36).toMillis());
    assertThat(r.overdue().slaMsFor("m-other")).isEqualTo(Duration.ofDays(2).toMillis());
    assertThat(r.overdue().processorFor("m-acme")).isEqualTo("adyen");
    assertThat(r.longestSlaMs()).isEqualTo(Duration.ofDays(3).toMillis());
  }

  @Test
  void theBatchesSectionBecomesRules() {
    ReconRules.Batches b =
        ReconRulesDocument.parse(
                "version: 1\nbatches: {version: 2, tolerance_minor: 3, wait: PT30M, payout_sla: P5D}")
            .batches();

    assertThat(b).isEqualTo(new ReconRules.Batches(2, 3, 1_800_000, 5 * 86_400_000L));
    assertThat(b.rule()).isEqualTo("payout-batch-sum@2");
    assertThat(b.deadlineRule()).isEqualTo("payout-deadline@2");
    assertThat(ReconRulesDocument.parse("version: 1").batches())
        .isEqualTo(ReconRules.Batches.defaults());
  }

  @Test
  void thePayoutWindowsSectionBecomesRules() {
    ReconRules.PayoutWindows w =
        ReconRulesDocument.parse(
                "version: 1\npayout_windows: {version: 3, enabled: true, window: P2D,"
                    + " tolerance_minor: 4}")
            .windows();

    assertThat(w).isEqualTo(new ReconRules.PayoutWindows(3, true, 2 * 86_400_000L, 4));
    assertThat(w.rule()).isEqualTo("payout-window-sum@3");
    assertThat(ReconRulesDocument.parse("version: 1\npayout_windows: {version: 1}").windows())
        .isEqualTo(ReconRules.PayoutWindows.defaults());
    assertThat(ReconRules.PayoutWindows.defaults().enabled()).isFalse();
    assertThat(ReconRulesDocument.builtin().windows())
        .isEqualTo(ReconRules.PayoutWindows.defaults());
  }

  @Test
  void theBuiltInDocumentIsTheDefaults() {
    assertThat(ReconRulesDocument.builtin()).isEqualTo(ReconRules.defaults());
  }

  @Test
  void jsonIsAcceptedToo() {
    ReconRules r =
        ReconRulesDocument.parse(
            "{\"version\": \"j1\", \"fx\": {\"version\": 2, \"rates\": {\"GBP/EUR\": 1.17}}}");

    assertThat(r.fx().rates()).isEqualTo(Map.of("GBP/EUR", new BigDecimal("1.17")));
    assertThat(r.amount()).isEqualTo(ReconRules.defaults().amount());
  }

  @Test
  void overridesFromTheEnvironmentKeepTheRest() {
    ReconRules r = ReconRulesDocument.parse(FULL).withAmountToleranceMinor(9).withDefaultSlaMs(7);

    assertThat(r.amount().toleranceMinor()).isEqualTo(9);
    assertThat(r.amount().tolerancePercent()).isEqualByComparingTo("0.25");
    assertThat(r.overdue().defaultSlaMs()).isEqualTo(7);
    assertThat(r.overdue().slaMsFor("m-acme")).isEqualTo(Duration.ofDays(3).toMillis());
  }

  /** document → the error names this field. */
  static Stream<Arguments> badDocuments() {
    return Stream.of(
        Arguments.of("", "empty"),
        Arguments.of("- a list", "mapping at the top level"),
        Arguments.of("amount: {version: 1}", "version: required"),
        Arguments.of("version: 1\nammount: {version: 1}", "ammount: unknown field"),
        Arguments.of("version: 1\namount: 5", "amount: must be a mapping"),
        Arguments.of("version: 1\namount: {tolerance_minor: 5}", "amount.version: required"),
        Arguments.of("version: 1\namount: {version: 0}", "amount.version: must be a positive"),
        Arguments.of("version: 1\namount: {version: x}", "amount.version: required"),
        Arguments.of(
            "version: 1\namount: {version: 1, tolerance_minor: -1}",
            "amount.tolerance_minor: must be >= 0"),
        Arguments.of(
            "version: 1\namount: {version: 1, tolerance_minor: 1.5}",
            "amount.tolerance_minor: must be a whole number"),
        Arguments.of(
            "version: 1\namount: {version: 1, tolerance_minor: '5'}",
            "amount.tolerance_minor: must be a whole number"),
        Arguments.of(
            "version: 1\namount: {version: 1, tolerance_percent: 101}",
            "amount.tolerance_percent: must be between 0 and 100"),
        Arguments.of(
            "version: 1\namount: {version: 1, tolerance_pct: 1}",
            "amount.tolerance_pct: unknown field"),
        Arguments.of(
            "version: 1\nfees: {version: 1, default: {percent: -2}}",
            "fees.default.percent: must be between 0 and 100"),
        Arguments.of(
            "version: 1\nfees: {version: 1, merchants: {m-1: {percent: 2, fixed: 3}}}",
            "fees.merchants.m-1.fixed: unknown field"),
        Arguments.of(
            "version: 1\nfees: {version: 1, merchants: {m-1: {percent: 2, fixed_minor: -3}}}",
            "fees.merchants.m-1.fixed_minor: must be >= 0"),
        Arguments.of(
            "version: 1\nfees: {version: 1, merchants: {m-1: 2.9}}",
            "fees.merchants.m-1: must be a mapping"),
        Arguments.of(
            "version: 1\nfees: {version: 1, merchants: [a]}", "fees.merchants: must be a mapping"),
        Arguments.of(
            "version: 1\nfx: {version: 1, rates: {EURUSD: 1.1}}", "fx.rates.EURUSD: a pair is"),
        Arguments.of(
            "version: 1\nfx: {version: 1, rates: {EUR/EUR: 1}}", "fx.rates.EUR/EUR: a pair is"),
        Arguments.of(
            "version: 1\nfx: {version: 1, rates: {EUR/USD: 0}}",
            "fx.rates.EUR/USD: rate must be > 0"),
        Arguments.of(
            "version: 1\nfx: {version: 1, rates: {EUR/USD: abc}}",
            "fx.rates.EUR/USD: must be a number"),
        Arguments.of(
            "version: 1\noverdue: {version: 1, default_sla: 2d}",
            "overdue.default_sla: must be an ISO-8601 duration"),
        Arguments.of(
            "version: 1\noverdue: {version: 1, default_sla: PT0S}",
            "overdue.default_sla: must be positive"),
        Arguments.of(
            "version: 1\noverdue: {version: 1, processors: {stripe: 2}}",
            "overdue.processors.stripe: must be an ISO-8601 duration"),
        Arguments.of(
            "version: 1\noverdue: {version: 1, processors: {stripe: P2D},"
                + " merchant_processors: {m-1: adyen}}",
            "overdue.merchant_processors.m-1: processor adyen has no SLA"),
        Arguments.of(
            "version: 1\nbatches: {version: 1, tolerance_minor: -1}",
            "batches.tolerance_minor: must be >= 0"),
        Arguments.of("version: 1\nbatches: {version: 1, wait: 1h}", "batches.wait: must be an ISO"),
        Arguments.of(
            "version: 1\nbatches: {version: 1, payout_sla: PT0S}",
            "batches.payout_sla: must be positive"),
        Arguments.of("version: 1\nbatches: {version: 1, window: P1D}", "batches.window: unknown"),
        Arguments.of("version: 1\nbatches: {wait: P1D}", "batches.version: required"),
        Arguments.of("version: 1\nbatches: 3", "batches: must be a mapping"),
        Arguments.of(
            "version: 1\npayout_windows: {version: 1, enabled: yes please}",
            "payout_windows.enabled: must be true or false"),
        Arguments.of(
            "version: 1\npayout_windows: {version: 1, tolerance_minor: -2}",
            "payout_windows.tolerance_minor: must be >= 0"),
        Arguments.of(
            "version: 1\npayout_windows: {version: 1, tolerance_minor: 0.5}",
            "payout_windows.tolerance_minor: must be a whole number"),
        Arguments.of(
            "version: 1\npayout_windows: {version: 1, window: PT0S}",
            "payout_windows.window: must be positive"),
        Arguments.of(
            "version: 1\npayout_windows: {version: 1, window: 3d}",
            "payout_windows.window: must be an ISO"),
        Arguments.of(
            "version: 1\npayout_windows: {version: 1, wait: PT1H}",
            "payout_windows.wait: unknown field"),
        Arguments.of(
            "version: 1\npayout_windows: {enabled: true}", "payout_windows.version: required"),
        Arguments.of("version: 1\nversion: 2", "not valid YAML/JSON"),
        Arguments.of("version: [1", "not valid YAML/JSON"),
        Arguments.of("version: ''", "version: must be a non-empty value"),
        Arguments.of("version: {a: 1}", "version: must be a non-empty value"),
        Arguments.of(
            "version: 1\noverdue: {version: 1, processors: {stripe: P2D},"
                + " merchant_processors: {m-1: 5}}",
            "overdue.merchant_processors.m-1: must be a processor name"),
        Arguments.of(
            "version: 1\n#" + "x".repeat(ReconRulesDocument.MAX_DOCUMENT_BYTES), "larger than"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("badDocuments")
  void aBadDocumentIsRejectedNamingTheField(String document, String message) {
    assertThatThrownBy(() -> ReconRulesDocument.parse(document))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @Test
  void rulesBuiltInCodeAreCheckedToo() {
    ReconRules d = ReconRules.defaults();
    assertThatThrownBy(() -> new ReconRules(" ", d.amount(), d.fees(), d.fx(), d.overdue()))
        .hasMessageContaining("version: required");
    assertThatThrownBy(() -> new ReconRules("v", d.amount(), null, d.fx(), d.overdue()))
        .hasMessageContaining("all required");
    assertThatThrownBy(() -> new ReconRules.Overdue(1, 0, null, null))
        .hasMessageContaining("overdue.default_sla: must be positive");
    assertThatThrownBy(() -> new ReconRules.Overdue(1, 5, Map.of("stripe", -1L), null))
        .hasMessageContaining("overdue.processors.stripe: must be positive");
    assertThat(new ReconRules.Amount(1, 0, null).tolerancePercent()).isZero();
  }

  @Test
  void tooManyEntriesAreRejected() {
    Map<String, ReconRules.FeeSchedule> merchants = new java.util.HashMap<>();
    for (int i = 0; i <= ReconRules.MAX_ENTRIES; i++) {
      merchants.put("m-" + i, new ReconRules.FeeSchedule(BigDecimal.ONE, 1));
    }
    assertThatThrownBy(() -> new ReconRules.Fees(1, 0, null, merchants))
        .hasMessageContaining("fees.merchants: at most " + ReconRules.MAX_ENTRIES);
  }
}
