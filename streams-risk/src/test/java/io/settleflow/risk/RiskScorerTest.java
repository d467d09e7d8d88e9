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

  private static final String AMOUNT = RiskScorer.AMOUNT_LIMIT;
  private static final String VELOCITY = RiskScorer.MERCHANT_VELOCITY;
  private static final String MEAN = RiskScorer.MERCHANT_MEAN_MULTIPLE;

  static Stream<Arguments> cases() {
    return Stream.of(
        // case, amount, earlier in window (all, same currency, same-currency sum) -> score, outcome, rules fired
        row("quiet merchant, small amount", 1_000, 0, 0, 0, 0, RiskOutcome.APPROVE),
        row("amount exactly at the limit is fine", 500_000, 0, 0, 0, 0, RiskOutcome.APPROVE),
        row("amount one above the limit", 500_001, 0, 0, 0, 60, RiskOutcome.REVIEW, AMOUNT),
        row("third earlier payment makes the 4th: over 3", 1_000, 3, 3, 3_000, 40, RiskOutcome.REVIEW, VELOCITY),
        row("2 earlier payments make the 3rd: not over 3", 1_000, 2, 2, 2_000, 0, RiskOutcome.APPROVE),
        row("exactly 5x the mean does not fire", 5_000, 2, 2, 2_000, 0, RiskOutcome.APPROVE),
        row("just above 5x the mean fires", 5_001, 2, 2, 2_000, 30, RiskOutcome.REVIEW, MEAN),
        row("mean rule needs enough history", 50_000, 1, 1, 1_000, 0, RiskOutcome.APPROVE),
        row("other currencies do not form the mean", 50_000, 2, 0, 0, 0, RiskOutcome.APPROVE),
        row("other currencies still count for velocity", 1_000, 3, 0, 0, 40, RiskOutcome.REVIEW, VELOCITY),
        row("limit and velocity together decline", 600_000, 5, 0, 0, 100, RiskOutcome.DECLINE, AMOUNT, VELOCITY),
        row("velocity and mean together decline", 50_000, 3, 3, 3_000, 70, RiskOutcome.DECLINE, VELOCITY, MEAN),
        row("all three rules cap at 100", 900_000, 9, 9, 9_000, 100, RiskOutcome.DECLINE, AMOUNT, VELOCITY, MEAN),
        row("huge sums do not overflow the mean", Long.MAX_VALUE / 2, 2, 2, Long.MAX_VALUE, 60, RiskOutcome.REVIEW, AMOUNT));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void scoresPaymentAgainstMerchantActivity(
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
  }

  private static Arguments row(
      String name, long amount, int all, int same, long sameSum, int score, RiskOutcome outcome, String... fired) {
    return Arguments.of(name, amount, new MerchantActivity(all, same, sameSum), score, outcome, List.of(fired));
  }
}
