package io.settleflow.deploy.bench;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The {@code bench recon} backlog: N ledger payments and N settlement lines with planted
 * discrepancies, and the alerts they must raise (the ground truth). Pure and deterministic from the
 * seed: slot i holds payment {@code pay-i} and one settlement line; a planted slot changes the line
 * (or leaves the payment without one) and records the alert(s) expected.
 *
 * <ul>
 *   <li>AMOUNT_MISMATCH: the line's gross is the amount + 1..100.
 *   <li>CURRENCY_MISMATCH: the line is in USD (the ledger says EUR; the default rules have no
 *       rate).
 *   <li>ORPHAN_SETTLEMENT + OVERDUE_PAYMENT: the line references a payment the ledger does not
 *       have, so the slot's payment has none (the nightly SQL finds only this one).
 *   <li>DUPLICATE_SETTLEMENT + OVERDUE_PAYMENT: the line settles the previous (clean) slot's
 *       payment a second time, so the slot's payment has none.
 * </ul>
 */
public final class ReconWorkload {
  /** What a slot's settlement line is. */
  public enum Plant {
    CLEAN,
    AMOUNT,
    CURRENCY,
    ORPHAN,
    DUPLICATE
  }

  /** One expected alert: its MismatchAlert kind and payment id. */
  public record Expected(String kind, String paymentId) {}

  /** One settlement line, in the slot's terms. */
  public record Line(
      String settlementId, String paymentReference, long grossMinor, String currency) {}

  public static final String CURRENCY = "EUR";
  public static final String OTHER_CURRENCY = "USD";

  private final int records;
  private final Plant[] plants;

  /**
   * @param plantedPerMille discrepancies per 1,000 slots, spread evenly over the four kinds
   */
  public ReconWorkload(int records, int plantedPerMille, long seed) {
    if (records < 2) {
      throw new IllegalArgumentException("records: at least 2, was " + records);
    }
    if (plantedPerMille < 0 || plantedPerMille > 500) {
      throw new IllegalArgumentException("planted per mille: 0 … 500, was " + plantedPerMille);
    }
    this.records = records;
    this.plants = new Plant[records];
    SplittableRandom random = new SplittableRandom(seed);
    Plant[] kinds = {Plant.AMOUNT, Plant.CURRENCY, Plant.ORPHAN, Plant.DUPLICATE};
    for (int i = 0; i < records; i++) {
      plants[i] = Plant.CLEAN;
      // Never two plants side by side: a duplicate needs a clean previous slot.
      if (i > 0 && plants[i - 1] == Plant.CLEAN && random.nextInt(1_000) < plantedPerMille) {
        plants[i] = kinds[random.nextInt(kinds.length)];
      }
    }
  }

  public int records() {
    return records;
  }

  public Plant plant(int i) {
    return plants[i];
  }

  public static String paymentId(int i) {
    return "pay-" + i;
  }

  /** The ledger amount of slot i's payment (minor units). */
  public static long amountMinor(int i) {
    return 1_000 + (i * 7919L) % 90_000;
  }

  /** Slot i's settlement line. */
  public Line line(int i) {
    String id = "line-" + i;
    long amount = amountMinor(i);
    return switch (plants[i]) {
      case CLEAN -> new Line(id, paymentId(i), amount, CURRENCY);
      case AMOUNT -> new Line(id, paymentId(i), amount + 1 + (i % 100), CURRENCY);
      case CURRENCY -> new Line(id, paymentId(i), amount, OTHER_CURRENCY);
      case ORPHAN -> new Line(id, "ghost-" + i, amount, CURRENCY);
      case DUPLICATE -> new Line(id, paymentId(i - 1), amountMinor(i - 1), CURRENCY);
    };
  }

  /** Every alert the backlog must raise, and nothing else. */
  public Set<Expected> expectedAlerts() {
    Set<Expected> out = new HashSet<>();
    for (int i = 0; i < records; i++) {
      switch (plants[i]) {
        case CLEAN -> {}
        case AMOUNT -> out.add(new Expected("AMOUNT_MISMATCH", paymentId(i)));
        case CURRENCY -> out.add(new Expected("CURRENCY_MISMATCH", paymentId(i)));
        case ORPHAN -> {
          out.add(new Expected("ORPHAN_SETTLEMENT", "ghost-" + i));
          out.add(new Expected("OVERDUE_PAYMENT", paymentId(i)));
        }
        case DUPLICATE -> {
          out.add(new Expected("DUPLICATE_SETTLEMENT", paymentId(i - 1)));
          out.add(new Expected("OVERDUE_PAYMENT", paymentId(i)));
        }
      }
    }
    return out;
  }

  /** Payments matched cleanly (one match each). */
  public long expectedMatches() {
    long n = 0;
    for (int i = 0; i < records; i++) {
      if (plants[i] == Plant.CLEAN) {
        n++;
      }
    }
    return n;
  }

  /** Payments with no settlement line: what the nightly LEFT JOIN reports. */
  public long missingPayments() {
    long n = 0;
    for (Plant p : plants) {
      if (p == Plant.ORPHAN || p == Plant.DUPLICATE) {
        n++;
      }
    }
    return n;
  }

  /** Precision and recall of observed alerts against the planted ones. */
  public record Score(long truePositives, long falsePositives, long falseNegatives) {
    public double precision() {
      long flagged = truePositives + falsePositives;
      return flagged == 0 ? 1.0 : (double) truePositives / flagged;
    }

    public double recall() {
      long expected = truePositives + falseNegatives;
      return expected == 0 ? 1.0 : (double) truePositives / expected;
    }
  }

  /**
   * Scores the alerts seen (RESOLVED ones are news about others and not scored; an alert seen twice
   * counts once, as a consumer deduplicating by event id would).
   */
  public static Score score(Set<Expected> expected, List<Expected> observed) {
    Set<Expected> seen = new HashSet<>();
    for (Expected e : observed) {
      if (!"RESOLVED".equals(e.kind())) {
        seen.add(e);
      }
    }
    long tp = 0;
    long fp = 0;
    for (Expected e : seen) {
      if (expected.contains(e)) {
        tp++;
      } else {
        fp++;
      }
    }
    return new Score(tp, fp, expected.size() - tp);
  }

  /** Planted kinds counted, for the report. */
  public Map<Plant, Integer> plantCounts() {
    Map<Plant, Integer> counts = new HashMap<>();
    for (Plant p : plants) {
      counts.merge(p, 1, Integer::sum);
    }
    return counts;
  }
}
