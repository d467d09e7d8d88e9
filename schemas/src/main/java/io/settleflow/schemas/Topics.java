package io.settleflow.schemas;

import java.util.List;

/** Topic names shared by every stage (see DESIGN.md). The one place they are spelled. */
public final class Topics {
  public static final String PAYMENTS_AUTHORIZED = "payments.authorized";
  public static final String PAYMENTS_CAPTURED = "payments.captured";
  public static final String PAYMENTS_REFUNDED = "payments.refunded";

  /**
   * Voids of uncaptured authorizations (not on payments.authorized: its readers take every event
   * there as a new authorization).
   */
  public static final String PAYMENTS_CANCELLED = "payments.cancelled";

  public static final String RISK_RULES = "risk.rules";
  public static final String RISK_DECISIONS = "risk.decisions";
  public static final String SETTLEMENTS_RAW = "settlements.raw";
  public static final String SETTLEMENTS_REJECTED = "settlements.rejected";

  /**
   * Compacted: per imported settlement file, how many of its entries are committed (re-imports skip
   * them).
   */
  public static final String SETTLEMENTS_IMPORTS = "settlements.imports";

  public static final String PAYMENTS_SETTLED = "payments.settled";
  public static final String RECON_MATCHES = "recon.matches";
  public static final String RECON_MISMATCHES = "recon.mismatches";
  public static final String CDC_DLQ = "cdc.dlq";
  public static final String RISK_DLQ = "risk.dlq";

  /** Ledger payments and settlement lines the reconcile job could not decode. */
  public static final String RECON_DLQ = "recon.dlq";

  /** Ledger event topics the outbox routes to. */
  public static final List<String> LEDGER_EVENTS =
      List.of(PAYMENTS_AUTHORIZED, PAYMENTS_CAPTURED, PAYMENTS_REFUNDED, PAYMENTS_CANCELLED);

  /**
   * The ledger topics reconciliation reads: authorizations pair with sale lines, refunds with
   * refund lines, and a cancellation ends a payment's wait for its settlement (not captures).
   */
  public static final List<String> RECONCILED_LEDGER_EVENTS =
      List.of(PAYMENTS_AUTHORIZED, PAYMENTS_REFUNDED, PAYMENTS_CANCELLED);

  /** Every topic the stack creates up front, with the partition count of the skeleton. */
  public static final List<String> ALL =
      List.of(
          PAYMENTS_AUTHORIZED,
          PAYMENTS_CAPTURED,
          PAYMENTS_REFUNDED,
          PAYMENTS_CANCELLED,
          RISK_RULES,
          RISK_DECISIONS,
          SETTLEMENTS_RAW,
          SETTLEMENTS_REJECTED,
          SETTLEMENTS_IMPORTS,
          PAYMENTS_SETTLED,
          RECON_MATCHES,
          RECON_MISMATCHES,
          CDC_DLQ,
          RISK_DLQ,
          RECON_DLQ);

  /** Subject under Confluent's TopicNameStrategy. */
  public static String valueSubject(String topic) {
    return topic + "-value";
  }

  private Topics() {}
}
