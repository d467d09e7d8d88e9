package io.settleflow.reconcile;

import java.io.Serializable;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The reconciliation rules in force: tolerances, fee schedules, FX rates and settlement SLAs, as
 * read from a versioned rules document ({@link ReconRulesDocument}). Pure data; every rule that
 * decides names itself as {@code rule-id@version} with the version of its section here.
 *
 * @param version the document's own version (free text, e.g. a date), shown in logs
 * @param batches one-to-many: a payout line against the lines of its batch
 * @param windows one-to-many without a batch id: a payout line against a merchant's
 *     settled-but-unpaid payments within a window
 */
public record ReconRules(
    String version,
    Amount amount,
    Fees fees,
    Fx fx,
    Overdue overdue,
    Batches batches,
    PayoutWindows windows)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final String REFERENCE_RULE = "reference-exact@1";
  public static final BigDecimal HUNDRED = BigDecimal.valueOf(100);

  /** Entries per map (merchants, rates, processors): a typo'd generator must not fill memory. */
  public static final int MAX_ENTRIES = 100_000;

  /**
   * Gross vs ledger amount: accepted when the difference is within the larger of the two.
   *
   * @param tolerancePercent of the ledger amount, 0 … 100
   */
  public record Amount(int version, long toleranceMinor, BigDecimal tolerancePercent)
      implements Serializable {
    private static final long serialVersionUID = 1L;

    public Amount {
      positiveVersion(version, "amount.version");
      nonNegative(toleranceMinor, "amount.tolerance_minor");
      tolerancePercent = checkedPercent(tolerancePercent, "amount.tolerance_percent");
    }

    public String rule() {
      return (toleranceMinor == 0 && tolerancePercent.signum() == 0
              ? "amount-exact@"
              : "amount-within-tolerance@")
          + version;
    }

    /** The largest accepted |difference| for an amount: abs tolerance or percent of it. */
    public long allowedMinor(long amountMinor) {
      return Math.max(toleranceMinor, percentOf(amountMinor, tolerancePercent));
    }
  }

  /** A processor's price for one line: percent of the gross plus a fixed part. */
  public record FeeSchedule(BigDecimal percent, long fixedMinor) implements Serializable {
    private static final long serialVersionUID = 1L;

    public FeeSchedule {
      percent = checkedPercent(percent, "percent");
      nonNegative(fixedMinor, "fixed_minor");
    }

    /** round-half-up(|gross| × percent / 100) + fixed. */
    public long feeMinor(long grossMinor) {
      BigDecimal variable =
          BigDecimal.valueOf(grossMinor)
              .abs()
              .multiply(percent)
              .divide(HUNDRED, 0, RoundingMode.HALF_UP);
      return variable.add(BigDecimal.valueOf(fixedMinor)).longValueExact();
    }

    @Override
    public String toString() {
      return percent.toPlainString() + "% + " + fixedMinor;
    }
  }

  /**
   * Fee checks: net = gross − fee always; the fee against the merchant's schedule (or the default)
   * when one applies.
   *
   * @param defaultSchedule null: merchants without their own schedule get no schedule check
   */
  public record Fees(
      int version,
      long toleranceMinor,
      FeeSchedule defaultSchedule,
      Map<String, FeeSchedule> merchants)
      implements Serializable {
    private static final long serialVersionUID = 1L;

    public Fees {
      positiveVersion(version, "fees.version");
      nonNegative(toleranceMinor, "fees.tolerance_minor");
      merchants = sorted(merchants, "fees.merchants");
    }

    public String rule() {
      return "fee-schedule@" + version;
    }

    /** The merchant's schedule, else the default, else null (no schedule check). */
    public FeeSchedule scheduleFor(String merchantId) {
      FeeSchedule own = merchantId == null ? null : merchants.get(merchantId);
      return own != null ? own : defaultSchedule;
    }
  }

  /**
   * Rates for settlements in another currency than the ledger's. {@code rates} maps "EUR/USD" to
   * how many USD one EUR buys (major units); the inverse pair is used when only it is listed.
   */
  public record Fx(
      int version, long toleranceMinor, BigDecimal tolerancePercent, Map<String, BigDecimal> rates)
      implements Serializable {
    private static final long serialVersionUID = 1L;

    public Fx {
      positiveVersion(version, "fx.version");
      nonNegative(toleranceMinor, "fx.tolerance_minor");
      tolerancePercent = checkedPercent(tolerancePercent, "fx.tolerance_percent");
      rates = sorted(rates, "fx.rates");
      for (Map.Entry<String, BigDecimal> e : rates.entrySet()) {
        String field = "fx.rates." + e.getKey();
        if (!e.getKey().matches("[A-Z]{3}/[A-Z]{3}")
            || e.getKey().substring(0, 3).equals(e.getKey().substring(4))) {
          throw new IllegalArgumentException(
              field + ": a pair is two different ISO 4217 codes, e.g. EUR/USD");
        }
        if (e.getValue() == null || e.getValue().signum() <= 0) {
          throw new IllegalArgumentException(field + ": rate must be > 0, was " + e.getValue());
        }
      }
    }

    public String rule() {
      return "fx-rate-table@" + version;
    }

    /** Units of {@code to} one unit of {@code from} buys, or null when the table has no rate. */
    public BigDecimal rate(String from, String to) {
      if (from == null || to == null) {
        return null;
      }
      String f = from.toUpperCase(Locale.ROOT);
      String t = to.toUpperCase(Locale.ROOT);
      BigDecimal direct = rates.get(f + "/" + t);
      if (direct != null) {
        return direct;
      }
      BigDecimal inverse = rates.get(t + "/" + f);
      return inverse == null ? null : BigDecimal.ONE.divide(inverse, 12, RoundingMode.HALF_EVEN);
    }

    public long allowedMinor(long expectedMinor) {
      return Math.max(toleranceMinor, percentOf(expectedMinor, tolerancePercent));
    }
  }

  /**
   * How long a ledger payment may wait for its settlement. The SLA is the processor's that settles
   * the merchant ({@code merchantProcessors}), else {@code defaultSlaMs}: the ledger event does not
   * say which processor will settle it.
   */
  public record Overdue(
      int version,
      long defaultSlaMs,
      Map<String, Long> processorSlaMs,
      Map<String, String> merchantProcessors)
      implements Serializable {
    private static final long serialVersionUID = 1L;

    public Overdue {
      positiveVersion(version, "overdue.version");
      if (defaultSlaMs <= 0) {
        throw new IllegalArgumentException(
            "overdue.default_sla: must be positive, was " + Duration.ofMillis(defaultSlaMs));
      }
      processorSlaMs = sorted(processorSlaMs, "overdue.processors");
      for (Map.Entry<String, Long> e : processorSlaMs.entrySet()) {
        if (e.getValue() == null || e.getValue() <= 0) {
          throw new IllegalArgumentException(
              "overdue.processors." + e.getKey() + ": must be positive, was " + e.getValue());
        }
      }
      merchantProcessors = sorted(merchantProcessors, "overdue.merchant_processors");
      for (Map.Entry<String, String> e : merchantProcessors.entrySet()) {
        if (!processorSlaMs.containsKey(e.getValue())) {
          throw new IllegalArgumentException(
              "overdue.merchant_processors."
                  + e.getKey()
                  + ": processor "
                  + e.getValue()
                  + " has no SLA under overdue.processors");
        }
      }
    }

    public String rule() {
      return "settlement-deadline@" + version;
    }

    /** The processor expected to settle the merchant's payments, or null (default SLA). */
    public String processorFor(String merchantId) {
      return merchantId == null ? null : merchantProcessors.get(merchantId);
    }

    public long slaMsFor(String merchantId) {
      String processor = processorFor(merchantId);
      return processor == null ? defaultSlaMs : processorSlaMs.get(processor);
    }
  }

  /**
   * One-to-many: a payout (bank) line settles every line of its batch. It matches when its gross
   * equals the sum of the members' net amounts within {@code toleranceMinor}.
   *
   * @param waitMs event time after the payout line's settlement during which members may still
   *     arrive; the batch is decided then
   * @param payoutSlaMs event time after a batch's first member line by which its payout line must
   *     have arrived, else OVERDUE_PAYMENT for the batch
   */
  public record Batches(int version, long toleranceMinor, long waitMs, long payoutSlaMs)
      implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final Duration DEFAULT_WAIT = Duration.ofHours(1);
    public static final Duration DEFAULT_PAYOUT_SLA = Duration.ofDays(3);

    public Batches {
      positiveVersion(version, "batches.version");
      nonNegative(toleranceMinor, "batches.tolerance_minor");
      if (waitMs <= 0) {
        throw new IllegalArgumentException("batches.wait: must be positive, was " + waitMs + " ms");
      }
      if (payoutSlaMs <= 0) {
        throw new IllegalArgumentException(
            "batches.payout_sla: must be positive, was " + payoutSlaMs + " ms");
      }
    }

    public static Batches defaults() {
      return new Batches(1, 0, DEFAULT_WAIT.toMillis(), DEFAULT_PAYOUT_SLA.toMillis());
    }

    /** The payout-vs-members rule. */
    public String rule() {
      return "payout-batch-sum@" + version;
    }

    /** Members without a payout line by the SLA. */
    public String deadlineRule() {
      return "payout-deadline@" + version;
    }
  }

  /**
   * One-to-many without a batch id ("sum within a window"): a payout line (a {@code PAYMENT} line
   * naming no payment and no batch, with a merchant) matches when its gross equals the net sum of
   * some of that merchant's payments settled (matched) within {@code windowMs} before it and not
   * paid out yet, within {@code toleranceMinor}. Off unless {@code enabled}: such a line is then an
   * orphan, as before.
   *
   * @param windowMs how far before the payout line's settlement a payment may have settled
   */
  public record PayoutWindows(int version, boolean enabled, long windowMs, long toleranceMinor)
      implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final Duration DEFAULT_WINDOW = Duration.ofDays(3);

    public PayoutWindows {
      positiveVersion(version, "payout_windows.version");
      nonNegative(toleranceMinor, "payout_windows.tolerance_minor");
      if (windowMs <= 0) {
        throw new IllegalArgumentException(
            "payout_windows.window: must be positive, was " + windowMs + " ms");
      }
    }

    public static PayoutWindows defaults() {
      return new PayoutWindows(1, false, DEFAULT_WINDOW.toMillis(), 0);
    }

    /** The payout-vs-window rule. */
    public String rule() {
      return "payout-window-sum@" + version;
    }
  }

  public ReconRules {
    if (version == null || version.isBlank()) {
      throw new IllegalArgumentException("version: required (the rules document's version)");
    }
    if (amount == null
        || fees == null
        || fx == null
        || overdue == null
        || batches == null
        || windows == null) {
      throw new IllegalArgumentException(
          "amount, fees, fx, overdue, batches and payout_windows are all required");
    }
  }

  /** Rules with the default {@link PayoutWindows} section (off). */
  public ReconRules(
      String version, Amount amount, Fees fees, Fx fx, Overdue overdue, Batches batches) {
    this(version, amount, fees, fx, overdue, batches, PayoutWindows.defaults());
  }

  /** Rules with the default {@link Batches} section. */
  public ReconRules(String version, Amount amount, Fees fees, Fx fx, Overdue overdue) {
    this(version, amount, fees, fx, overdue, Batches.defaults());
  }

  /** No tolerance, no fee schedule, no FX rates, a 2-day SLA: what the built-in document says. */
  public static ReconRules defaults() {
    return new ReconRules(
        "builtin-1",
        new Amount(1, 0, BigDecimal.ZERO),
        new Fees(1, 0, null, Map.of()),
        new Fx(1, 0, BigDecimal.ZERO, Map.of()),
        new Overdue(1, MatcherSettings.DEFAULT_SETTLEMENT_DEADLINE.toMillis(), Map.of(), Map.of()));
  }

  /** The same rules with another absolute amount tolerance (the environment's override). */
  public ReconRules withAmountToleranceMinor(long toleranceMinor) {
    return new ReconRules(
        version,
        new Amount(amount.version(), toleranceMinor, amount.tolerancePercent()),
        fees,
        fx,
        overdue,
        batches,
        windows);
  }

  /** The same rules with another default SLA (the environment's override). */
  public ReconRules withDefaultSlaMs(long slaMs) {
    return new ReconRules(
        version,
        amount,
        fees,
        fx,
        new Overdue(
            overdue.version(), slaMs, overdue.processorSlaMs(), overdue.merchantProcessors()),
        batches,
        windows);
  }

  /** The longest SLA any payment can get: decided markers must outlive it. */
  public long longestSlaMs() {
    long longest = overdue.defaultSlaMs();
    for (long sla : overdue.processorSlaMs().values()) {
      longest = Math.max(longest, sla);
    }
    return longest;
  }

  /** floor(|amount| × percent / 100); saturates at Long.MAX_VALUE. */
  static long percentOf(long amountMinor, BigDecimal percent) {
    if (percent.signum() == 0) {
      return 0;
    }
    BigDecimal v =
        BigDecimal.valueOf(amountMinor)
            .abs()
            .multiply(percent)
            .divide(HUNDRED, 0, RoundingMode.DOWN);
    return v.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0 ? Long.MAX_VALUE : v.longValue();
  }

  private static BigDecimal checkedPercent(BigDecimal value, String field) {
    if (value == null) {
      return BigDecimal.ZERO;
    }
    if (value.signum() < 0 || value.compareTo(HUNDRED) > 0) {
      throw new IllegalArgumentException(
          field + ": must be between 0 and 100, was " + value.toPlainString());
    }
    BigDecimal stripped = value.stripTrailingZeros();
    return stripped.scale() < 0 ? stripped.setScale(0, RoundingMode.UNNECESSARY) : stripped;
  }

  private static void nonNegative(long value, String field) {
    if (value < 0) {
      throw new IllegalArgumentException(field + ": must be >= 0, was " + value);
    }
  }

  private static void positiveVersion(int version, String field) {
    if (version <= 0) {
      throw new IllegalArgumentException(field + ": must be a positive integer, was " + version);
    }
  }

  private static <V> Map<String, V> sorted(Map<String, V> map, String field) {
    if (map == null) {
      return Map.of();
    }
    if (map.size() > MAX_ENTRIES) {
      throw new IllegalArgumentException(
          field + ": at most " + MAX_ENTRIES + " entries, was " + map.size());
    }
    // A TreeMap serializes (Flink ships the rules with the job) and prints in a stable order.
    return java.util.Collections.unmodifiableMap(new TreeMap<>(map));
  }
}
