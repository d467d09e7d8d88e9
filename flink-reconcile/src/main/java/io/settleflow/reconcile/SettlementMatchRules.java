package io.settleflow.reconcile;

import java.io.Serializable;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Locale;

/**
 * Decides whether a settlement line settles a ledger payment (or a refund line a ledger refund).
 * Pure: no clock, no I/O, no Flink.
 *
 * <p>Every criterion is evaluated and reported, so a verdict explains itself; the first failing one
 * in this order decides: currency (or, across currencies, the FX rate table), amount, fees. Every
 * verdict names the rule and version that decided, so a finding can be traced to the rule text in
 * force ({@link ReconRules}).
 */
public final class SettlementMatchRules implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final String CURRENCY_RULE = "currency-exact@1";
  public static final String AMOUNT_EXACT_RULE = "amount-exact@1";
  public static final String AMOUNT_TOLERANCE_RULE = "amount-within-tolerance@1";
  public static final long DEFAULT_AMOUNT_TOLERANCE_MINOR = 0;
  public static final long DAY_MS = 86_400_000L;

  /** Digits a rate is carried with after inverting a pair. */
  static final int FX_SCALE = 12;

  /** What the comparison found. */
  public enum Outcome {
    MATCH,
    AMOUNT_MISMATCH,
    CURRENCY_MISMATCH,
    FEE_DEVIATION,
    FX_DEVIATION
  }

  /**
   * @param deltaMinor settlement gross minus payment amount, or minus the FX-converted amount
   *     across currencies (0 when it cannot be computed)
   * @param criteria every check made, in order, passed or failed
   */
  public record Verdict(
      Outcome outcome,
      String rule,
      String detail,
      long deltaMinor,
      List<MatchCriterion> criteria,
      MatchDeltas deltas) {
    public Verdict {
      criteria = List.copyOf(criteria);
    }

    public boolean isMatch() {
      return outcome == Outcome.MATCH;
    }
  }

  private final ReconRules rules;

  public SettlementMatchRules(ReconRules rules) {
    this.rules = rules;
  }

  /** The built-in rules with another absolute amount tolerance. */
  public SettlementMatchRules(long amountToleranceMinor) {
    this(ReconRules.defaults().withAmountToleranceMinor(amountToleranceMinor));
  }

  public Verdict compare(LedgerPayment payment, Settlement settlement) {
    List<MatchCriterion> criteria = new ArrayList<>();
    boolean refund = payment.isRefund();
    criteria.add(
        new MatchCriterion(
            "reference",
            ReconRules.REFERENCE_RULE,
            payment.paymentId != null && payment.paymentId.equals(settlement.paymentReference),
            payment.paymentId,
            settlement.paymentReference,
            null));
    long days = Math.floorDiv(settlement.settledAtMs - payment.occurredAtMs, DAY_MS);
    Check money =
        sameCurrency(payment.currency, settlement.currency)
            ? amount(payment, settlement, refund, criteria)
            : fx(payment, settlement, refund, criteria);
    Check fee = fees(payment, settlement, refund, criteria);
    MatchDeltas deltas = new MatchDeltas(money.amountDelta, fee.feeDelta, money.fxDelta, days);
    Check decisive =
        money.outcome != Outcome.MATCH ? money : fee.outcome != Outcome.MATCH ? fee : money;
    return new Verdict(
        decisive.outcome, decisive.rule, decisive.detail, money.delta, criteria, deltas);
  }

  /** One step's finding. */
  private record Check(
      Outcome outcome,
      String rule,
      String detail,
      long delta,
      Long amountDelta,
      Long fxDelta,
      Long feeDelta) {}

  private Check amount(
      LedgerPayment payment, Settlement settlement, boolean refund, List<MatchCriterion> out) {
    out.add(
        new MatchCriterion(
            "currency", CURRENCY_RULE, true, payment.currency, settlement.currency, null));
    String amountRule = rules.amount().rule();
    String criterion = refund ? "refund-amount" : "amount";
    long settled;
    long delta;
    try {
      // Feeds write refund lines negative; the ledger's refund amount is positive.
      settled = refund ? Math.absExact(settlement.grossAmountMinor) : settlement.grossAmountMinor;
      delta = Math.subtractExact(settled, payment.amountMinor);
    } catch (ArithmeticException e) {
      // Amounts this far apart cannot be a match; report them rather than fail the job on them.
      out.add(
          new MatchCriterion(
              criterion,
              amountRule,
              false,
              Long.toString(payment.amountMinor),
              Long.toString(settlement.grossAmountMinor),
              null));
      return new Check(
          Outcome.AMOUNT_MISMATCH,
          amountRule,
          "settlement gross "
              + settlement.grossAmountMinor
              + " and ledger amount "
              + payment.amountMinor
              + " "
              + payment.currency
              + " differ by more than a long can hold",
          0,
          null,
          null,
          null);
    }
    long distance = delta == Long.MIN_VALUE ? Long.MAX_VALUE : Math.abs(delta);
    long allowed = rules.amount().allowedMinor(payment.amountMinor);
    boolean passed = distance <= allowed;
    out.add(
        new MatchCriterion(
            criterion,
            amountRule,
            passed,
            Long.toString(payment.amountMinor) + (allowed == 0 ? "" : " ± " + allowed),
            Long.toString(settled),
            delta));
    String described =
        (refund ? "refund line gross " : "settlement gross ")
            + settlement.grossAmountMinor
            + " vs ledger "
            + (refund ? "refund " : "amount ")
            + payment.amountMinor
            + " "
            + payment.currency
            + " minor units: delta "
            + signed(delta)
            + ", tolerance "
            + allowed;
    return new Check(
        passed ? Outcome.MATCH : Outcome.AMOUNT_MISMATCH,
        amountRule,
        described,
        delta,
        delta,
        null,
        null);
  }

  private Check fx(
      LedgerPayment payment, Settlement settlement, boolean refund, List<MatchCriterion> out) {
    ReconRules.Fx fx = rules.fx();
    BigDecimal rate = fx.rate(payment.currency, settlement.currency);
    int ledgerDigits = fractionDigits(payment.currency);
    int settledDigits = fractionDigits(settlement.currency);
    String pair = payment.currency + "/" + settlement.currency;
    String currencyDetail =
        "settlement currency "
            + settlement.currency
            + " differs from ledger currency "
            + payment.currency
            + " (settlement gross "
            + settlement.grossAmountMinor
            + ", ledger amount "
            + payment.amountMinor
            + " minor units)";
    if (rate == null || ledgerDigits < 0 || settledDigits < 0) {
      out.add(
          new MatchCriterion(
              "currency", CURRENCY_RULE, false, payment.currency, settlement.currency, null));
      return new Check(
          Outcome.CURRENCY_MISMATCH,
          CURRENCY_RULE,
          currencyDetail + "; the FX rate table (" + fx.rule() + ") has no " + pair + " rate",
          0,
          null,
          null,
          null);
    }
    String fxRule = fx.rule();
    long expected;
    long settled;
    long delta;
    try {
      expected =
          BigDecimal.valueOf(payment.amountMinor)
              .multiply(rate)
              .scaleByPowerOfTen(settledDigits - ledgerDigits)
              .setScale(0, RoundingMode.HALF_EVEN)
              .longValueExact();
      settled = refund ? Math.absExact(settlement.grossAmountMinor) : settlement.grossAmountMinor;
      delta = Math.subtractExact(settled, expected);
    } catch (ArithmeticException e) {
      out.add(
          new MatchCriterion(
              "fx-rate",
              fxRule,
              false,
              pair + " " + rate.stripTrailingZeros().toPlainString(),
              settlement.grossAmountMinor + " " + settlement.currency,
              null));
      return new Check(
          Outcome.FX_DEVIATION,
          fxRule,
          currencyDetail + "; converted at " + pair + " they differ by more than a long can hold",
          0,
          null,
          null,
          null);
    }
    long distance = delta == Long.MIN_VALUE ? Long.MAX_VALUE : Math.abs(delta);
    long allowed = fx.allowedMinor(expected);
    boolean passed = distance <= allowed;
    String rateText = rate.stripTrailingZeros().toPlainString();
    out.add(
        new MatchCriterion(
            "fx-rate",
            fxRule,
            passed,
            expected
                + " "
                + settlement.currency
                + " ("
                + payment.amountMinor
                + " "
                + payment.currency
                + " at "
                + pair
                + " "
                + rateText
                + (allowed == 0 ? ")" : ", ± " + allowed + ")"),
            settled + " " + settlement.currency,
            delta));
    String detail =
        "settlement gross "
            + settlement.grossAmountMinor
            + " "
            + settlement.currency
            + " vs ledger amount "
            + payment.amountMinor
            + " "
            + payment.currency
            + " converted at "
            + pair
            + " "
            + rateText
            + " = "
            + expected
            + " "
            + settlement.currency
            + " minor units: delta "
            + signed(delta)
            + ", tolerance "
            + allowed;
    return new Check(
        passed ? Outcome.MATCH : Outcome.FX_DEVIATION, fxRule, detail, delta, null, delta, null);
  }

  private Check fees(
      LedgerPayment payment, Settlement settlement, boolean refund, List<MatchCriterion> out) {
    ReconRules.Fees fees = rules.fees();
    String feeRule = fees.rule();
    StringBuilder failed = new StringBuilder();
    Long netExpected;
    try {
      netExpected = Math.subtractExact(settlement.grossAmountMinor, settlement.feeAmountMinor);
    } catch (ArithmeticException e) {
      netExpected = null;
    }
    boolean netPassed = netExpected != null && netExpected == settlement.netAmountMinor;
    out.add(
        new MatchCriterion(
            "net-equals-gross-minus-fee",
            feeRule,
            netPassed,
            netExpected == null ? "gross - fee (overflows)" : Long.toString(netExpected),
            Long.toString(settlement.netAmountMinor),
            netExpected == null ? null : settlement.netAmountMinor - netExpected));
    if (!netPassed) {
      failed
          .append("net ")
          .append(settlement.netAmountMinor)
          .append(" is not gross ")
          .append(settlement.grossAmountMinor)
          .append(" - fee ")
          .append(settlement.feeAmountMinor);
    }
    Long feeDelta = null;
    String merchant = payment.merchantId != null ? payment.merchantId : settlement.merchantId;
    ReconRules.FeeSchedule schedule = refund ? null : fees.scheduleFor(merchant);
    if (schedule != null) {
      Long expectedFee;
      try {
        expectedFee = schedule.feeMinor(settlement.grossAmountMinor);
        feeDelta = Math.subtractExact(settlement.feeAmountMinor, expectedFee);
      } catch (ArithmeticException e) {
        expectedFee = null;
      }
      boolean feePassed =
          feeDelta != null
              && feeDelta != Long.MIN_VALUE
              && Math.abs(feeDelta) <= fees.toleranceMinor();
      String scheduleText =
          (fees.merchants().containsKey(merchant) ? "merchant " + merchant : "default")
              + " schedule "
              + schedule
              + " of gross "
              + settlement.grossAmountMinor;
      out.add(
          new MatchCriterion(
              "fee-schedule",
              feeRule,
              feePassed,
              (expectedFee == null ? "(overflows)" : Long.toString(expectedFee))
                  + (fees.toleranceMinor() == 0 ? "" : " ± " + fees.toleranceMinor())
                  + " ("
                  + scheduleText
                  + ")",
              Long.toString(settlement.feeAmountMinor),
              feeDelta));
      if (!feePassed) {
        if (failed.length() > 0) {
          failed.append("; ");
        }
        failed
            .append("fee ")
            .append(settlement.feeAmountMinor)
            .append(" vs ")
            .append(expectedFee)
            .append(" by the ")
            .append(scheduleText)
            .append(" ")
            .append(settlement.currency)
            .append(" minor units: delta ")
            .append(feeDelta == null ? "beyond a long" : signed(feeDelta))
            .append(", tolerance ")
            .append(fees.toleranceMinor());
      }
    }
    if (failed.length() == 0) {
      return new Check(Outcome.MATCH, feeRule, "", 0, null, null, feeDelta);
    }
    return new Check(
        Outcome.FEE_DEVIATION,
        feeRule,
        "settlement " + settlement.source + ":" + settlement.settlementId + " fees: " + failed,
        0,
        null,
        null,
        feeDelta);
  }

  private static boolean sameCurrency(String a, String b) {
    return a != null && b != null && a.equalsIgnoreCase(b);
  }

  /** ISO 4217 minor-unit digits, or -1 for an unknown code or one without minor units. */
  static int fractionDigits(String code) {
    if (code == null) {
      return -1;
    }
    try {
      return Currency.getInstance(code.toUpperCase(Locale.ROOT)).getDefaultFractionDigits();
    } catch (IllegalArgumentException e) {
      return -1;
    }
  }

  static String signed(long value) {
    return value > 0 ? "+" + value : Long.toString(value);
  }
}
