package io.settleflow.console;

import java.util.List;

/** An alert as the browser shows it: amounts already in major units, its audit trail if loaded. */
public record AlertView(
    String alertId,
    String kind,
    String merchantId,
    String paymentId,
    String settlementId,
    String processor,
    String currency,
    String expected,
    String actual,
    String difference,
    String severity,
    String status,
    String assignee,
    String rule,
    String detail,
    String detectedAt,
    String updatedAt,
    String compensationTxId,
    List<AuditView> audit) {

  /** One audit row as shown. */
  public record AuditView(
      String action,
      String actor,
      String note,
      String statusAfter,
      String assigneeAfter,
      String at) {
    static AuditView of(AuditEntry e) {
      return new AuditView(
          e.action(),
          e.actor(),
          e.note(),
          e.statusAfter().name(),
          e.assigneeAfter(),
          e.at().toString());
    }
  }

  public static AlertView of(Alert a, List<AuditEntry> audit) {
    return new AlertView(
        a.alertId(),
        a.kind(),
        a.merchantId(),
        a.paymentId(),
        a.settlementId(),
        a.source(),
        a.currency(),
        MajorUnits.display(a.expectedAmountMinor(), a.currency()),
        MajorUnits.display(a.actualAmountMinor(), a.currency()),
        MajorUnits.display(a.differenceMinor(), a.currency()),
        a.severity().name(),
        a.status().name(),
        a.assignee(),
        a.rule(),
        a.detail(),
        a.detectedAt().toString(),
        a.updatedAt().toString(),
        a.compensationTxId(),
        audit.stream().map(AuditView::of).toList());
  }
}
