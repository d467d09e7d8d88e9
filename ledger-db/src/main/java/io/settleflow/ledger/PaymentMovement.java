package io.settleflow.ledger;

import io.settleflow.avro.PaymentEventType;
import io.settleflow.schemas.Topics;

/** A money movement on an existing payment: its outbox topic, event type and transaction kind. */
public enum PaymentMovement {
  CAPTURE(Topics.PAYMENTS_CAPTURED, PaymentEventType.CAPTURED, "CAPTURE"),
  REFUND(Topics.PAYMENTS_REFUNDED, PaymentEventType.REFUNDED, "REFUND"),
  /**
   * Not {@code payments.authorized}: its consumers (risk, reconciliation) read every event there as
   * a new authorization.
   */
  CANCEL(Topics.PAYMENTS_CANCELLED, PaymentEventType.CANCELLED, "CANCEL");

  private final String topic;
  private final PaymentEventType eventType;
  private final String transactionKind;

  PaymentMovement(String topic, PaymentEventType eventType, String transactionKind) {
    this.topic = topic;
    this.eventType = eventType;
    this.transactionKind = transactionKind;
  }

  /** The outbox {@code aggregatetype}: where CDC publishes the event. */
  public String topic() {
    return topic;
  }

  public PaymentEventType eventType() {
    return eventType;
  }

  /** {@code ledger.ledger_transactions.kind}. */
  public String transactionKind() {
    return transactionKind;
  }
}
