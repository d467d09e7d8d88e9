package io.settleflow.deploy.demo;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Currency;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

/**
 * The settlement file a processor would send for a set of payments, with discrepancies of every
 * kind planted on purpose, and the list of what reconciliation must find. Pure: seeded, no I/O.
 */
public final class SettlementPlan {
  public static final String HEADER =
      "settlement_id,payment_reference,merchant_id,type,gross_amount,fee_amount,net_amount,currency,settled_at";

  /** What reconciliation must report: kind → payment ids (settlement ids for orphans). */
  private final Map<PlantedKind, Set<String>> planted;

  private final List<String> lines;
  private final Set<String> expectedMatches;

  private SettlementPlan(
      Map<PlantedKind, Set<String>> planted, List<String> lines, Set<String> expectedMatches) {
    this.planted = planted;
    this.lines = lines;
    this.expectedMatches = expectedMatches;
  }

  /** The mismatch kinds the demo plants; names equal the MismatchAlert kinds. */
  public enum PlantedKind {
    AMOUNT_MISMATCH,
    CURRENCY_MISMATCH,
    ORPHAN_SETTLEMENT,
    OVERDUE_PAYMENT,
    DUPLICATE_SETTLEMENT
  }

  /** How many of each kind to plant. */
  public record Counts(int amount, int currency, int orphan, int overdue, int duplicate) {
    public int total() {
      return amount + currency + orphan + overdue + duplicate;
    }
  }

  /**
   * @param payments every payment accepted so far, in any order
   * @param settledAt the settlement time written on every line
   */
  public static SettlementPlan of(
      List<AcceptedPayment> payments, Counts counts, Instant settledAt, long seed) {
    if (payments.size() < counts.total() * 3) {
      throw new IllegalArgumentException(
          "need at least "
              + counts.total() * 3
              + " payments to plant "
              + counts.total()
              + " discrepancies, have "
              + payments.size());
    }
    Random random = new Random(seed);
    List<AcceptedPayment> byTime = new ArrayList<>(payments);
    byTime.sort(
        Comparator.comparing(AcceptedPayment::createdAt).thenComparing(AcceptedPayment::paymentId));

    Map<PlantedKind, Set<String>> planted = new EnumMap<>(PlantedKind.class);
    for (PlantedKind k : PlantedKind.values()) {
      planted.put(k, new LinkedHashSet<>());
    }
    // Overdue payments are the oldest ones: their deadline passes first.
    Set<String> taken = new HashSet<>();
    for (int i = 0; i < counts.overdue(); i++) {
      planted.get(PlantedKind.OVERDUE_PAYMENT).add(byTime.get(i).paymentId());
      taken.add(byTime.get(i).paymentId());
    }
    List<AcceptedPayment> rest = new ArrayList<>(byTime.subList(counts.overdue(), byTime.size()));
    java.util.Collections.shuffle(rest, random);
    int next = 0;
    Map<String, PlantedKind> kindOf = new java.util.HashMap<>();
    for (int i = 0; i < counts.amount(); i++)
      kindOf.put(rest.get(next++).paymentId(), PlantedKind.AMOUNT_MISMATCH);
    for (int i = 0; i < counts.currency(); i++)
      kindOf.put(rest.get(next++).paymentId(), PlantedKind.CURRENCY_MISMATCH);
    for (int i = 0; i < counts.duplicate(); i++)
      kindOf.put(rest.get(next++).paymentId(), PlantedKind.DUPLICATE_SETTLEMENT);

    List<String> lines = new ArrayList<>();
    lines.add(HEADER);
    Set<String> expectedMatches = new LinkedHashSet<>();
    int lineNo = 0;
    for (AcceptedPayment p : byTime) {
      if (taken.contains(p.paymentId())) {
        continue;
      }
      PlantedKind kind = kindOf.get(p.paymentId());
      long gross = p.amountMinor();
      String currency = p.currency();
      if (kind == PlantedKind.AMOUNT_MISMATCH) {
        gross = p.amountMinor() - 100; // short by 1.00 in a 2-digit currency
      } else if (kind == PlantedKind.CURRENCY_MISMATCH) {
        currency = "EUR".equals(p.currency()) ? "USD" : "EUR";
      }
      lines.add(
          line("stl-" + (++lineNo), p.paymentId(), p.merchantId(), gross, currency, settledAt));
      if (kind == null) {
        expectedMatches.add(p.paymentId());
      } else if (kind == PlantedKind.DUPLICATE_SETTLEMENT) {
        expectedMatches.add(
            p.paymentId()); // the first settlement matches, the second is the duplicate
        lines.add(
            line("stl-" + (++lineNo), p.paymentId(), p.merchantId(), gross, currency, settledAt));
        planted.get(kind).add(p.paymentId());
      } else {
        planted.get(kind).add(p.paymentId());
      }
    }
    for (int i = 0; i < counts.orphan(); i++) {
      String settlementId = "stl-" + (++lineNo);
      AcceptedPayment any = rest.get(random.nextInt(rest.size()));
      String unknownPayment = new UUID(random.nextLong(), random.nextLong()).toString();
      lines.add(
          line(settlementId, unknownPayment, any.merchantId(), 1234, any.currency(), settledAt));
      planted.get(PlantedKind.ORPHAN_SETTLEMENT).add(settlementId);
    }
    return new SettlementPlan(planted, lines, expectedMatches);
  }

  /** A processor-style fee: 2.9 % + 30 minor units, never above the gross. */
  static long fee(long grossMinor) {
    return Math.min(Math.abs(grossMinor), Math.abs(grossMinor) * 29 / 1000 + 30);
  }

  private static String line(
      String settlementId,
      String paymentId,
      String merchantId,
      long grossMinor,
      String currency,
      Instant settledAt) {
    long fee = fee(grossMinor);
    return String.join(
        ",",
        settlementId,
        paymentId,
        merchantId,
        "PAYMENT",
        major(grossMinor, currency),
        major(fee, currency),
        major(grossMinor - fee, currency),
        currency,
        settledAt.toString());
  }

  static String major(long minor, String currency) {
    return BigDecimal.valueOf(minor, Currency.getInstance(currency).getDefaultFractionDigits())
        .toPlainString();
  }

  public Map<PlantedKind, Set<String>> planted() {
    return planted;
  }

  public List<String> csvLines() {
    return lines;
  }

  /** Payment ids that must end up matched. */
  public Set<String> expectedMatches() {
    return expectedMatches;
  }

  public int settlementLines() {
    return lines.size() - 1;
  }
}
