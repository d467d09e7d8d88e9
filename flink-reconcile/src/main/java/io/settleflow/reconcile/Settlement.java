package io.settleflow.reconcile;

/**
 * One settlement line as the matcher sees it: a Flink POJO converted from the Avro {@code
 * SettlementRecord}.
 */
public class Settlement implements java.io.Serializable {
  private static final long serialVersionUID = 1L;

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

  /**
   * The key this line is matched under: the payment it references or, without a reference, a key of
   * its own, so it still gets an orphan timer and an alert instead of vanishing.
   */
  public String matchKey() {
    return paymentReference != null && !paymentReference.isBlank()
        ? paymentReference
        : "unreferenced:" + source + ":" + settlementId;
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
