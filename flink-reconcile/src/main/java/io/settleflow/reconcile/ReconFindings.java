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
  public static final String CHARGEBACK_RULE = "chargeback-line@1";
  public static final String RESOLVED_RULE = "late-settlement-resolves-overdue@1";
  public static final String SPLIT_RULE = "split-lines-sum@1";
  public static final String EXCESS_REFUND_RULE = "refund-lines-within-ledger-refunds@1";
  public static final String CANCELLED_RULE = "cancelled-payment-settles-nothing@1";

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
    m.criteria = verdict.criteria().toArray(new MatchCriterion[0]);
    m.deltas = verdict.deltas();
    m.refund = payment.isRefund();
    m.traceparent = payment.traceparent;
    m.settlementNetMinor = settlement.netAmountMinor;
    m.settlementCurrency = settlement.currency;
    m.settledAtMs = settlement.settledAtMs;
    m.settlementBatchId = settlement.hasBatch() ? settlement.batchId : null;
    return m;
  }

  /** An amount, currency, fee or FX mismatch found by the rules. */
  public static ReconAlert mismatch(
      LedgerPayment payment,
      Settlement settlement,
      SettlementMatchRules.Verdict verdict,
      long atMs) {
    AlertKind kind =
        switch (verdict.outcome()) {
          case CURRENCY_MISMATCH -> AlertKind.CURRENCY_MISMATCH;
          case FEE_DEVIATION -> AlertKind.FEE_DEVIATION;
          case FX_DEVIATION -> AlertKind.FX_DEVIATION;
          case AMOUNT_MISMATCH, MATCH -> AlertKind.AMOUNT_MISMATCH;
        };
    ReconAlert a = base(kind, payment.paymentId, settlement.eventId, atMs);
    a.merchantId = payment.merchantId;
    a.settlementId = settlement.settlementId;
    a.source = settlement.source;
    a.expectedAmountMinor = payment.amountMinor;
    a.actualAmountMinor = settlement.grossAmountMinor;
    a.currency = payment.currency;
    a.rule = verdict.rule();
    a.detail = verdict.detail();
    a.criteria = verdict.criteria().toArray(new MatchCriterion[0]);
    a.deltas = verdict.deltas();
    a.traceparent = payment.traceparent;
    return a;
  }

  /**
   * No settlement arrived by the deadline.
   *
   * @param processor the processor whose SLA applied, or null for the default SLA
   */
  public static ReconAlert overdue(
      LedgerPayment payment, long slaMs, String processor, String rule, long deadlineAtMs) {
    ReconAlert a =
        base(AlertKind.OVERDUE_PAYMENT, payment.paymentId, payment.eventId, deadlineAtMs);
    a.merchantId = payment.merchantId;
    a.expectedAmountMinor = payment.amountMinor;
    a.currency = payment.currency;
    a.rule = rule;
    a.traceparent = payment.traceparent;
    String what = payment.isRefund() ? "refund of payment " : "payment ";
    String sla =
        (processor == null ? "default SLA " : processor + " SLA ") + Duration.ofMillis(slaMs);
    a.detail =
        "no settlement for "
            + what
            + payment.paymentId
            + " ("
            + payment.amountMinor
            + " "
            + payment.currency
            + " minor units) within "
            + Duration.ofMillis(slaMs)
            + " of its ledger time "
            + Instant.ofEpochMilli(payment.occurredAtMs)
            + " ("
            + sla
            + ")";
    long days = Math.floorDiv(deadlineAtMs - payment.occurredAtMs, SettlementMatchRules.DAY_MS);
    a.criteria =
        new MatchCriterion[] {
          new MatchCriterion(
              "settled-within-sla",
              rule,
              false,
              "a settlement by " + Instant.ofEpochMilli(deadlineAtMs) + " (" + sla + ")",
              "none",
              null)
        };
    a.deltas = new MatchDeltas(null, null, null, days);
    return a;
  }

  /** The id of the overdue alert a payment event got (a RESOLVED alert references it). */
  public static String overdueAlertId(String paymentId, String paymentEventId) {
    return alertId(AlertKind.OVERDUE_PAYMENT, paymentId, paymentEventId);
  }

  /**
   * A settlement arrived after the payment's overdue alert: the overdue is resolved. The match (or
   * mismatch) for the pair follows separately.
   */
  public static ReconAlert resolved(
      LedgerPayment payment,
      Settlement settlement,
      long deadlineAtMs,
      String overdueRule,
      long atMs) {
    ReconAlert a = base(AlertKind.RESOLVED, payment.paymentId, settlement.eventId, atMs);
    a.merchantId = payment.merchantId;
    a.settlementId = settlement.settlementId;
    a.source = settlement.source;
    a.expectedAmountMinor = payment.amountMinor;
    a.actualAmountMinor = settlement.grossAmountMinor;
    a.currency = payment.currency;
    a.rule = RESOLVED_RULE;
    a.resolvesEventId = overdueAlertId(payment.paymentId, payment.eventId);
    a.traceparent = payment.traceparent;
    long lateMs = settlement.settledAtMs - deadlineAtMs;
    a.detail =
        "settlement "
            + settlement.source
            + ":"
            + settlement.settlementId
            + " of "
            + Instant.ofEpochMilli(settlement.settledAtMs)
            + " arrived after the overdue alert "
            + a.resolvesEventId
            + " for payment "
            + payment.paymentId
            + " (deadline "
            + Instant.ofEpochMilli(deadlineAtMs)
            + (lateMs > 0 ? ", settled " + Duration.ofMillis(lateMs) + " late" : "")
            + "); its match or mismatch follows";
    a.criteria =
        new MatchCriterion[] {
          new MatchCriterion(
              "settled-within-sla",
              overdueRule,
              false,
              "by " + Instant.ofEpochMilli(deadlineAtMs),
              Instant.ofEpochMilli(settlement.settledAtMs).toString(),
              Math.floorDiv(lateMs, SettlementMatchRules.DAY_MS))
        };
    a.deltas =
        new MatchDeltas(
            null,
            null,
            null,
            Math.floorDiv(
                settlement.settledAtMs - payment.occurredAtMs, SettlementMatchRules.DAY_MS));
    return a;
  }

  /**
   * The lines of a processor's split (the first one raised AMOUNT_MISMATCH for being short) now sum
   * to the ledger amount: the match, under the split's rule.
   *
   * @param d the decision holding the lines so far, {@code last} included
   */
  public static PaymentMatch splitMatch(
      String paymentId, ReconDecision d, Settlement last, long allowedMinor) {
    PaymentMatch m = new PaymentMatch();
    m.eventId = matchId(paymentId, last.eventId);
    m.paymentId = paymentId;
    m.merchantId = d.merchantId;
    m.settlementId = d.settlementId;
    m.source = last.source;
    m.amountMinor = d.expectedAmountMinor;
    m.feeAmountMinor = d.splitFeeMinor;
    m.currency = d.splitCurrency;
    m.rule = SPLIT_RULE;
    m.matchedAtMs = last.settledAtMs;
    m.criteria = splitCriteria(d, allowedMinor);
    m.deltas = new MatchDeltas(d.splitGrossMinor - d.expectedAmountMinor, null, null, null);
    m.settlementNetMinor = d.splitGrossMinor - d.splitFeeMinor;
    m.settlementCurrency = d.splitCurrency;
    m.settledAtMs = last.settledAtMs;
    m.settlementBatchId = last.hasBatch() ? last.batchId : null;
    return m;
  }

  /** The AMOUNT_MISMATCH of a split's first line is resolved by the lines that completed it. */
  public static ReconAlert splitResolved(
      String paymentId, ReconDecision d, Settlement last, long allowedMinor) {
    ReconAlert a = base(AlertKind.RESOLVED, paymentId, last.eventId, last.settledAtMs);
    a.merchantId = d.merchantId;
    a.settlementId = d.settlementId;
    a.source = last.source;
    a.expectedAmountMinor = d.expectedAmountMinor;
    a.actualAmountMinor = d.splitGrossMinor;
    a.currency = d.splitCurrency;
    a.rule = SPLIT_RULE;
    a.resolvesEventId = alertId(AlertKind.AMOUNT_MISMATCH, paymentId, d.settlementEventId);
    a.detail =
        "settlement lines "
            + d.settlementId
            + " together settle payment "
            + paymentId
            + " ("
            + d.splitGrossMinor
            + " vs ledger amount "
            + d.expectedAmountMinor
            + " "
            + d.splitCurrency
            + " minor units, tolerance "
            + allowedMinor
            + "): the amount mismatch "
            + a.resolvesEventId
            + " was a split, now matched";
    a.criteria = splitCriteria(d, allowedMinor);
    a.deltas = new MatchDeltas(d.splitGrossMinor - d.expectedAmountMinor, null, null, null);
    return a;
  }

  private static MatchCriterion[] splitCriteria(ReconDecision d, long allowedMinor) {
    return new MatchCriterion[] {
      new MatchCriterion(
          "split-lines-sum",
          SPLIT_RULE,
          true,
          d.expectedAmountMinor + (allowedMinor == 0 ? "" : " ± " + allowedMinor),
          d.splitGrossMinor + " (" + d.settlementId + ")",
          d.splitGrossMinor - d.expectedAmountMinor)
    };
  }

  /** A chargeback or reversal line: money is being taken back from a payment. */
  public static ReconAlert chargeback(Settlement settlement) {
    ReconAlert a =
        base(
            AlertKind.CHARGEBACK,
            settlement.matchKey(),
            settlement.eventId,
            settlement.settledAtMs);
    a.paymentId = settlement.paymentReference;
    a.merchantId = settlement.merchantId;
    a.settlementId = settlement.settlementId;
    a.source = settlement.source;
    a.actualAmountMinor = settlement.grossAmountMinor;
    a.currency = settlement.currency;
    a.rule = CHARGEBACK_RULE;
    a.detail =
        settlement.recordType
            + " line "
            + settlement.source
            + ":"
            + settlement.settlementId
            + " against "
            + (settlement.paymentReference == null
                ? "no referenced payment"
                : "payment " + settlement.paymentReference)
            + " (gross "
            + settlement.grossAmountMinor
            + " "
            + settlement.currency
            + " minor units, settled "
            + Instant.ofEpochMilli(settlement.settledAtMs)
            + ")";
    a.criteria =
        new MatchCriterion[] {
          new MatchCriterion(
              "record-type",
              CHARGEBACK_RULE,
              false,
              "PAYMENT or REFUND",
              settlement.recordType,
              null)
        };
    a.deltas = new MatchDeltas(null, null, null, null);
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
    a.criteria =
        new MatchCriterion[] {
          new MatchCriterion(
              "ledger-payment-within-grace",
              ORPHAN_RULE,
              false,
              (settlement.paymentReference == null
                      ? "a payment reference"
                      : "ledger payment " + settlement.paymentReference)
                  + " by "
                  + Instant.ofEpochMilli(graceEndMs),
              "none",
              null)
        };
    a.deltas = new MatchDeltas(null, null, null, null);
    return a;
  }

  /**
   * A second, different settlement line for a payment that already has one.
   *
   * @param matchKey the key both lines were matched under (the payment id, or its refund key)
   * @param expectedAmountMinor the ledger amount when known, else null
   */
  public static ReconAlert duplicate(
      String matchKey,
      String merchantId,
      Long expectedAmountMinor,
      String firstSource,
      String firstSettlementId,
      Settlement second) {
    ReconAlert a =
        base(AlertKind.DUPLICATE_SETTLEMENT, matchKey, second.eventId, second.settledAtMs);
    String paymentId = second.paymentReference != null ? second.paymentReference : matchKey;
    a.paymentId = paymentId;
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
    a.criteria =
        new MatchCriterion[] {
          new MatchCriterion(
              "one-settlement-per-payment",
              DUPLICATE_RULE,
              false,
              firstSource + ":" + firstSettlementId + " only",
              second.source + ":" + second.settlementId,
              null)
        };
    a.deltas =
        new MatchDeltas(
            expectedAmountMinor == null ? null : second.grossAmountMinor - expectedAmountMinor,
            null,
            null,
            null);
    return a;
  }

  /** A payout line whose gross equals the net of its batch's member lines: one match for all. */
  public static PaymentMatch batchMatch(
      Settlement payout, BatchTotals members, PayoutBatchRules.Verdict verdict, long atMs) {
    PaymentMatch m = new PaymentMatch();
    m.eventId = matchId(payout.batchKey(), payout.eventId);
    m.paymentId = payout.batchKey();
    m.merchantId = batchMerchant(payout, members);
    m.settlementId = payout.settlementId;
    m.source = payout.source;
    m.amountMinor = payout.grossAmountMinor;
    m.feeAmountMinor = members.feeMinor;
    m.currency = payout.currency;
    m.rule = verdict.rule();
    m.matchedAtMs = atMs;
    m.criteria = verdict.criteria().toArray(new MatchCriterion[0]);
    m.deltas = verdict.deltas();
    m.batchId = payout.batchId;
    m.paymentIds = members.paymentIds.clone();
    return m;
  }

  /**
   * A payout line that does not settle its batch: AMOUNT_MISMATCH (sum), CURRENCY_MISMATCH, or
   * ORPHAN_SETTLEMENT when no member line of the batch arrived.
   */
  public static ReconAlert batchMismatch(
      Settlement payout, BatchTotals members, PayoutBatchRules.Verdict verdict, long atMs) {
    AlertKind kind =
        switch (verdict.outcome()) {
          case NO_MEMBERS -> AlertKind.ORPHAN_SETTLEMENT;
          case CURRENCY_MISMATCH -> AlertKind.CURRENCY_MISMATCH;
          case AMOUNT_MISMATCH, MATCH -> AlertKind.AMOUNT_MISMATCH;
        };
    ReconAlert a = base(kind, payout.batchKey(), payout.eventId, atMs);
    a.merchantId = batchMerchant(payout, members);
    a.settlementId = payout.settlementId;
    a.source = payout.source;
    a.expectedAmountMinor = members == null ? null : members.netMinor;
    a.actualAmountMinor = payout.grossAmountMinor;
    a.currency = payout.currency;
    a.rule = verdict.rule();
    a.detail = verdict.detail();
    a.criteria = verdict.criteria().toArray(new MatchCriterion[0]);
    a.deltas = verdict.deltas();
    return a;
  }

  /** The id of a batch's overdue alert (the RESOLVED of a late payout references it). */
  public static String batchOverdueAlertId(String batchKey, String firstMemberEventId) {
    return alertId(AlertKind.OVERDUE_PAYMENT, batchKey, firstMemberEventId);
  }

  /** Member lines of a batch, but no payout line by the payout SLA. */
  public static ReconAlert batchOverdue(
      String batchKey, BatchTotals members, long slaMs, String rule, long deadlineAtMs) {
    ReconAlert a = base(AlertKind.OVERDUE_PAYMENT, batchKey, members.firstEventId, deadlineAtMs);
    a.merchantId = members.merchantId;
    a.expectedAmountMinor = members.netMinor;
    a.currency = members.currency;
    a.rule = rule;
    a.detail =
        "no payout line for "
            + batchKey
            + " ("
            + members.count
            + " member lines, net "
            + members.netMinor
            + " "
            + members.currency
            + " minor units) within "
            + Duration.ofMillis(slaMs)
            + " of its first member line "
            + Instant.ofEpochMilli(members.firstAtMs);
    a.criteria =
        new MatchCriterion[] {
          new MatchCriterion(
              "payout-within-sla",
              rule,
              false,
              "a payout line by " + Instant.ofEpochMilli(deadlineAtMs),
              "none",
              null)
        };
    a.deltas =
        new MatchDeltas(
            null,
            null,
            null,
            Math.floorDiv(deadlineAtMs - members.firstAtMs, SettlementMatchRules.DAY_MS));
    return a;
  }

  /** A payout line arrived after its batch's overdue alert; its match or mismatch follows. */
  public static ReconAlert batchResolved(
      Settlement payout, BatchTotals members, long deadlineAtMs, String rule, long atMs) {
    ReconAlert a = base(AlertKind.RESOLVED, payout.batchKey(), payout.eventId, atMs);
    a.merchantId = batchMerchant(payout, members);
    a.settlementId = payout.settlementId;
    a.source = payout.source;
    a.expectedAmountMinor = members.netMinor;
    a.actualAmountMinor = payout.grossAmountMinor;
    a.currency = payout.currency;
    a.rule = RESOLVED_RULE;
    a.resolvesEventId = batchOverdueAlertId(payout.batchKey(), members.firstEventId);
    long lateMs = payout.settledAtMs - deadlineAtMs;
    a.detail =
        "payout line "
            + payout.source
            + ":"
            + payout.settlementId
            + " of "
            + payout.batchKey()
            + " arrived after the overdue alert "
            + a.resolvesEventId
            + " (deadline "
            + Instant.ofEpochMilli(deadlineAtMs)
            + "); its match or mismatch follows";
    a.criteria =
        new MatchCriterion[] {
          new MatchCriterion(
              "payout-within-sla",
              rule,
              false,
              "by " + Instant.ofEpochMilli(deadlineAtMs),
              Instant.ofEpochMilli(payout.settledAtMs).toString(),
              Math.floorDiv(lateMs, SettlementMatchRules.DAY_MS))
        };
    a.deltas =
        new MatchDeltas(
            null,
            null,
            null,
            Math.floorDiv(payout.settledAtMs - members.firstAtMs, SettlementMatchRules.DAY_MS));
    return a;
  }

  /**
   * A member line of a batch whose payout was already decided: the payout no longer equals its
   * members (an AMOUNT_MISMATCH naming the new sum).
   *
   * @param d the batch's decision (the payout line's ids and gross in expectedAmountMinor)
   * @param members the totals with {@code late} counted
   */
  public static ReconAlert lateBatchMember(
      String batchKey, ReconDecision d, Settlement late, BatchTotals members, String rule) {
    ReconAlert a = base(AlertKind.AMOUNT_MISMATCH, batchKey, late.eventId, late.settledAtMs);
    a.paymentId = batchKey;
    a.merchantId = d.merchantId != null ? d.merchantId : late.merchantId;
    a.settlementId = late.settlementId;
    a.source = late.source;
    a.expectedAmountMinor = members.netMinor;
    a.actualAmountMinor = d.expectedAmountMinor;
    a.currency = late.currency;
    a.rule = rule;
    Long delta =
        members.netMinor == null || d.expectedAmountMinor == null
            ? null
            : d.expectedAmountMinor - members.netMinor;
    a.detail =
        "member line "
            + late.source
            + ":"
            + late.settlementId
            + " (net "
            + late.netAmountMinor
            + " "
            + late.currency
            + " minor units) arrived after payout "
            + d.source
            + ":"
            + d.settlementId
            + " of "
            + batchKey
            + " was decided; its "
            + members.count
            + " members now net "
            + members.netMinor
            + " vs payout gross "
            + d.expectedAmountMinor;
    a.criteria =
        new MatchCriterion[] {
          new MatchCriterion(
              "payout-equals-members-net",
              rule,
              false,
              String.valueOf(members.netMinor),
              String.valueOf(d.expectedAmountMinor),
              delta)
        };
    a.deltas = new MatchDeltas(delta, null, null, null);
    return a;
  }

  /** What a window payout line's match is keyed and listed under: {@code payout:<source>:<id>}. */
  public static String windowPayoutKey(Settlement payout) {
    return "payout:" + payout.source + ":" + payout.settlementId;
  }

  /**
   * A payout line without a batch id that pays a set of the merchant's settled payments ("sum
   * within a window"): one match naming them.
   */
  public static PaymentMatch windowMatch(
      Settlement payout, PayoutWindowRules.Verdict verdict, long atMs) {
    PaymentMatch m = new PaymentMatch();
    String key = windowPayoutKey(payout);
    m.eventId = matchId(key, payout.eventId);
    m.paymentId = key;
    m.merchantId = payout.merchantId;
    m.settlementId = payout.settlementId;
    m.source = payout.source;
    m.amountMinor = payout.grossAmountMinor;
    long fees = 0;
    for (WindowCandidate c : verdict.chosen()) {
      fees = EventTimes.saturatingAdd(fees, c.feeMinor);
    }
    m.feeAmountMinor = fees;
    m.currency = payout.currency;
    m.rule = verdict.rule();
    m.matchedAtMs = atMs;
    m.criteria = verdict.criteria().toArray(new MatchCriterion[0]);
    m.deltas = verdict.deltas();
    m.paymentIds = verdict.chosen().stream().map(c -> c.paymentId).toArray(String[]::new);
    return m;
  }

  /**
   * A payout line without a batch id that pays no set of the merchant's settled payments: an
   * ORPHAN_SETTLEMENT, with the same id as the orphan alert the per-payment matcher would raise,
   * explained by the window search.
   */
  public static ReconAlert windowOrphan(
      Settlement payout, PayoutWindowRules.Verdict verdict, long graceMs, long atMs) {
    ReconAlert a = orphan(payout, graceMs, atMs);
    a.rule = verdict.rule();
    a.detail = verdict.detail();
    java.util.List<MatchCriterion> criteria = new java.util.ArrayList<>(verdict.criteria());
    criteria.addAll(0, java.util.Arrays.asList(a.criteria));
    a.criteria = criteria.toArray(new MatchCriterion[0]);
    return a;
  }

  private static String batchMerchant(Settlement payout, BatchTotals members) {
    if (payout.merchantId != null) {
      return payout.merchantId;
    }
    return members != null && members.merchantId != null ? members.merchantId : "";
  }

  /**
   * A refund line beyond what the ledger refunded: every ledger refund of the payment is paired
   * with a line already, and no further one came within the grace.
   */
  public static ReconAlert excessRefund(
      String refundKey, RefundTally tally, Settlement line, long graceEndMs) {
    ReconAlert a = base(AlertKind.DUPLICATE_SETTLEMENT, refundKey, line.eventId, graceEndMs);
    a.paymentId = line.paymentReference;
    a.merchantId = tally.merchantId != null ? tally.merchantId : line.merchantId;
    a.settlementId = line.settlementId;
    a.source = line.source;
    a.expectedAmountMinor = 0L;
    a.actualAmountMinor = line.grossAmountMinor;
    a.currency = line.currency;
    a.rule = EXCESS_REFUND_RULE;
    String refunds = tally.pairedRefunds + " refund" + (tally.pairedRefunds == 1 ? "" : "s");
    a.detail =
        "refund line "
            + line.source
            + ":"
            + line.settlementId
            + " (gross "
            + line.grossAmountMinor
            + " "
            + line.currency
            + " minor units) goes beyond what the ledger refunded: the ledger's "
            + refunds
            + " of payment "
            + line.paymentReference
            + " (total "
            + tally.pairedRefundedMinor
            + ") are each paired with a line already, and no further ledger refund came by "
            + Instant.ofEpochMilli(graceEndMs);
    a.criteria =
        new MatchCriterion[] {
          new MatchCriterion(
              "refund-lines-within-ledger-refunds",
              EXCESS_REFUND_RULE,
              false,
              "at most " + tally.pairedRefunds + " refund line(s)",
              (tally.pairedRefunds + 1) + " refund lines",
              null)
        };
    a.deltas = new MatchDeltas(null, null, null, null);
    return a;
  }

  /**
   * The ledger cancelled a payment after its overdue alert: its authorization was released, nothing
   * will settle, so the overdue alert is resolved.
   */
  public static ReconAlert cancellationResolves(
      LedgerPayment payment, LedgerPayment cancellation, long deadlineAtMs) {
    ReconAlert a =
        base(
            AlertKind.RESOLVED,
            payment.paymentId,
            cancellation.eventId,
            Math.max(cancellation.occurredAtMs, deadlineAtMs));
    a.merchantId = payment.merchantId;
    a.expectedAmountMinor = payment.amountMinor;
    a.currency = payment.currency;
    a.rule = CANCELLED_RULE;
    a.resolvesEventId = overdueAlertId(payment.paymentId, payment.eventId);
    a.traceparent = payment.traceparent;
    a.detail =
        "payment "
            + payment.paymentId
            + " was cancelled in the ledger at "
            + Instant.ofEpochMilli(cancellation.occurredAtMs)
            + ", after the overdue alert "
            + a.resolvesEventId
            + ": its authorization of "
            + payment.amountMinor
            + " "
            + payment.currency
            + " minor units was released and nothing will settle";
    a.criteria =
        new MatchCriterion[] {
          new MatchCriterion(
              "payment-cancelled",
              CANCELLED_RULE,
              true,
              "a settlement, or a cancellation",
              "cancelled at " + Instant.ofEpochMilli(cancellation.occurredAtMs),
              null)
        };
    a.deltas = new MatchDeltas(null, null, null, null);
    return a;
  }

  /**
   * A settlement line for a payment the ledger cancelled: money moved that the ledger says never
   * will. An AMOUNT_MISMATCH against the 0 the ledger expects.
   *
   * @param authorizedMinor the released authorization's amount, or null when not seen
   */
  public static ReconAlert settledThoughCancelled(
      String paymentKey,
      String merchantId,
      Long authorizedMinor,
      long cancelledAtMs,
      Settlement line) {
    ReconAlert a =
        base(
            AlertKind.AMOUNT_MISMATCH,
            paymentKey,
            line.eventId,
            Math.max(line.settledAtMs, cancelledAtMs));
    a.merchantId = merchantId != null ? merchantId : line.merchantId;
    a.settlementId = line.settlementId;
    a.source = line.source;
    a.expectedAmountMinor = 0L;
    a.actualAmountMinor = line.grossAmountMinor;
    a.currency = line.currency;
    a.rule = CANCELLED_RULE;
    a.detail =
        "payment "
            + paymentKey
            + " was cancelled in the ledger at "
            + Instant.ofEpochMilli(cancelledAtMs)
            + (authorizedMinor == null
                ? ""
                : " (its authorization of " + authorizedMinor + " minor units released)")
            + ", yet "
            + line.source
            + ":"
            + line.settlementId
            + " settles "
            + line.grossAmountMinor
            + " "
            + line.currency
            + " minor units for it";
    a.criteria = new MatchCriterion[] {notCancelled(cancelledAtMs)};
    a.deltas = new MatchDeltas(line.grossAmountMinor, null, null, null);
    return a;
  }

  /**
   * The ledger cancelled a payment a settlement had already settled: it released an authorization
   * the processor paid out. An AMOUNT_MISMATCH against the 0 the ledger now expects.
   */
  public static ReconAlert cancelledAfterSettlement(
      String paymentKey, ReconDecision settled, LedgerPayment cancellation) {
    ReconAlert a =
        base(
            AlertKind.AMOUNT_MISMATCH, paymentKey, cancellation.eventId, cancellation.occurredAtMs);
    // About the payment, not the line: the line has its outcome already (each line has exactly
    // one, which the conservation checker counts by settlement id), so only the detail names it.
    a.merchantId = settled.merchantId;
    a.expectedAmountMinor = 0L;
    a.rule = CANCELLED_RULE;
    a.detail =
        "payment "
            + paymentKey
            + " was cancelled in the ledger at "
            + Instant.ofEpochMilli(cancellation.occurredAtMs)
            + " after "
            + settled.source
            + ":"
            + settled.settlementId
            + " had settled it ("
            + settled.outcome
            + ")";
    a.criteria = new MatchCriterion[] {notCancelled(cancellation.occurredAtMs)};
    a.deltas = new MatchDeltas(null, null, null, null);
    return a;
  }

  private static MatchCriterion notCancelled(long cancelledAtMs) {
    return new MatchCriterion(
        "payment-not-cancelled",
        CANCELLED_RULE,
        false,
        "a payment the ledger did not cancel",
        "cancelled at " + Instant.ofEpochMilli(cancelledAtMs),
        null);
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
