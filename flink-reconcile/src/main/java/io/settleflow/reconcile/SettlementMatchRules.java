package io.settleflow.reconcile;

import java.io.Serializable;

/**
 * Decides whether a settlement line settles a ledger payment. Pure: no clock, no I/O, no Flink.
 *
 * <p>Currency is checked first (an amount in the wrong currency means nothing), then the gross
 * amount against the payment amount within an absolute tolerance in minor units. Every verdict
 * names the rule and version that decided, so a finding can be traced to the rule text in force.
 */
public final class SettlementMatchRules implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final String CURRENCY_RULE = "currency-exact@1";
  public static final String AMOUNT_EXACT_RULE = "amount-exact@1";
  public static final String AMOUNT_TOLERANCE_RULE = "amount-within-tolerance@1";
  public static final long DEFAULT_AMOUNT_TOLERANCE_MINOR = 0;

  /** What the comparison found. */
  public enum Outcome {
    MATCH,
    AMOUNT_MISMATCH,
    CURRENCY_MISMATCH
  }

  /**
   * @param deltaMinor settlement gross minus payment amount (0 when it cannot be computed)
   */
  public record Verdict(Outcome outcome, String rule, String detail, long deltaMinor) {
    public boolean isMatch() {
      return outcome == Outcome.MATCH;
    }
  }

  private final long amountToleranceMinor;

  public SettlementMatchRules(long amountToleranceMinor) {
    if (amountToleranceMinor < 0) {
      throw new IllegalArgumentException(
          "amount tolerance must be >= 0, was " + amountToleranceMinor);
    }
    this.amountToleranceMinor = amountToleranceMinor;
  }

  public long amountToleranceMinor() {
    return amountToleranceMinor;
  }

  public Verdict compare(LedgerPayment payment, Settlement settlement) {
    if (payment.currency == null
        || settlement.currency == null
        || !payment.currency.equalsIgnoreCase(settlement.currency)) {
      return new Verdict(
          Outcome.CURRENCY_MISMATCH,
          CURRENCY_RULE,
          "settlement currency "
              + settlement.currency
              + " differs from ledger currency "
              + payment.currency
              + " (settlement gross "
              + settlement.grossAmountMinor
              + ", ledger amount "
              + payment.amountMinor
              + " minor units)",
          0);
    }
    String amountRule = amountToleranceMinor == 0 ? AMOUNT_EXACT_RULE : AMOUNT_TOLERANCE_RULE;
    long delta;
    try {
      delta = Math.subtractExact(settlement.grossAmountMinor, payment.amountMinor);
    } catch (ArithmeticException e) {
      // Amounts this far apart cannot be a match; report them rather than fail the job on them.
      return new Verdict(
          Outcome.AMOUNT_MISMATCH,
          amountRule,
          "settlement gross "
              + settlement.grossAmountMinor
              + " and ledger amount "
              + payment.amountMinor
              + " "
              + payment.currency
              + " differ by more than a long can hold",
          0);
    }
    long distance = delta == Long.MIN_VALUE ? Long.MAX_VALUE : Math.abs(delta);
    String described =
        "settlement gross "
            + settlement.grossAmountMinor
            + " vs ledger amount "
            + payment.amountMinor
            + " "
            + payment.currency
            + " minor units: delta "
            + signed(delta)
            + ", tolerance "
            + amountToleranceMinor;
    if (distance > amountToleranceMinor) {
      return new Verdict(Outcome.AMOUNT_MISMATCH, amountRule, described, delta);
    }
    return new Verdict(Outcome.MATCH, amountRule, described, delta);
  }

  private static String signed(long value) {
    return value > 0 ? "+" + value : Long.toString(value);
  }
}
