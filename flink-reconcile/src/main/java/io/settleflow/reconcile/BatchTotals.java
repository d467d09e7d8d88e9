package io.settleflow.reconcile;

import java.util.Arrays;

/**
 * The member lines of a batch seen so far, summed (a Flink POJO kept as keyed state: the lines
 * themselves are not kept). Pure.
 */
public class BatchTotals {
  /** Payment ids listed on a batch match at most; the count and sums cover every member. */
  public static final int MAX_LISTED_PAYMENTS = 1_000;

  public int count;

  /** Sum of the members' net amounts; null once it overflowed a long. */
  public Long netMinor = 0L;

  /** Sum of the members' fees (saturating). */
  public long feeMinor;

  /** The first member's currency. */
  public String currency;

  /** The first member currency that differs from {@link #currency}, or null. */
  public String otherCurrency;

  public String firstEventId;
  public long firstAtMs = Long.MAX_VALUE;
  public String merchantId;

  /** The payments the members name, in arrival order, up to {@link #MAX_LISTED_PAYMENTS}. */
  public String[] paymentIds = new String[0];

  public BatchTotals() {}

  /** Counts one more member line. */
  public void add(Settlement s) {
    if (count == 0) {
      currency = s.currency;
      firstEventId = s.eventId;
      merchantId = s.merchantId;
    } else if (otherCurrency == null && !sameCurrency(currency, s.currency)) {
      otherCurrency = s.currency;
    }
    count++;
    if (netMinor != null) {
      try {
        netMinor = Math.addExact(netMinor, s.netAmountMinor);
      } catch (ArithmeticException e) {
        netMinor = null;
      }
    }
    long fee = feeMinor + s.feeAmountMinor;
    feeMinor =
        ((feeMinor ^ fee) & (s.feeAmountMinor ^ fee)) < 0
            ? (feeMinor < 0 ? Long.MIN_VALUE : Long.MAX_VALUE)
            : fee;
    firstAtMs = Math.min(firstAtMs, s.settledAtMs);
    if (s.paymentReference != null
        && !s.paymentReference.isBlank()
        && paymentIds.length < MAX_LISTED_PAYMENTS
        && !Arrays.asList(paymentIds).contains(s.paymentReference)) {
      paymentIds = Arrays.copyOf(paymentIds, paymentIds.length + 1);
      paymentIds[paymentIds.length - 1] = s.paymentReference;
    }
  }

  static boolean sameCurrency(String a, String b) {
    return a != null && b != null && a.equalsIgnoreCase(b);
  }
}
