package io.settleflow.reconcile;

/** What a reconciliation alert is about; mirrors the Avro {@code MismatchKind} symbols. */
public enum AlertKind {
  AMOUNT_MISMATCH,
  CURRENCY_MISMATCH,
  ORPHAN_SETTLEMENT,
  OVERDUE_PAYMENT,
  DUPLICATE_SETTLEMENT
}
