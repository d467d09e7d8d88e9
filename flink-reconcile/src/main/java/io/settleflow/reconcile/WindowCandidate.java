package io.settleflow.reconcile;

/**
 * A merchant's payment settled and not paid out yet, as {@link PayoutWindowFunction} keeps it: a
 * Flink POJO made from the matcher's sale match. Pure.
 */
public class WindowCandidate {
  /** Window candidates meet their payout lines under this prefix + the merchant id. */
  public static final String MERCHANT_KEY_PREFIX = "merchant:";

  public String paymentId;
  public String merchantId;

  /** The match's event id (deterministic). */
  public String matchEventId;

  public String settlementId;
  public long netMinor;
  public long feeMinor;
  public String currency;
  public long settledAtMs;

  public WindowCandidate() {}

  public WindowCandidate(
      String paymentId,
      String merchantId,
      String matchEventId,
      String settlementId,
      long netMinor,
      long feeMinor,
      String currency,
      long settledAtMs) {
    this.paymentId = paymentId;
    this.merchantId = merchantId;
    this.matchEventId = matchEventId;
    this.settlementId = settlementId;
    this.netMinor = netMinor;
    this.feeMinor = feeMinor;
    this.currency = currency;
    this.settledAtMs = settledAtMs;
  }

  /**
   * Whether a match can be paid by a payout line without a batch id: a sale match (not a refund,
   * not a batch's) of a line that names no batch, with a merchant.
   */
  public static boolean takes(PaymentMatch m) {
    return !m.refund
        && m.batchId == null
        && m.settlementBatchId == null
        && m.settlementCurrency != null
        && m.merchantId != null
        && !m.merchantId.isBlank();
  }

  public static WindowCandidate of(PaymentMatch m) {
    return new WindowCandidate(
        m.paymentId,
        m.merchantId,
        m.eventId,
        m.settlementId,
        m.settlementNetMinor,
        m.feeAmountMinor,
        m.settlementCurrency,
        m.settledAtMs);
  }

  public String merchantKey() {
    return MERCHANT_KEY_PREFIX + merchantId;
  }

  @Override
  public String toString() {
    return "WindowCandidate{"
        + paymentId
        + " net "
        + netMinor
        + " "
        + currency
        + " @"
        + settledAtMs
        + "}";
  }
}
