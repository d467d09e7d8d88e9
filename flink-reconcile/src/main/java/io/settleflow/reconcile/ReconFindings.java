package io.settleflow.reconcile;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * Builds the matcher's outputs from its inputs. Pure: every id is a name-based UUID of the kind and
 * the ids involved, and every time is an event time, so a replay after a restore emits
 * byte-identical records that downstream consumers can deduplicate by {@code event_id}.
 */
public final class ReconFindings {
  public static final String OVERDUE_RULE = "settlement-deadline@1";
  public static final String ORPHAN_RULE = "orphan-grace@1";
  public static final String DUPLICATE_RULE = "one-settlement-per-payment@1";

  private ReconFindings() {}

  public static String matchId(String paymentId, String settlementEventId) {
    return nameUuid("MATCH", paymentId, settlementEventId);
  }

  public static String alertId(AlertKind kind, String paymentKey, String otherId) {
    return nameUuid(kind.name(), paymentKey, otherId);
  }

  public static PaymentMatch match(
      LedgerPayment payment,
      Settlement settlement,
      SettlementMatchRules.Verdict verdict,
      long atMs) {
    PaymentMatch m = new PaymentMatch();
    m.eventId = matchId(payment.paymentId, settlement.eventId);
    m.paymentId = payment.paymentId;
    m.merchantId = payment.merchantId;
    m.settlementId = settlement.settlementId;
    m.source = settlement.source;
    m.amountMinor = payment.amountMinor;
    m.feeAmountMinor = settlement.feeAmountMinor;
    m.currency = payment.currency;
    m.rule = verdict.rule();
    m.matchedAtMs = atMs;
    return m;
  }

  /** An amount or currency mismatch found by the rules. */
  public static ReconAlert mismatch(
      LedgerPayment payment,
      Settlement settlement,
      SettlementMatchRules.Verdict verdict,
      long atMs) {
    AlertKind kind =
        verdict.outcome() == SettlementMatchRules.Outcome.CURRENCY_MISMATCH
            ? AlertKind.CURRENCY_MISMATCH
            : AlertKind.AMOUNT_MISMATCH;
    ReconAlert a = base(kind, payment.paymentId, settlement.eventId, atMs);
    a.merchantId = payment.merchantId;
    a.settlementId = settlement.settlementId;
    a.source = settlement.source;
    a.expectedAmountMinor = payment.amountMinor;
    a.actualAmountMinor = settlement.grossAmountMinor;
    a.currency = payment.currency;
    a.rule = verdict.rule();
    a.detail = verdict.detail();
    return a;
  }

  /** No settlement arrived by the deadline. */
  public static ReconAlert overdue(LedgerPayment payment, long deadlineMs, long deadlineAtMs) {
    ReconAlert a =
        base(AlertKind.OVERDUE_PAYMENT, payment.paymentId, payment.eventId, deadlineAtMs);
    a.merchantId = payment.merchantId;
    a.expectedAmountMinor = payment.amountMinor;
    a.currency = payment.currency;
    a.rule = OVERDUE_RULE;
    a.detail =
        "no settlement for payment "
            + payment.paymentId
            + " ("
            + payment.amountMinor
            + " "
            + payment.currency
            + " minor units) within "
            + Duration.ofMillis(deadlineMs)
            + " of its ledger time "
            + Instant.ofEpochMilli(payment.occurredAtMs);
    return a;
  }

  /** No ledger payment arrived within the grace period. */
  public static ReconAlert orphan(Settlement settlement, long graceMs, long graceEndMs) {
    ReconAlert a =
        base(AlertKind.ORPHAN_SETTLEMENT, settlement.matchKey(), settlement.eventId, graceEndMs);
    a.paymentId = settlement.paymentReference;
    a.merchantId = settlement.merchantId;
    a.settlementId = settlement.settlementId;
    a.source = settlement.source;
    a.actualAmountMinor = settlement.grossAmountMinor;
    a.currency = settlement.currency;
    a.rule = ORPHAN_RULE;
    a.detail =
        (settlement.paymentReference == null
                ? "settlement line references no payment"
                : "no ledger payment " + settlement.paymentReference)
            + " within "
            + Duration.ofMillis(graceMs)
            + " of settlement time "
            + Instant.ofEpochMilli(settlement.settledAtMs)
            + " (gross "
            + settlement.grossAmountMinor
            + " "
            + settlement.currency
            + " minor units)";
    return a;
  }

  /**
   * A second, different settlement line for a payment that already has one.
   *
   * @param expectedAmountMinor the ledger amount when known, else null
   */
  public static ReconAlert duplicate(
      String paymentId,
      String merchantId,
      Long expectedAmountMinor,
      String firstSource,
      String firstSettlementId,
      Settlement second) {
    ReconAlert a =
        base(AlertKind.DUPLICATE_SETTLEMENT, paymentId, second.eventId, second.settledAtMs);
    a.merchantId = merchantId != null ? merchantId : second.merchantId;
    a.settlementId = second.settlementId;
    a.source = second.source;
    a.expectedAmountMinor = expectedAmountMinor;
    a.actualAmountMinor = second.grossAmountMinor;
    a.currency = second.currency;
    a.rule = DUPLICATE_RULE;
    a.detail =
        "payment "
            + paymentId
            + " already settled by "
            + firstSource
            + ":"
            + firstSettlementId
            + "; "
            + second.source
            + ":"
            + second.settlementId
            + " settles it again (gross "
            + second.grossAmountMinor
            + " "
            + second.currency
            + " minor units)";
    return a;
  }

  private static ReconAlert base(AlertKind kind, String paymentKey, String otherId, long atMs) {
    ReconAlert a = new ReconAlert();
    a.eventId = alertId(kind, paymentKey, otherId);
    a.kind = kind;
    a.paymentId = paymentKey;
    a.detectedAtMs = atMs;
    return a;
  }

  private static String nameUuid(String kind, String first, String second) {
    String name = "settleflow-recon|" + kind + "|" + first + "|" + second;
    return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
  }
}
