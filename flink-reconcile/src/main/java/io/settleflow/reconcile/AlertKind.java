package io.settleflow.reconcile;

/**
 * What a reconciliation alert is about; mirrors the Avro {@code MismatchKind} symbols (new kinds go
 * at the end of both).
 */
public enum AlertKind {
  AMOUNT_MISMATCH(Severity.HIGH),
  CURRENCY_MISMATCH(Severity.HIGH),
  ORPHAN_SETTLEMENT(Severity.HIGH),
  OVERDUE_PAYMENT(Severity.MEDIUM),
  DUPLICATE_SETTLEMENT(Severity.HIGH),
  FEE_DEVIATION(Severity.MEDIUM),
  FX_DEVIATION(Severity.MEDIUM),
  CHARGEBACK(Severity.HIGH),
  RESOLVED(Severity.INFO);

  /** How urgently finance should look: money wrong or unaccounted for, late or priced off, news. */
  public enum Severity {
    HIGH,
    MEDIUM,
    INFO
  }

  private final Severity severity;

  AlertKind(Severity severity) {
    this.severity = severity;
  }

  public Severity severity() {
    return severity;
  }
}
