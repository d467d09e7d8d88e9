package io.settleflow.checker;

import java.util.List;

/** What the committed (read_committed) topics hold after a run, duplicates kept. */
public record TopicSnapshot(
    List<LedgerEvent> ledgerEvents,
    List<Decision> decisions,
    List<Match> matches,
    List<Alert> alerts) {

  /** A PaymentEvent on one of the ledger event topics. */
  public record LedgerEvent(
      String topic, String eventId, String eventType, String paymentId, String merchantId) {}

  /** A RiskDecision. */
  public record Decision(String eventId, String sourceEventId, String paymentId) {}

  /** A ReconMatch. */
  public record Match(String eventId, String paymentId, String settlementId) {}

  /** A MismatchAlert. */
  public record Alert(String eventId, String kind, String paymentId, String settlementId) {}
}
