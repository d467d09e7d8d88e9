package io.settleflow.risk;

import io.settleflow.avro.RiskOutcome;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * Scores one payment from its amount and the merchant's recent activity. Pure: no clock, no state,
 * no Kafka; the topology computes {@link MerchantActivity} and hands it in.
 *
 * <p>Each rule that fires adds its weight; the sum (capped at 100) picks the outcome. One rule
 * alone sends a payment to review; two together decline it.
 */
public final class RiskScorer {
  public static final String AMOUNT_LIMIT = "amount-limit@1";
  public static final String MERCHANT_VELOCITY = "merchant-velocity@1";
  public static final String MERCHANT_MEAN_MULTIPLE = "merchant-mean-multiple@1";
  public static final List<String> RULE_VERSIONS =
      List.of(AMOUNT_LIMIT, MERCHANT_VELOCITY, MERCHANT_MEAN_MULTIPLE);

  static final int AMOUNT_LIMIT_WEIGHT = 60;
  static final int VELOCITY_WEIGHT = 40;
  static final int MEAN_MULTIPLE_WEIGHT = 30;
  static final int MAX_SCORE = 100;
  /** At or above: REVIEW. Any single rule reaches it. */
  static final int REVIEW_FROM_SCORE = 30;
  /** At or above: DECLINE. Any two rules reach it. */
  static final int DECLINE_FROM_SCORE = 70;

  private final RiskRules rules;

  public RiskScorer(RiskRules rules) {
    this.rules = rules;
  }

  public RiskAssessment score(long amountMinor, String currency, MerchantActivity before) {
    int score = 0;
    List<String> reasons = new ArrayList<>();
    if (amountMinor > rules.amountLimitMinor()) {
      score += AMOUNT_LIMIT_WEIGHT;
      reasons.add(
          AMOUNT_LIMIT + ": amount " + amountMinor + " " + currency + " above limit "
              + rules.amountLimitMinor());
    }
    int paymentsWithThis = before.paymentsInWindow() + 1;
    if (paymentsWithThis > rules.velocityMaxPayments()) {
      score += VELOCITY_WEIGHT;
      reasons.add(
          MERCHANT_VELOCITY + ": " + paymentsWithThis + " payments in window, limit "
              + rules.velocityMaxPayments());
    }
    if (before.sameCurrencyPayments() >= rules.meanMinPayments()
        && aboveMultipleOfMean(amountMinor, before)) {
      score += MEAN_MULTIPLE_WEIGHT;
      reasons.add(
          MERCHANT_MEAN_MULTIPLE + ": amount " + amountMinor + " " + currency + " above "
              + rules.meanMultiple() + "x the window mean of " + before.sameCurrencyPayments()
              + " payments");
    }
    score = Math.min(score, MAX_SCORE);
    return new RiskAssessment(score, outcome(score), reasons, RULE_VERSIONS);
  }

  /** amount > K * (sum / n), compared as amount * n > K * sum so no precision is lost. */
  private boolean aboveMultipleOfMean(long amountMinor, MerchantActivity before) {
    BigInteger lhs =
        BigInteger.valueOf(amountMinor).multiply(BigInteger.valueOf(before.sameCurrencyPayments()));
    BigInteger rhs =
        BigInteger.valueOf(rules.meanMultiple())
            .multiply(BigInteger.valueOf(before.sameCurrencyAmountMinor()));
    return lhs.compareTo(rhs) > 0;
  }

  static RiskOutcome outcome(int score) {
    if (score >= DECLINE_FROM_SCORE) {
      return RiskOutcome.DECLINE;
    }
    return score >= REVIEW_FROM_SCORE ? RiskOutcome.REVIEW : RiskOutcome.APPROVE;
  }
}
