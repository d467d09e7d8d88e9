package io.settleflow.reconcile;

/**
 * A ledger payment as the matcher sees it: a Flink POJO converted from the Avro {@code
 * PaymentEvent}, so Flink serializes it with its POJO serializer instead of falling back to Kryo.
 * Carries no card data at all: reconciliation needs none.
 */
public class LedgerPayment implements java.io.Serializable {
  private static final long serialVersionUID = 1L;

  public static final String REFUNDED = "REFUNDED";

  /** payments.cancelled: the authorization was released while nothing was captured. */
  public static final String CANCELLED = "CANCELLED";

  /** Refunds are reconciled under their own key, apart from the sale of the same payment. */
  public static final String REFUND_KEY_PREFIX = "refund:";

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

  /**
   * Processing time: when the record arrived in Kafka (its timestamp), 0 when unknown. Only for the
   * alert latency metric; never used to decide.
   */
  public long arrivedAtMs;

  /**
   * The W3C traceparent of the payment's Kafka record (header {@code traceparent}, from the request
   * that wrote it), or null; the matches and alerts about this payment carry it on (issue 7). Never
   * used to decide.
   */
  public String traceparent;

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

  /** A ledger refund (payments.refunded): pairs with a settlement line of type REFUND. */
  public boolean isRefund() {
    return REFUNDED.equals(eventType);
  }

  /**
   * A ledger cancellation (payments.cancelled): nothing of the payment should ever settle. Matched
   * under the payment id, with its authorization.
   */
  public boolean isCancellation() {
    return CANCELLED.equals(eventType);
  }

  /** The key this event is matched under: the payment id, or a refund key of its own. */
  public String matchKey() {
    return isRefund() ? REFUND_KEY_PREFIX + paymentId : paymentId;
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
