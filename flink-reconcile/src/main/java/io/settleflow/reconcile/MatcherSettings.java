package io.settleflow.reconcile;

import java.io.Serializable;
import java.time.Duration;

/**
 * The matcher's time limits and the rules in force.
 *
 * @param orphanGraceMs a settlement with no payment this long after it settled is an orphan
 * @param decidedRetentionMs how long the decided marker outlives the decision (bounds state)
 * @param rules tolerances, fee schedules, FX rates and the overdue SLAs (per processor)
 */
public record MatcherSettings(long orphanGraceMs, long decidedRetentionMs, ReconRules rules)
    implements Serializable {
  public static final Duration DEFAULT_SETTLEMENT_DEADLINE = Duration.ofDays(2);
  public static final Duration DEFAULT_ORPHAN_GRACE = Duration.ofHours(1);

  public MatcherSettings {
    if (orphanGraceMs <= 0 || decidedRetentionMs <= 0) {
      throw new IllegalArgumentException(
          "grace and retention must be positive: " + orphanGraceMs + ", " + decidedRetentionMs);
    }
    if (rules == null) {
      throw new IllegalArgumentException("rules are required");
    }
  }

  /**
   * The built-in rules with another default SLA and absolute amount tolerance.
   *
   * @param settlementDeadlineMs a payment with no settlement this long after it occurred is overdue
   * @param amountToleranceMinor absolute gross-vs-amount difference still accepted as a match
   */
  public MatcherSettings(
      long settlementDeadlineMs,
      long orphanGraceMs,
      long decidedRetentionMs,
      long amountToleranceMinor) {
    this(
        orphanGraceMs,
        decidedRetentionMs,
        ReconRules.defaults()
            .withDefaultSlaMs(settlementDeadlineMs)
            .withAmountToleranceMinor(amountToleranceMinor));
  }

  /** The default SLA: payments of merchants without a processor SLA are overdue after this. */
  public long settlementDeadlineMs() {
    return rules.overdue().defaultSlaMs();
  }

  public long amountToleranceMinor() {
    return rules.amount().toleranceMinor();
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
