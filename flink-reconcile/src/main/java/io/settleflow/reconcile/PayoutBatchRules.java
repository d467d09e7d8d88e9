package io.settleflow.reconcile;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides whether a payout line settles its batch: its gross must equal the sum of the members' net
 * amounts (what the processor pays out after fees) within the batch tolerance, in one currency.
 * Pure: no clock, no I/O, no Flink. Every criterion is evaluated and reported; the first failing
 * one decides: members present, currency, sum.
 */
public final class PayoutBatchRules implements Serializable {
  private static final long serialVersionUID = 1L;

  /** What the comparison found. */
  public enum Outcome {
    MATCH,
    NO_MEMBERS,
    CURRENCY_MISMATCH,
    AMOUNT_MISMATCH
  }

  /**
   * @param deltaMinor payout gross minus the members' net sum; null when it cannot be computed
   */
  public record Verdict(
      Outcome outcome,
      String rule,
      String detail,
      Long deltaMinor,
      List<MatchCriterion> criteria,
      MatchDeltas deltas) {
    public Verdict {
      criteria = List.copyOf(criteria);
    }

    public boolean isMatch() {
      return outcome == Outcome.MATCH;
    }
  }

  private final ReconRules.Batches rules;

  public PayoutBatchRules(ReconRules.Batches rules) {
    this.rules = rules;
  }

  public Verdict compare(Settlement payout, BatchTotals members) {
    String rule = rules.rule();
    List<MatchCriterion> criteria = new ArrayList<>();
    int count = members == null ? 0 : members.count;
    String batch = "batch " + payout.batchId;
    criteria.add(
        new MatchCriterion(
            "batch-members",
            rule,
            count > 0,
            "member lines of " + batch,
            count + " line" + (count == 1 ? "" : "s"),
            null));
    if (count == 0) {
      return new Verdict(
          Outcome.NO_MEMBERS,
          rule,
          "payout line "
              + payout.source
              + ":"
              + payout.settlementId
              + " of "
              + payout.grossAmountMinor
              + " "
              + payout.currency
              + " minor units names "
              + batch
              + ", but no line of that batch arrived",
          null,
          criteria,
          new MatchDeltas(null, null, null, null));
    }
    long days = Math.floorDiv(payout.settledAtMs - members.firstAtMs, SettlementMatchRules.DAY_MS);
    boolean oneCurrency =
        members.otherCurrency == null
            && BatchTotals.sameCurrency(payout.currency, members.currency);
    criteria.add(
        new MatchCriterion(
            "currency",
            SettlementMatchRules.CURRENCY_RULE,
            oneCurrency,
            payout.currency,
            members.otherCurrency == null
                ? members.currency
                : members.currency + " and " + members.otherCurrency,
            null));
    Long delta = null;
    if (members.netMinor != null) {
      try {
        delta = Math.subtractExact(payout.grossAmountMinor, members.netMinor);
      } catch (ArithmeticException e) {
        delta = null;
      }
    }
    boolean sumPassed =
        delta != null && delta != Long.MIN_VALUE && Math.abs(delta) <= rules.toleranceMinor();
    String expected =
        (members.netMinor == null ? "(overflows)" : Long.toString(members.netMinor))
            + (rules.toleranceMinor() == 0 ? "" : " ± " + rules.toleranceMinor());
    criteria.add(
        new MatchCriterion(
            "payout-equals-members-net",
            rule,
            sumPassed,
            expected,
            Long.toString(payout.grossAmountMinor),
            delta));
    MatchDeltas deltas = new MatchDeltas(delta, null, null, days);
    String sums =
        "payout line "
            + payout.source
            + ":"
            + payout.settlementId
            + " gross "
            + payout.grossAmountMinor
            + " "
            + payout.currency
            + " vs the net of its "
            + count
            + " member line"
            + (count == 1 ? "" : "s")
            + " of "
            + batch
            + " "
            + expected
            + " "
            + members.currency
            + " minor units";
    if (!oneCurrency) {
      return new Verdict(
          Outcome.CURRENCY_MISMATCH,
          SettlementMatchRules.CURRENCY_RULE,
          sums + ": the currencies differ",
          delta,
          criteria,
          deltas);
    }
    if (!sumPassed) {
      return new Verdict(
          Outcome.AMOUNT_MISMATCH,
          rule,
          sums
              + ": delta "
              + (delta == null ? "beyond a long" : SettlementMatchRules.signed(delta))
              + ", tolerance "
              + rules.toleranceMinor(),
          delta,
          criteria,
          deltas);
    }
    return new Verdict(Outcome.MATCH, rule, sums, delta, criteria, deltas);
  }
}
