package io.settleflow.ledger;

/** A payment's lifecycle state; the names match the ledger.payments CHECK constraint. */
public enum PaymentStatus {
  AUTHORIZED,
  CAPTURED,
  PARTIALLY_REFUNDED,
  REFUNDED,
  CANCELLED
}
