package io.settleflow.reconcile;

import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * "Sum within a window": decides whether a payout line without a batch id pays a set of one
 * merchant's settled-but-unpaid payments. Pure: no clock, no I/O, no Flink.
 *
 * <p>The candidates are the merchant's payments in the payout's currency with a positive net,
 * settled within {@code payout_windows.window} before the payout line (both ends included), in
 * settled_at order (ties by payment id). The choice is deterministic:
 *
 * <ol>
 *   <li>Contiguous runs by settled_at first (a payout usually pays everything settled since the
 *       previous one): the run starting earliest whose net sum is within tolerance of the payout's
 *       gross; of several such runs from that start, the smallest |delta|, then the shortest. Runs
 *       are at most {@link #MAX_PAYMENTS_PER_PAYOUT} payments long.
 *   <li>Otherwise a bounded subset search over the earliest {@link #MAX_SEARCH_CANDIDATES}
 *       candidates: the first subset within tolerance in depth-first order (subsets with earlier
 *       payments first), giving up after {@link #MAX_SEARCH_STEPS} steps.
 * </ol>
 *
 * Beyond the limits (a later candidate, a longer run, a search cut short) no match is found: the
 * payout line stays an orphan, and its explanation says the limit was reached.
 */
public final class PayoutWindowRules implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Longest contiguous run a payout may pay (bounds the search and the match's payment list). */
  public static final int MAX_PAYMENTS_PER_PAYOUT = 1_000;

  /** Candidates the non-contiguous search looks at: the earliest by settled_at. */
  public static final int MAX_SEARCH_CANDIDATES = 24;

  /** Steps (subsets tried) after which the non-contiguous search gives up. */
  public static final int MAX_SEARCH_STEPS = 100_000;

  /** What the comparison found. */
  public enum Outcome {
    MATCH,
    NO_CANDIDATES,
    NO_FIT
  }

  /**
   * @param chosen the payments the payout pays (empty unless a match), in settled_at order
   * @param deltaMinor payout gross minus the chosen payments' net sum; null without a match
   */
  public record Verdict(
      Outcome outcome,
      String rule,
      List<WindowCandidate> chosen,
      Long deltaMinor,
      String detail,
      List<MatchCriterion> criteria,
      MatchDeltas deltas) {
    public Verdict {
      chosen = List.copyOf(chosen);
      criteria = List.copyOf(criteria);
    }

    public boolean isMatch() {
      return outcome == Outcome.MATCH;
    }
  }

  static final Comparator<WindowCandidate> SETTLED_ORDER =
      Comparator.comparingLong((WindowCandidate c) -> c.settledAtMs)
          .thenComparing(c -> c.paymentId);

  private final ReconRules.PayoutWindows rules;

  public PayoutWindowRules(ReconRules.PayoutWindows rules) {
    this.rules = rules;
  }

  public Verdict compare(Settlement payout, Collection<WindowCandidate> open) {
    String rule = rules.rule();
    long toMs = payout.settledAtMs;
    long fromMs = EventTimes.saturatingAdd(toMs, -rules.windowMs());
    List<WindowCandidate> eligible = new ArrayList<>();
    for (WindowCandidate c : open) {
      if (BatchTotals.sameCurrency(payout.currency, c.currency)
          && c.netMinor > 0
          && c.settledAtMs >= fromMs
          && c.settledAtMs <= toMs) {
        eligible.add(c);
      }
    }
    eligible.sort(SETTLED_ORDER);
    String window =
        "settled "
            + Instant.ofEpochMilli(fromMs)
            + " .. "
            + Instant.ofEpochMilli(toMs)
            + " (window "
            + Duration.ofMillis(rules.windowMs())
            + ")";
    String line = "payout line " + payout.source + ":" + payout.settlementId;
    List<MatchCriterion> criteria = new ArrayList<>();
    criteria.add(
        new MatchCriterion(
            "window-payments",
            rule,
            !eligible.isEmpty(),
            "unpaid "
                + payout.currency
                + " payments of merchant "
                + payout.merchantId
                + " "
                + window,
            eligible.size() + " payment" + (eligible.size() == 1 ? "" : "s"),
            null));
    long target = payout.grossAmountMinor;
    long tol = rules.toleranceMinor();
    String expectedSum = "gross " + target + (tol == 0 ? "" : " ± " + tol);
    if (eligible.isEmpty()) {
      return new Verdict(
          Outcome.NO_CANDIDATES,
          rule,
          List.of(),
          null,
          line
              + " (gross "
              + target
              + " "
              + payout.currency
              + " minor units) names no payment and no batch, and merchant "
              + payout.merchantId
              + " has no unpaid payment "
              + window,
          criteria,
          new MatchDeltas(null, null, null, null));
    }
    List<WindowCandidate> chosen = contiguous(eligible, target, tol);
    String choice;
    String how =
        "a contiguous run by settled_at, else the first subset of the earliest "
            + MAX_SEARCH_CANDIDATES
            + " (at most "
            + MAX_SEARCH_STEPS
            + " steps)";
    if (chosen != null) {
      choice =
          "contiguous run of "
              + chosen.size()
              + " from "
              + chosen.get(0).paymentId
              + " to "
              + chosen.get(chosen.size() - 1).paymentId;
    } else {
      Search search = new Search(eligible, target, tol);
      chosen = search.run();
      String limits =
          (eligible.size() > MAX_SEARCH_CANDIDATES
                  ? "; only the earliest " + MAX_SEARCH_CANDIDATES + " of " + eligible.size()
                  : "")
              + (search.exhausted ? "; search stopped at " + MAX_SEARCH_STEPS + " steps" : "");
      if (chosen == null) {
        criteria.add(
            new MatchCriterion(
                "payout-equals-payments-net",
                rule,
                false,
                expectedSum + " from " + how,
                "no run or subset of the " + eligible.size() + " sums to it" + limits,
                null));
        return new Verdict(
            Outcome.NO_FIT,
            rule,
            List.of(),
            null,
            line
                + " (gross "
                + target
                + " "
                + payout.currency
                + " minor units) names no payment and no batch, and no run or subset of merchant "
                + payout.merchantId
                + "'s "
                + eligible.size()
                + " unpaid payments "
                + window
                + " sums to it"
                + (tol == 0 ? "" : " within " + tol)
                + limits,
            criteria,
            new MatchDeltas(null, null, null, null));
      }
      choice = "subset of " + chosen.size() + " found after " + search.steps + " steps" + limits;
    }
    long sum = 0;
    StringBuilder ids = new StringBuilder();
    for (WindowCandidate c : chosen) {
      sum = EventTimes.saturatingAdd(sum, c.netMinor);
      ids.append(ids.length() == 0 ? "" : "+").append(c.paymentId);
    }
    long delta = EventTimes.saturatingAdd(target, -sum);
    criteria.add(
        new MatchCriterion(
            "payout-equals-payments-net",
            rule,
            true,
            sum + (tol == 0 ? "" : " ± " + tol) + " (" + ids + ")",
            Long.toString(target),
            delta));
    criteria.add(new MatchCriterion("payment-choice", rule, true, how, choice, null));
    long days = Math.floorDiv(toMs - chosen.get(0).settledAtMs, SettlementMatchRules.DAY_MS);
    return new Verdict(
        Outcome.MATCH,
        rule,
        chosen,
        delta,
        line
            + " gross "
            + target
            + " "
            + payout.currency
            + " pays "
            + chosen.size()
            + " payment"
            + (chosen.size() == 1 ? "" : "s")
            + " of merchant "
            + payout.merchantId
            + " "
            + window
            + ", net "
            + sum
            + ", delta "
            + SettlementMatchRules.signed(delta)
            + " ("
            + choice
            + ")",
        criteria,
        new MatchDeltas(delta, null, null, days));
  }

  /** The earliest-starting run within tolerance (smallest |delta|, then shortest), or null. */
  static List<WindowCandidate> contiguous(List<WindowCandidate> sorted, long target, long tol) {
    long lo = EventTimes.saturatingAdd(target, -tol);
    long hi = EventTimes.saturatingAdd(target, tol);
    for (int i = 0; i < sorted.size(); i++) {
      long sum = 0;
      int best = -1;
      long bestDelta = Long.MAX_VALUE;
      int end = Math.min(sorted.size(), i + MAX_PAYMENTS_PER_PAYOUT);
      for (int k = i; k < end; k++) {
        sum = EventTimes.saturatingAdd(sum, sorted.get(k).netMinor);
        if (sum > hi) {
          break; // nets are positive: longer runs only grow
        }
        if (sum >= lo) {
          long d = Math.abs(target - sum);
          if (d < bestDelta) {
            bestDelta = d;
            best = k;
          }
        }
      }
      if (best >= 0) {
        return List.copyOf(sorted.subList(i, best + 1));
      }
    }
    return null;
  }

  /** Depth-first over subsets of the earliest candidates, earlier payments first; bounded. */
  static final class Search {
    private final List<WindowCandidate> items;
    private final long lo;
    private final long hi;
    private final List<WindowCandidate> picked = new ArrayList<>();
    int steps;
    boolean exhausted;

    Search(List<WindowCandidate> sorted, long target, long tol) {
      this.items = sorted.subList(0, Math.min(sorted.size(), MAX_SEARCH_CANDIDATES));
      this.lo = EventTimes.saturatingAdd(target, -tol);
      this.hi = EventTimes.saturatingAdd(target, tol);
    }

    List<WindowCandidate> run() {
      return dfs(0, 0) ? List.copyOf(picked) : null;
    }

    private boolean dfs(int from, long sum) {
      for (int k = from; k < items.size(); k++) {
        if (++steps > MAX_SEARCH_STEPS) {
          steps = MAX_SEARCH_STEPS;
          exhausted = true;
          return false;
        }
        long next = EventTimes.saturatingAdd(sum, items.get(k).netMinor);
        if (next > hi) {
          continue;
        }
        picked.add(items.get(k));
        if (next >= lo || dfs(k + 1, next)) {
          return true;
        }
        picked.remove(picked.size() - 1);
        if (exhausted) {
          return false;
        }
      }
      return false;
    }
  }
}
