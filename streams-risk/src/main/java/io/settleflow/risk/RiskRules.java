package io.settleflow.risk;

import java.math.BigDecimal;
import java.util.List;

/**
 * The thresholds of the three built-in rules (from {@link RiskConfig}); they apply while {@code
 * risk.rules} holds no valid rule.
 */
public record RiskRules(
    long amountLimitMinor, int velocityMaxPayments, int meanMultiple, int meanMinPayments) {
  public static final String AMOUNT_LIMIT_ID = "amount-limit";
  public static final String MERCHANT_VELOCITY_ID = "merchant-velocity";
  public static final String MERCHANT_MEAN_MULTIPLE_ID = "merchant-mean-multiple";
  public static final long DEFAULT_VERSION = 1;
  static final int AMOUNT_LIMIT_SCORE = 60;
  static final int VELOCITY_SCORE = 40;
  static final int MEAN_MULTIPLE_SCORE = 30;

  /** amount-limit, merchant-velocity, merchant-mean-multiple, all ACTIVE, version 1, REVIEW. */
  public List<RiskRule> defaults() {
    return List.of(
        rule(AMOUNT_LIMIT_ID, RiskFeature.AMOUNT_MINOR, amountLimitMinor, AMOUNT_LIMIT_SCORE),
        rule(
            MERCHANT_VELOCITY_ID,
            RiskFeature.MERCHANT_COUNT_WINDOW,
            velocityMaxPayments,
            VELOCITY_SCORE),
        rule(
            MERCHANT_MEAN_MULTIPLE_ID,
            RiskFeature.AMOUNT_TO_MERCHANT_MEAN,
            meanMultiple,
            MEAN_MULTIPLE_SCORE));
  }

  private static RiskRule rule(String id, RiskFeature feature, long threshold, int score) {
    return new RiskRule(
        id,
        DEFAULT_VERSION,
        RuleStatus.ACTIVE,
        feature,
        RuleComparison.GREATER,
        BigDecimal.valueOf(threshold),
        score,
        RuleAction.REVIEW);
  }
}
