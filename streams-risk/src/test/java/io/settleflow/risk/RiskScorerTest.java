package io.settleflow.risk;

import static org.assertj.core.api.Assertions.assertThat;

import io.settleflow.avro.RiskOutcome;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RiskScorerTest {
  // limit 500000 minor, velocity > 3 payments, mean rule at 5x with at least 2 earlier payments
  private static final RiskScorer SCORER = new RiskScorer(new RiskRules(500_000, 3, 5, 2));

  private static final String AMOUNT = "amount-limit@1";
  private static final String VELOCITY = "merchant-velocity@1";
  private static final String MEAN = "merchant-mean-multiple@1";

  static Stream<Arguments> cases() {
    return Stream.of(
        // case, amount, earlier in window (all, same currency, same-currency sum) -> score,
        // outcome, rules fired
        row("quiet merchant, small amount", 1_000, 0, 0, 0, 0, RiskOutcome.APPROVE),
        row("amount exactly at the limit is fine", 500_000, 0, 0, 0, 0, RiskOutcome.APPROVE),
        row("amount one above the limit", 500_001, 0, 0, 0, 60, RiskOutcome.REVIEW, AMOUNT),
        row(
            "third earlier payment makes the 4th: over 3",
            1_000,
            3,
            3,
            3_000,
            40,
            RiskOutcome.REVIEW,
            VELOCITY),
        row(
            "2 earlier payments make the 3rd: not over 3",
            1_000,
            2,
            2,
            2_000,
            0,
            RiskOutcome.APPROVE),
        row("exactly 5x the mean does not fire", 5_000, 2, 2, 2_000, 0, RiskOutcome.APPROVE),
        row("just above 5x the mean fires", 5_001, 2, 2, 2_000, 30, RiskOutcome.REVIEW, MEAN),
        row("mean rule needs enough history", 50_000, 1, 1, 1_000, 0, RiskOutcome.APPROVE),
        row("other currencies do not form the mean", 50_000, 2, 0, 0, 0, RiskOutcome.APPROVE),
        row(
            "other currencies still count for velocity",
            1_000,
            3,
            0,
            0,
            40,
            RiskOutcome.REVIEW,
            VELOCITY),
        row(
            "limit and velocity together decline",
            600_000,
            5,
            0,
            0,
            100,
            RiskOutcome.DECLINE,
            AMOUNT,
            VELOCITY),
        row(
            "velocity and mean together decline",
            50_000,
            3,
            3,
            3_000,
            70,
            RiskOutcome.DECLINE,
            VELOCITY,
            MEAN),
        row(
            "all three rules cap at 100",
            900_000,
            9,
            9,
            9_000,
            100,
            RiskOutcome.DECLINE,
            AMOUNT,
            VELOCITY,
            MEAN),
        row(
            "huge sums do not overflow the mean",
            Long.MAX_VALUE / 2,
            2,
            2,
            Long.MAX_VALUE,
            60,
            RiskOutcome.REVIEW,
            AMOUNT));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void theBuiltInRulesScorePaymentAgainstMerchantActivity(
      String name,
      long amountMinor,
      MerchantActivity before,
      int score,
      RiskOutcome outcome,
      List<String> fired) {
    RiskAssessment a = SCORER.score(amountMinor, "EUR", before);

    assertThat(a.score()).isEqualTo(score);
    assertThat(a.outcome()).isEqualTo(outcome);
    assertThat(a.reasons()).hasSize(fired.size());
    for (int i = 0; i < fired.size(); i++) {
      assertThat(a.reasons().get(i)).startsWith(fired.get(i) + ":");
    }
    assertThat(a.ruleVersions()).containsExactly(AMOUNT, VELOCITY, MEAN);
    assertThat(a.shadowReasons()).isEmpty();
  }

  // published rules: the defaults above no longer apply once any rule is published
  private static final MerchantActivity TWO_EARLIER_2000 = new MerchantActivity(2, 2, 2_000);

  static Stream<Arguments> publishedCases() {
    return Stream.of(
        // case, rules, amount -> score, outcome, reasons (prefixes), shadow reasons (prefixes),
        // evaluated
        pub(
            "a published rule replaces all defaults",
            List.of(rule("big", 2, ACTIVE, "amount_minor", ">", "100", 50, "REVIEW")),
            1_000,
            50,
            RiskOutcome.REVIEW,
            List.of("big@2"),
            List.of(),
            List.of("big@2")),
        pub(
            ">= fires at the threshold",
            List.of(rule("r", 1, ACTIVE, "amount_minor", ">=", "1000", 10, "REVIEW")),
            1_000,
            10,
            RiskOutcome.REVIEW,
            List.of("r@1"),
            List.of(),
            List.of("r@1")),
        pub(
            "> does not fire at the threshold",
            List.of(rule("r", 1, ACTIVE, "amount_minor", ">", "1000", 10, "REVIEW")),
            1_000,
            0,
            RiskOutcome.APPROVE,
            List.of(),
            List.of(),
            List.of("r@1")),
        pub(
            "< fires below",
            List.of(rule("r", 1, ACTIVE, "amount_minor", "<", "1000.5", 10, "REVIEW")),
            1_000,
            10,
            RiskOutcome.REVIEW,
            List.of("r@1"),
            List.of(),
            List.of("r@1")),
        pub(
            "<= fires at the threshold",
            List.of(rule("r", 1, ACTIVE, "amount_minor", "<=", "1000", 10, "REVIEW")),
            1_000,
            10,
            RiskOutcome.REVIEW,
            List.of("r@1"),
            List.of(),
            List.of("r@1")),
        pub(
            "a threshold in exponent form (5E+2) compares exactly",
            List.of(rule("r", 1, ACTIVE, "amount_minor", ">", "5E+2", 10, "REVIEW")),
            501,
            10,
            RiskOutcome.REVIEW,
            List.of("r@1"),
            List.of(),
            List.of("r@1")),
        pub(
            "== fires only on equality",
            List.of(rule("r", 1, ACTIVE, "amount_minor", "==", "999", 10, "REVIEW")),
            1_000,
            0,
            RiskOutcome.APPROVE,
            List.of(),
            List.of(),
            List.of("r@1")),
        pub(
            "a DECLINE action declines whatever the score",
            List.of(rule("r", 1, ACTIVE, "amount_minor", ">", "0", 5, "DECLINE")),
            1_000,
            5,
            RiskOutcome.DECLINE,
            List.of("r@1"),
            List.of(),
            List.of("r@1")),
        pub(
            "scores add up to DECLINE",
            List.of(
                rule("a", 1, ACTIVE, "amount_minor", ">", "0", 40, "REVIEW"),
                rule("b", 1, ACTIVE, "merchant_count_window", ">=", "3", 40, "REVIEW")),
            1_000,
            80,
            RiskOutcome.DECLINE,
            List.of("a@1", "b@1"),
            List.of(),
            List.of("a@1", "b@1")),
        pub(
            "a SHADOW rule is recorded apart and never changes the outcome",
            List.of(
                rule("live", 1, ACTIVE, "amount_minor", ">", "5000", 60, "REVIEW"),
                rule("trial", 4, SHADOW, "amount_minor", ">", "500", 100, "DECLINE")),
            1_000,
            0,
            RiskOutcome.APPROVE,
            List.of(),
            List.of("trial@4"),
            List.of("live@1", "trial@4")),
        pub(
            "a DISABLED rule is not evaluated",
            List.of(
                rule("off", 1, DISABLED, "amount_minor", ">", "0", 100, "DECLINE"),
                rule("on", 1, ACTIVE, "amount_minor", ">", "0", 0, "REVIEW")),
            1_000,
            0,
            RiskOutcome.REVIEW,
            List.of("on@1"),
            List.of(),
            List.of("on@1")),
        pub(
            "only DISABLED rules published: nothing evaluated, defaults stay off",
            List.of(rule("off", 1, DISABLED, "amount_minor", ">", "0", 100, "DECLINE")),
            900_000,
            0,
            RiskOutcome.APPROVE,
            List.of(),
            List.of(),
            List.of()),
        pub(
            "merchant_sum_window includes this payment",
            List.of(rule("s", 1, ACTIVE, "merchant_sum_window", ">", "2999", 30, "REVIEW")),
            1_000,
            30,
            RiskOutcome.REVIEW,
            List.of("s@1"),
            List.of(),
            List.of("s@1")),
        pub(
            "amount_to_merchant_mean exactly 2.5 is not > 2.5",
            List.of(rule("m", 1, ACTIVE, "amount_to_merchant_mean", ">", "2.5", 30, "REVIEW")),
            2_500,
            0,
            RiskOutcome.APPROVE,
            List.of(),
            List.of(),
            List.of("m@1")),
        pub(
            "amount_to_merchant_mean just above 2.5 fires",
            List.of(rule("m", 1, ACTIVE, "amount_to_merchant_mean", ">", "2.5", 30, "REVIEW")),
            2_501,
            30,
            RiskOutcome.REVIEW,
            List.of("m@1"),
            List.of(),
            List.of("m@1")),
        pub(
            "score is capped at 100",
            List.of(
                rule("a", 1, ACTIVE, "amount_minor", ">", "0", 100, "REVIEW"),
                rule("b", 1, ACTIVE, "amount_minor", ">", "0", 100, "REVIEW")),
            1_000,
            100,
            RiskOutcome.DECLINE,
            List.of("a@1", "b@1"),
            List.of(),
            List.of("a@1", "b@1")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("publishedCases")
  void publishedRulesDecideAndShadowRulesOnlyReport(
      String name,
      List<RiskRule> rules,
      long amountMinor,
      int score,
      RiskOutcome outcome,
      List<String> fired,
      List<String> shadowFired,
      List<String> evaluated) {
    RiskAssessment a = SCORER.score(rules, amountMinor, "EUR", TWO_EARLIER_2000);

    assertThat(a.score()).isEqualTo(score);
    assertThat(a.outcome()).isEqualTo(outcome);
    assertStartWith(a.reasons(), fired);
    assertStartWith(a.shadowReasons(), shadowFired);
    assertThat(a.ruleVersions()).containsExactlyElementsOf(evaluated);
  }

  @org.junit.jupiter.api.Test
  void amountToMeanIsUndefinedWithTooLittleHistory() {
    // the scorer needs 2 earlier same-currency payments; with one, the rule is evaluated but cannot
    // fire
    RiskRule m = rule("m", 1, ACTIVE, "amount_to_merchant_mean", ">", "0", 30, "REVIEW");
    RiskAssessment a = SCORER.score(List.of(m), 1_000_000, "EUR", new MerchantActivity(1, 1, 1));
    assertThat(a.reasons()).isEmpty();
    assertThat(a.ruleVersions()).containsExactly("m@1");
  }

  @org.junit.jupiter.api.Test
  void aReasonNamesTheRuleTheFeatureAndTheThreshold() {
    RiskRule r = rule("big-ticket", 3, ACTIVE, "amount_minor", ">", "500000", 60, "REVIEW");
    assertThat(SCORER.score(List.of(r), 600_000, "EUR", MerchantActivity.NONE).reasons())
        .containsExactly("big-ticket@3: amount_minor 600000 EUR > 500000");
  }

  private static void assertStartWith(List<String> lines, List<String> tags) {
    assertThat(lines).hasSize(tags.size());
    for (int i = 0; i < tags.size(); i++) {
      assertThat(lines.get(i)).startsWith(tags.get(i) + ":");
    }
  }

  private static final RuleStatus ACTIVE = RuleStatus.ACTIVE;
  private static final RuleStatus SHADOW = RuleStatus.SHADOW;
  private static final RuleStatus DISABLED = RuleStatus.DISABLED;

  static RiskRule rule(
      String id,
      long version,
      RuleStatus status,
      String feature,
      String cmp,
      String threshold,
      int score,
      String action) {
    return new RiskRule(
        id,
        version,
        status,
        RiskFeature.byDocumentName(feature).orElseThrow(),
        RuleComparison.bySymbol(cmp).orElseThrow(),
        new java.math.BigDecimal(threshold),
        score,
        RuleAction.valueOf(action));
  }

  private static Arguments pub(
      String name,
      List<RiskRule> rules,
      long amount,
      int score,
      RiskOutcome outcome,
      List<String> fired,
      List<String> shadow,
      List<String> evaluated) {
    return Arguments.of(name, rules, amount, score, outcome, fired, shadow, evaluated);
  }

  private static Arguments row(
      String name,
      long amount,
      int all,
      int same,
      long sameSum,
      int score,
      RiskOutcome outcome,
      String... fired) {
    return Arguments.of(
        name, amount, new MerchantActivity(all, same, sameSum), score, outcome, List.of(fired));
  }

  @org.junit.jupiter.api.Test
  void onlyTheFeaturesOfRulesThatWouldBeEvaluatedAreRead() {
    assertThat(SCORER.featuresUsed(List.of()))
        .containsExactlyInAnyOrder(
            RiskFeature.AMOUNT_MINOR,
            RiskFeature.MERCHANT_COUNT_WINDOW,
            RiskFeature.AMOUNT_TO_MERCHANT_MEAN);
    List<RiskRule> published =
        List.of(
            new RiskRule(
                "z",
                1,
                RuleStatus.SHADOW,
                RiskFeature.AMOUNT_ZSCORE,
                RuleComparison.GREATER,
                java.math.BigDecimal.ONE,
                0,
                RuleAction.REVIEW),
            new RiskRule(
                "off",
                1,
                RuleStatus.DISABLED,
                RiskFeature.CARD_COUNT_1H,
                RuleComparison.GREATER,
                java.math.BigDecimal.ONE,
                0,
                RuleAction.REVIEW));
    assertThat(SCORER.featuresUsed(published)).containsExactly(RiskFeature.AMOUNT_ZSCORE);
  }
}
