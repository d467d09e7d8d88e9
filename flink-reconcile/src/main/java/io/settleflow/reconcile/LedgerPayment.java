package io.settleflow.reconcile;

/**
 * A ledger payment as the matcher sees it: a Flink POJO converted from the Avro {@code
 * PaymentEvent}, so Flink serializes it with its POJO serializer instead of falling back to Kryo.
 * Carries no card data at all: reconciliation needs none.
 */
public class LedgerPayment implements java.io.Serializable {
  private static final long serialVersionUID = 1L;

  /** Outbox row id; the same id again is a CDC redelivery. */
  public String eventId;

  public String eventType;
  public String paymentId;
  public String merchantId;
  public long amountMinor;

  /** ISO 4217 alphabetic code. */
  public String currency;

  /** Event time: when the ledger transaction committed. */
  public long occurredAtMs;

  public LedgerPayment() {}

  public LedgerPayment(
      String eventId,
      String eventType,
      String paymentId,
      String merchantId,
      long amountMinor,
      String currency,
      long occurredAtMs) {
    this.eventId = eventId;
    this.eventType = eventType;
    this.paymentId = paymentId;
    this.merchantId = merchantId;
    this.amountMinor = amountMinor;
    this.currency = currency;
    this.occurredAtMs = occurredAtMs;
  }

  @Override
  public String toString() {
    return "LedgerPayment{"
        + paymentId
        + " event "
        + eventId
        + " "
        + amountMinor
        + " "
        + currency
        + " @"
        + occurredAtMs
        + "}";
  }
}
