package io.settleflow.reconcile;

/**
 * One settlement line as the matcher sees it: a Flink POJO converted from the Avro {@code
 * SettlementRecord}.
 */
public class Settlement implements java.io.Serializable {
  private static final long serialVersionUID = 1L;

  /** Payout and member lines of a batch meet under this prefix + the batch id. */
  public static final String BATCH_KEY_PREFIX = "batch:";

  /** Deterministic from source, file and line: a re-import repeats it. */
  public String eventId;

  public String settlementId;
  public String source;
  public String recordType;

  /** Our payment id as the processor reports it; may be null. */
  public String paymentReference;

  public String merchantId;
  public long grossAmountMinor;
  public long feeAmountMinor;
  public long netAmountMinor;

  /** ISO 4217 alphabetic code. */
  public String currency;

  /** Event time: when the processor settled the line. */
  public long settledAtMs;

  /**
   * Processing time: when the record arrived in Kafka (its timestamp), 0 when unknown. Only for the
   * alert latency metric; never used to decide.
   */
  public long arrivedAtMs;

  /**
   * The payout or batch the line belongs to, or null. A PAYMENT line naming a batch and no payment
   * is the batch's payout line ({@link #isPayout()}); other lines naming it are its members.
   */
  public String batchId;

  public Settlement() {}

  public Settlement(
      String eventId,
      String settlementId,
      String source,
      String recordType,
      String paymentReference,
      String merchantId,
      long grossAmountMinor,
      long feeAmountMinor,
      long netAmountMinor,
      String currency,
      long settledAtMs) {
    this.eventId = eventId;
    this.settlementId = settlementId;
    this.source = source;
    this.recordType = recordType;
    this.paymentReference = paymentReference;
    this.merchantId = merchantId;
    this.grossAmountMinor = grossAmountMinor;
    this.feeAmountMinor = feeAmountMinor;
    this.netAmountMinor = netAmountMinor;
    this.currency = currency;
    this.settledAtMs = settledAtMs;
  }

  /** A refund line: pairs with the ledger's refund event, not with the sale. */
  public boolean isRefund() {
    return "REFUND".equals(recordType);
  }

  /** A chargeback or reversal line: raises a CHARGEBACK alert against the payment. */
  public boolean isChargeback() {
    return "CHARGEBACK".equals(recordType) || "REVERSAL".equals(recordType);
  }

  /**
   * Whether the line's type is one the matchers reconcile (FEE and OTHER lines are not per
   * payment). The job sends a batch's payout line ({@link #isPayout()}) to {@link
   * PayoutBatchFunction} only; every other line naming a batch goes to both matchers.
   */
  public boolean isReconciled() {
    return "PAYMENT".equals(recordType) || isRefund() || isChargeback();
  }

  /** Whether the per-payment matcher takes this line: a reconciled type, not a payout line. */
  public boolean isMatchedPerPayment() {
    return isReconciled() && !isPayout();
  }

  /** The bank or processor payout line of a batch: a PAYMENT line naming a batch, no payment. */
  public boolean isPayout() {
    return hasBatch()
        && "PAYMENT".equals(recordType)
        && (paymentReference == null || paymentReference.isBlank());
  }

  /**
   * A payout line without a batch id: a PAYMENT line naming no payment and no batch, with a
   * merchant. The schema has no payout record type, so this shape is what tells it from a sale
   * line; {@link PayoutWindowFunction} matches it against the merchant's settled payments when
   * {@code payout_windows} is enabled.
   */
  public boolean isWindowPayout() {
    return !hasBatch()
        && "PAYMENT".equals(recordType)
        && (paymentReference == null || paymentReference.isBlank())
        && merchantId != null
        && !merchantId.isBlank();
  }

  /** The key a merchant's window payout lines and settled payments meet under. */
  public String merchantKey() {
    return WindowCandidate.MERCHANT_KEY_PREFIX + merchantId;
  }

  /** Whether the line names a batch (its payout line or one of its members). */
  public boolean hasBatch() {
    return batchId != null && !batchId.isBlank();
  }

  /** The key a batch's payout and member lines meet under. */
  public String batchKey() {
    return BATCH_KEY_PREFIX + batchId;
  }

  /**
   * The key this line is matched under: the payment it references (refunds under the payment's
   * refund key) or, without a reference, a key of its own, so it still gets an orphan timer and an
   * alert instead of vanishing. A chargeback line is keyed on itself: it needs no partner, only
   * re-import detection.
   */
  public String matchKey() {
    if (isChargeback()) {
      return "chargeback:" + eventId;
    }
    if (paymentReference == null || paymentReference.isBlank()) {
      return "unreferenced:" + source + ":" + settlementId;
    }
    return isRefund() ? LedgerPayment.REFUND_KEY_PREFIX + paymentReference : paymentReference;
  }

  @Override
  public String toString() {
    return "Settlement{"
        + source
        + ":"
        + settlementId
        + " event "
        + eventId
        + " ref "
        + paymentReference
        + " gross "
        + grossAmountMinor
        + " "
        + currency
        + " @"
        + settledAtMs
        + "}";
  }
}
