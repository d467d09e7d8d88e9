package io.settleflow.console;

import java.time.Instant;

/** One row of the append-only audit trail: what was done to an alert, by whom, when. */
public record AuditEntry(
    long auditId,
    String alertId,
    String action,
    String actor,
    String note,
    AlertStatus statusAfter,
    String assigneeAfter,
    Instant at) {

  /** The actor of the row written when reconciliation's alert first arrives. */
  public static final String RECONCILIATION = "reconciliation";

  public static final String RECEIVED = "RECEIVED";
}
