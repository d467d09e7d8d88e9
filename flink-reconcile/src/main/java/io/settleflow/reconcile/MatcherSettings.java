package io.settleflow.reconcile;

import java.io.Serializable;
import java.time.Duration;

/**
 * The matcher's time limits and tolerance.
 *
 * @param settlementDeadlineMs a payment with no settlement this long after it occurred is overdue
 * @param orphanGraceMs a settlement with no payment this long after it settled is an orphan
 * @param decidedRetentionMs how long the decided marker outlives the decision (bounds state)
 * @param amountToleranceMinor absolute gross-vs-amount difference still accepted as a match
 */
public record MatcherSettings(
    long settlementDeadlineMs,
    long orphanGraceMs,
    long decidedRetentionMs,
    long amountToleranceMinor)
    implements Serializable {
  public static final Duration DEFAULT_SETTLEMENT_DEADLINE = Duration.ofDays(2);
  public static final Duration DEFAULT_ORPHAN_GRACE = Duration.ofHours(1);

  public MatcherSettings {
    if (settlementDeadlineMs <= 0 || orphanGraceMs <= 0 || decidedRetentionMs <= 0) {
      throw new IllegalArgumentException(
          "deadline, grace and retention must be positive: "
              + settlementDeadlineMs
              + ", "
              + orphanGraceMs
              + ", "
              + decidedRetentionMs);
    }
    if (amountToleranceMinor < 0) {
      throw new IllegalArgumentException(
          "amount tolerance must be >= 0, was " + amountToleranceMinor);
    }
  }

  /** Defaults; the decided marker is kept as long as the settlement deadline. */
  public static MatcherSettings defaults() {
    long deadline = DEFAULT_SETTLEMENT_DEADLINE.toMillis();
    return new MatcherSettings(
        deadline,
        DEFAULT_ORPHAN_GRACE.toMillis(),
        deadline,
        SettlementMatchRules.DEFAULT_AMOUNT_TOLERANCE_MINOR);
  }
}
