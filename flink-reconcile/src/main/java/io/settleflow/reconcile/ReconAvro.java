package io.settleflow.reconcile;

import io.settleflow.avro.MismatchAlert;
import io.settleflow.avro.MismatchKind;
import io.settleflow.avro.PaymentEvent;
import io.settleflow.avro.ReconCriterion;
import io.settleflow.avro.ReconDeltas;
import io.settleflow.avro.ReconExplanation;
import io.settleflow.avro.ReconMatch;
import io.settleflow.avro.SettlementRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Converts between the Avro contract records and the matcher's Flink POJOs at the edges of the job,
 * so Avro SpecificRecords never travel through Flink's type system (they would go via Kryo).
 */
public final class ReconAvro {
  private ReconAvro() {}

  /** Card token and last four digits are deliberately left behind: matching needs neither. */
  public static LedgerPayment payment(PaymentEvent e) {
    return new LedgerPayment(
        e.getEventId(),
        e.getEventType().name(),
        e.getPaymentId(),
        e.getMerchantId(),
        e.getAmountMinor(),
        e.getCurrency(),
        e.getOccurredAt().toEpochMilli());
  }

  public static Settlement settlement(SettlementRecord r) {
    Settlement s =
        new Settlement(
            r.getEventId(),
            r.getSettlementId(),
            r.getSource(),
            r.getRecordType().name(),
            r.getPaymentReference(),
            r.getMerchantId(),
            r.getGrossAmountMinor(),
            r.getFeeAmountMinor(),
            r.getNetAmountMinor(),
            r.getCurrency(),
            r.getSettledAt().toEpochMilli());
    s.batchId = r.getBatchId();
    return s;
  }

  public static ReconMatch match(PaymentMatch m) {
    return ReconMatch.newBuilder()
        .setEventId(m.eventId)
        .setPaymentId(m.paymentId)
        .setMerchantId(m.merchantId)
        .setSettlementId(m.settlementId)
        .setSource(m.source)
        .setAmountMinor(m.amountMinor)
        .setFeeAmountMinor(m.feeAmountMinor)
        .setCurrency(m.currency)
        .setRule(m.rule)
        .setMatchedAt(Instant.ofEpochMilli(m.matchedAtMs))
        .setExplanation(explanation(m.criteria, m.deltas))
        .setBatchId(m.batchId)
        .setPaymentIds(m.paymentIds == null ? List.of() : Arrays.asList(m.paymentIds))
        .build();
  }

  public static MismatchAlert alert(ReconAlert a) {
    return MismatchAlert.newBuilder()
        .setEventId(a.eventId)
        .setKind(MismatchKind.valueOf(a.kind.name()))
        .setPaymentId(a.paymentId)
        .setMerchantId(a.merchantId)
        .setSettlementId(a.settlementId)
        .setSource(a.source)
        .setExpectedAmountMinor(a.expectedAmountMinor)
        .setActualAmountMinor(a.actualAmountMinor)
        .setCurrency(a.currency)
        .setRule(a.rule)
        .setDetail(a.detail)
        .setDetectedAt(Instant.ofEpochMilli(a.detectedAtMs))
        .setExplanation(explanation(a.criteria, a.deltas))
        .setSeverity(a.kind.severity().name())
        .setResolvesEventId(a.resolvesEventId)
        .build();
  }

  /** Every criterion in the order the rules checked them, and the deltas. */
  public static ReconExplanation explanation(MatchCriterion[] criteria, MatchDeltas deltas) {
    List<ReconCriterion> out = new ArrayList<>();
    if (criteria != null) {
      for (MatchCriterion c : criteria) {
        out.add(
            ReconCriterion.newBuilder()
                .setCriterion(c.criterion)
                .setRule(c.rule)
                .setPassed(c.passed)
                .setExpected(c.expected)
                .setActual(c.actual)
                .setDelta(c.delta)
                .build());
      }
    }
    return ReconExplanation.newBuilder()
        .setCriteria(out)
        .setDeltas(
            deltas == null
                ? null
                : ReconDeltas.newBuilder()
                    .setAmountMinor(deltas.amountMinor)
                    .setFeeMinor(deltas.feeMinor)
                    .setFxMinor(deltas.fxMinor)
                    .setDays(deltas.days)
                    .build())
        .build();
  }
}
