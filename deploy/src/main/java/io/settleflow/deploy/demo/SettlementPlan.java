package io.settleflow.deploy.demo;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Currency;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * The settlement file a processor would send for a set of payments, with discrepancies of every
 * kind planted on purpose, and the list of what reconciliation must find. Fees follow the rules'
 * fee schedules and other-currency lines the rules' FX table ({@link DemoPricing}), so every line
 * not planted must match. Payments planted as RESOLVED are left out of the file like the overdue
 * ones and come in a second, late file ({@link #lateCsvLines}). Pure: seeded, no I/O.
 */
public final class SettlementPlan {
  public static final String HEADER =
      "settlement_id,payment_reference,merchant_id,type,gross_amount,fee_amount,net_amount,currency,settled_at";

  /** What reconciliation must report: kind → payment ids (settlement ids for orphans). */
  private final Map<PlantedKind, Set<String>> planted;

  private final List<String> lines;
  private final Set<String> expectedMatches;
  private final Set<String> fxConverted;
  private final List<AcceptedPayment> late;
  private final DemoPricing pricing;

  private SettlementPlan(
      Map<PlantedKind, Set<String>> planted,
      List<String> lines,
      Set<String> expectedMatches,
      Set<String> fxConverted,
      List<AcceptedPayment> late,
      DemoPricing pricing) {
    this.planted = planted;
    this.lines = lines;
    this.expectedMatches = expectedMatches;
    this.fxConverted = fxConverted;
    this.late = late;
    this.pricing = pricing;
  }

  /** The mismatch kinds the demo plants; names equal the MismatchAlert kinds. */
  public enum PlantedKind {
    AMOUNT_MISMATCH,
    CURRENCY_MISMATCH,
    ORPHAN_SETTLEMENT,
    OVERDUE_PAYMENT,
    DUPLICATE_SETTLEMENT,
    FEE_DEVIATION,
    FX_DEVIATION,
    CHARGEBACK,
    /** A late settlement after an OVERDUE_PAYMENT alert; those payments are overdue first. */
    RESOLVED
  }

  /**
   * How many of each kind to plant, and how many lines settle in another currency at the table's
   * rate (they must match: the precision side of FX).
   */
  public record Counts(Map<PlantedKind, Integer> byKind, int fxConverted) {
    public Counts {
      Map<PlantedKind, Integer> copy = new EnumMap<>(PlantedKind.class);
      for (PlantedKind k : PlantedKind.values()) {
        int n = byKind.getOrDefault(k, 0);
        if (n < 0) {
          throw new IllegalArgumentException(k + ": count must be >= 0, was " + n);
        }
        copy.put(k, n);
      }
      if (fxConverted < 0) {
        throw new IllegalArgumentException("fx converted: count must be >= 0, was " + fxConverted);
      }
      if (copy.get(PlantedKind.RESOLVED) > copy.get(PlantedKind.OVERDUE_PAYMENT)) {
        throw new IllegalArgumentException(
            "RESOLVED: "
                + copy.get(PlantedKind.RESOLVED)
                + " late settlements need as many OVERDUE_PAYMENT, planted "
                + copy.get(PlantedKind.OVERDUE_PAYMENT));
      }
      byKind = Collections.unmodifiableMap(copy);
    }

    /** {@code n} of every kind and {@code fxConverted} correctly converted lines. */
    public static Counts each(int n, int fxConverted) {
      Map<PlantedKind, Integer> m = new EnumMap<>(PlantedKind.class);
      for (PlantedKind k : PlantedKind.values()) {
        m.put(k, n);
      }
      return new Counts(m, fxConverted);
    }

    /** The five kinds the built-in rules can tell apart (no fee schedule, no FX rate needed). */
    public static Counts basic(int amount, int currency, int orphan, int overdue, int duplicate) {
      return each(0, 0)
          .with(PlantedKind.AMOUNT_MISMATCH, amount)
          .with(PlantedKind.CURRENCY_MISMATCH, currency)
          .with(PlantedKind.ORPHAN_SETTLEMENT, orphan)
          .with(PlantedKind.OVERDUE_PAYMENT, overdue)
          .with(PlantedKind.DUPLICATE_SETTLEMENT, duplicate);
    }

    public Counts with(PlantedKind kind, int n) {
      Map<PlantedKind, Integer> m = new EnumMap<>(byKind);
      m.put(kind, n);
      return new Counts(m, fxConverted);
    }

    public int of(PlantedKind kind) {
      return byKind.get(kind);
    }

    /** Payments (and orphan lines) the plan sets apart; RESOLVED ones are among the overdue. */
    public int total() {
      return byKind.values().stream().mapToInt(Integer::intValue).sum()
          - of(PlantedKind.RESOLVED)
          + fxConverted;
    }
  }

  /** What a settled payment gets in the file. */
  private enum Treatment {
    AMOUNT,
    CURRENCY,
    DUPLICATE,
    FEE,
    FX_DEVIATION,
    FX_CONVERTED,
    CHARGEBACK
  }

  /**
   * @param payments every payment accepted so far, in any order
   * @param settledAt the settlement time written on every line
   * @param pricing the fee schedules, FX rates and tolerances reconciliation runs with
   * @throws IllegalArgumentException when there are too few payments, or too few a kind can be
   *     planted on (FX needs payments in a currency the rate table converts)
   */
  public static SettlementPlan of(
      List<AcceptedPayment> payments,
      Counts counts,
      Instant settledAt,
      long seed,
      DemoPricing pricing) {
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
    // Overdue payments are the oldest ones: their deadline passes first. The first of them settle
    // late (RESOLVED), after their overdue alert.
    int overdue = counts.of(PlantedKind.OVERDUE_PAYMENT);
    List<AcceptedPayment> late = new ArrayList<>();
    for (int i = 0; i < overdue; i++) {
      AcceptedPayment p = byTime.get(i);
      planted.get(PlantedKind.OVERDUE_PAYMENT).add(p.paymentId());
      if (i < counts.of(PlantedKind.RESOLVED)) {
        planted.get(PlantedKind.RESOLVED).add(p.paymentId());
        late.add(p);
      }
    }
    List<AcceptedPayment> rest = new ArrayList<>(byTime.subList(overdue, byTime.size()));
    Collections.shuffle(rest, random);

    // The constrained kinds pick first, from the payments they can be planted on.
    Map<String, Treatment> treatmentOf = new HashMap<>();
    Predicate<AcceptedPayment> convertible = p -> pricing.fxCurrencyFor(p.currency()).isPresent();
    Predicate<AcceptedPayment> priced = p -> pricing.scheduleFor(p.merchantId()) != null;
    assign(
        rest,
        treatmentOf,
        Treatment.FX_DEVIATION,
        counts.of(PlantedKind.FX_DEVIATION),
        convertible,
        "FX_DEVIATION: a currency the rules' fx.rates convert");
    assign(
        rest,
        treatmentOf,
        Treatment.FX_CONVERTED,
        counts.fxConverted(),
        convertible,
        "fx converted: a currency the rules' fx.rates convert");
    assign(
        rest,
        treatmentOf,
        Treatment.FEE,
        counts.of(PlantedKind.FEE_DEVIATION),
        priced,
        "FEE_DEVIATION: a merchant with a fee schedule (fees.merchants or fees.default)");
    Predicate<AcceptedPayment> any = p -> true;
    assign(rest, treatmentOf, Treatment.AMOUNT, counts.of(PlantedKind.AMOUNT_MISMATCH), any, "");
    assign(
        rest, treatmentOf, Treatment.CURRENCY, counts.of(PlantedKind.CURRENCY_MISMATCH), any, "");
    assign(
        rest,
        treatmentOf,
        Treatment.DUPLICATE,
        counts.of(PlantedKind.DUPLICATE_SETTLEMENT),
        any,
        "");
    assign(rest, treatmentOf, Treatment.CHARGEBACK, counts.of(PlantedKind.CHARGEBACK), any, "");

    List<String> lines = new ArrayList<>();
    lines.add(HEADER);
    Set<String> expectedMatches = new LinkedHashSet<>();
    Set<String> fxConverted = new LinkedHashSet<>();
    int lineNo = 0;
    Set<String> overdueIds = planted.get(PlantedKind.OVERDUE_PAYMENT);
    for (AcceptedPayment p : byTime) {
      if (overdueIds.contains(p.paymentId())) {
        continue;
      }
      Treatment t = treatmentOf.get(p.paymentId());
      String id = p.paymentId();
      String currency = p.currency();
      long gross = p.amountMinor();
      long fee;
      if (t == Treatment.AMOUNT) {
        gross = p.amountMinor() - pricing.amountDeviationMinor(p.amountMinor());
        planted.get(PlantedKind.AMOUNT_MISMATCH).add(id);
      } else if (t == Treatment.CURRENCY) {
        currency = pricing.unconvertibleCurrencyFor(p.currency());
        planted.get(PlantedKind.CURRENCY_MISMATCH).add(id);
      } else if (t == Treatment.FX_DEVIATION || t == Treatment.FX_CONVERTED) {
        currency = pricing.fxCurrencyFor(p.currency()).orElseThrow();
        gross = pricing.convertMinor(p.amountMinor(), p.currency(), currency);
        if (t == Treatment.FX_DEVIATION) {
          // a worse rate than the table's; paid out above it if that would leave nothing
          long off = pricing.fxDeviationMinor(gross);
          gross = gross > 2 * off ? gross - off : gross + off;
          planted.get(PlantedKind.FX_DEVIATION).add(id);
        } else {
          fxConverted.add(id);
        }
      }
      fee = pricing.feeMinor(p.merchantId(), gross);
      if (t == Treatment.FEE) {
        fee += pricing.feeDeviationMinor();
        planted.get(PlantedKind.FEE_DEVIATION).add(id);
      }
      lines.add(
          line(
              "stl-" + (++lineNo), id, p.merchantId(), "PAYMENT", gross, fee, currency, settledAt));
      if (t == null || t == Treatment.FX_CONVERTED) {
        expectedMatches.add(id);
      } else if (t == Treatment.DUPLICATE) {
        expectedMatches.add(id); // the first settlement matches, the second is the duplicate
        lines.add(
            line(
                "stl-" + (++lineNo),
                id,
                p.merchantId(),
                "PAYMENT",
                gross,
                fee,
                currency,
                settledAt));
        planted.get(PlantedKind.DUPLICATE_SETTLEMENT).add(id);
      } else if (t == Treatment.CHARGEBACK) {
        expectedMatches.add(id); // the sale settles and matches; then the cardholder disputes it
        lines.add(
            line(
                "stl-" + (++lineNo),
                id,
                p.merchantId(),
                "CHARGEBACK",
                -gross,
                0,
                currency,
                settledAt));
        planted.get(PlantedKind.CHARGEBACK).add(id);
      }
    }
    for (int i = 0; i < counts.of(PlantedKind.ORPHAN_SETTLEMENT); i++) {
      String settlementId = "stl-" + (++lineNo);
      AcceptedPayment donor = rest.get(random.nextInt(rest.size()));
      String unknownPayment = new UUID(random.nextLong(), random.nextLong()).toString();
      lines.add(
          line(
              settlementId,
              unknownPayment,
              donor.merchantId(),
              "PAYMENT",
              1234,
              pricing.feeMinor(donor.merchantId(), 1234),
              donor.currency(),
              settledAt));
      planted.get(PlantedKind.ORPHAN_SETTLEMENT).add(settlementId);
    }
    // a late settlement matches after its RESOLVED
    late.forEach(p -> expectedMatches.add(p.paymentId()));
    return new SettlementPlan(planted, lines, expectedMatches, fxConverted, late, pricing);
  }

  private static void assign(
      List<AcceptedPayment> shuffled,
      Map<String, Treatment> treatmentOf,
      Treatment treatment,
      int count,
      Predicate<AcceptedPayment> eligible,
      String needs) {
    int found = 0;
    for (AcceptedPayment p : shuffled) {
      if (found == count) {
        return;
      }
      if (!treatmentOf.containsKey(p.paymentId()) && eligible.test(p)) {
        treatmentOf.put(p.paymentId(), treatment);
        found++;
      }
    }
    if (found < count) {
      throw new IllegalArgumentException(
          needs
              + ": need "
              + count
              + " payments of the kind, found "
              + found
              + " among "
              + shuffled.size());
    }
  }

  /**
   * The late file: a correct settlement for each payment planted as RESOLVED, settled one second
   * after its deadline (so it does not move event time past payments still waiting).
   */
  public List<String> lateCsvLines(Duration deadline) {
    List<String> out = new ArrayList<>();
    out.add(HEADER);
    int n = 0;
    for (AcceptedPayment p : late) {
      out.add(
          line(
              "stl-late-" + (++n),
              p.paymentId(),
              p.merchantId(),
              "PAYMENT",
              p.amountMinor(),
              pricing.feeMinor(p.merchantId(), p.amountMinor()),
              p.currency(),
              p.createdAt().plus(deadline).plusSeconds(1)));
    }
    return out;
  }

  private static String line(
      String settlementId,
      String paymentId,
      String merchantId,
      String type,
      long grossMinor,
      long feeMinor,
      String currency,
      Instant settledAt) {
    return String.join(
        ",",
        settlementId,
        paymentId,
        merchantId,
        type,
        major(grossMinor, currency),
        major(feeMinor, currency),
        major(grossMinor - feeMinor, currency),
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

  /** Payment ids that must end up matched (the late ones too, after their RESOLVED). */
  public Set<String> expectedMatches() {
    return expectedMatches;
  }

  /** Payments settled in another currency at the table's rate: they must match. */
  public Set<String> fxConverted() {
    return fxConverted;
  }

  /** Payments whose settlement comes in the late file, after their OVERDUE_PAYMENT alert. */
  public Set<String> latePayments() {
    return planted.get(PlantedKind.RESOLVED);
  }

  public int settlementLines() {
    return lines.size() - 1;
  }
}
