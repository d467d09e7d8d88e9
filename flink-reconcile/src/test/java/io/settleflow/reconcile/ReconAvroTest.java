package io.settleflow.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.settleflow.avro.MismatchAlert;
import io.settleflow.avro.MismatchKind;
import io.settleflow.avro.PaymentEvent;
import io.settleflow.avro.PaymentEventType;
import io.settleflow.avro.ReconMatch;
import io.settleflow.avro.SettlementRecord;
import io.settleflow.avro.SettlementRecordType;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.InMemorySchemaRegistry;
import io.settleflow.schemas.Topics;
import java.lang.reflect.Field;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ReconAvroTest {
  static final Instant AT = Instant.parse("2026-03-01T09:00:00Z");

  @Test
  void paymentEventBecomesALedgerPaymentWithoutCardData() {
    PaymentEvent e =
        PaymentEvent.newBuilder()
            .setEventId("outbox-1")
            .setEventType(PaymentEventType.AUTHORIZED)
            .setPaymentId("pay-1")
            .setMerchantId("m-1")
            .setAmountMinor(1234)
            .setCurrency("EUR")
            .setCardToken("tok_x")
            .setCardLast4("4242")
            .setOccurredAt(AT)
            .build();

    LedgerPayment p = ReconAvro.payment(e);

    assertThat(p.eventId).isEqualTo("outbox-1");
    assertThat(p.paymentId).isEqualTo("pay-1");
    assertThat(p.amountMinor).isEqualTo(1234);
    assertThat(p.occurredAtMs).isEqualTo(AT.toEpochMilli());
    assertThat(Arrays.stream(LedgerPayment.class.getFields()).map(Field::getName))
        .noneMatch(n -> n.toLowerCase(java.util.Locale.ROOT).contains("card"));
  }

  @Test
  void settlementRecordKeepsAmountsAndReference() {
    SettlementRecord r =
        SettlementRecord.newBuilder()
            .setEventId("se-1")
            .setSettlementId("line-1")
            .setSource("adyen")
            .setFileId("f")
            .setLineNumber(3)
            .setRecordType(SettlementRecordType.PAYMENT)
            .setPaymentReference("pay-1")
            .setGrossAmountMinor(1000)
            .setFeeAmountMinor(25)
            .setNetAmountMinor(975)
            .setCurrency("EUR")
            .setSettledAt(AT)
            .build();

    Settlement s = ReconAvro.settlement(r);

    assertThat(s.matchKey()).isEqualTo("pay-1");
    assertThat(s.recordType).isEqualTo("PAYMENT");
    assertThat(s.grossAmountMinor).isEqualTo(1000);
    assertThat(s.feeAmountMinor).isEqualTo(25);
    assertThat(s.settledAtMs).isEqualTo(AT.toEpochMilli());
  }

  @Test
  void aBatchIdMakesAPayoutLineOrABatchMember() {
    SettlementRecord.Builder b =
        SettlementRecord.newBuilder()
            .setEventId("se-9")
            .setSettlementId("bank-9")
            .setSource("bank")
            .setFileId("f")
            .setLineNumber(1)
            .setRecordType(SettlementRecordType.PAYMENT)
            .setGrossAmountMinor(5_000)
            .setNetAmountMinor(5_000)
            .setCurrency("EUR")
            .setSettledAt(AT)
            .setBatchId("po_1");

    Settlement payout = ReconAvro.settlement(b.build());
    Settlement member = ReconAvro.settlement(b.setPaymentReference("pay-1").build());
    Settlement plain = ReconAvro.settlement(b.setBatchId(null).build());

    assertThat(payout.isPayout()).isTrue();
    assertThat(payout.isReconciled()).isTrue(); // until the batch function is in the job
    assertThat(payout.batchKey()).isEqualTo("batch:po_1");
    assertThat(member.isPayout()).isFalse();
    assertThat(member.hasBatch()).isTrue();
    assertThat(member.isReconciled()).isTrue();
    assertThat(plain.hasBatch()).isFalse();
  }

  @Test
  void aBatchMatchKeepsItsBatchAndPaymentsOnTheWire() {
    ConfluentWireFormat wire = new ConfluentWireFormat(new InMemorySchemaRegistry());
    BatchTotals members = new BatchTotals();
    members.add(Fixtures.member("m1", "pay-1", "po_1", 1_000, 30, 1));
    members.add(Fixtures.member("m2", "pay-2", "po_1", 2_000, 60, 2));
    Settlement payout = Fixtures.payout("p1", "po_1", 2_910, 5);
    PayoutBatchRules.Verdict v =
        new PayoutBatchRules(ReconRules.Batches.defaults()).compare(payout, members);

    ReconMatch decoded =
        wire.decode(
            wire.encode(
                Topics.RECON_MATCHES,
                ReconAvro.match(ReconFindings.batchMatch(payout, members, v, 9))),
            ReconMatch.class);

    assertThat(decoded.getPaymentId()).isEqualTo("batch:po_1");
    assertThat(decoded.getBatchId()).isEqualTo("po_1");
    assertThat(decoded.getPaymentIds()).containsExactly("pay-1", "pay-2");
    assertThat(decoded.getRule()).isEqualTo("payout-batch-sum@1");
    assertThat(decoded.getFeeAmountMinor()).isEqualTo(90);
  }

  @Test
  void outputsSurviveTheConfluentWireFormat() {
    ConfluentWireFormat wire = new ConfluentWireFormat(new InMemorySchemaRegistry());
    LedgerPayment p = Fixtures.payment("pe-1", "pay-1", 1_000, "EUR", AT.toEpochMilli());
    Settlement s = Fixtures.settlement("se-1", "l-1", "pay-1", 1_100, "EUR", AT.toEpochMilli() + 5);
    SettlementMatchRules.Verdict v = new SettlementMatchRules(0).compare(p, s);

    ReconAlert alert = ReconFindings.mismatch(p, s, v, s.settledAtMs);
    MismatchAlert decoded =
        wire.decode(
            wire.encode(Topics.RECON_MISMATCHES, ReconAvro.alert(alert)), MismatchAlert.class);
    PaymentMatch match =
        ReconFindings.match(p, Fixtures.settlement("se-2", "l-2", "pay-1", 1_000, "EUR", 9), v, 9);
    ReconMatch decodedMatch =
        wire.decode(wire.encode(Topics.RECON_MATCHES, ReconAvro.match(match)), ReconMatch.class);

    assertThat(decoded.getKind()).isEqualTo(MismatchKind.AMOUNT_MISMATCH);
    assertThat(decoded.getEventId()).isEqualTo(alert.eventId);
    assertThat(decoded.getExpectedAmountMinor()).isEqualTo(1_000L);
    assertThat(decoded.getActualAmountMinor()).isEqualTo(1_100L);
    assertThat(decoded.getDetectedAt()).isEqualTo(AT.plusMillis(5));
    assertThat(decodedMatch.getPaymentId()).isEqualTo("pay-1");
    assertThat(decodedMatch.getSettlementId()).isEqualTo("l-2");
  }

  @Test
  void explanationSeverityAndResolvedIdSurviveTheWireFormat() {
    ConfluentWireFormat wire = new ConfluentWireFormat(new InMemorySchemaRegistry());
    ReconRules rules =
        ReconRulesDocument.parse(
            "version: t\nfees: {version: 2, default: {percent: 1, fixed_minor: 0}}");
    LedgerPayment p = Fixtures.payment("pe-1", "pay-1", 10_000, "EUR", AT.toEpochMilli());
    // Fixtures charge 1 % = 100: the schedule says 100 too, so only the amount is off.
    Settlement s =
        Fixtures.settlement(
            "se-1", "l-1", "pay-1", 10_100, "EUR", AT.toEpochMilli() + 2 * 86_400_000L);
    SettlementMatchRules.Verdict v = new SettlementMatchRules(rules).compare(p, s);

    MismatchAlert decoded =
        wire.decode(
            wire.encode(
                Topics.RECON_MISMATCHES,
                ReconAvro.alert(ReconFindings.mismatch(p, s, v, s.settledAtMs))),
            MismatchAlert.class);

    assertThat(decoded.getSeverity()).isEqualTo("HIGH");
    assertThat(decoded.getResolvesEventId()).isNull();
    assertThat(decoded.getExplanation().getCriteria())
        .extracting(
            c ->
                c.getCriterion()
                    + "|"
                    + c.getRule()
                    + "|"
                    + c.getPassed()
                    + "|"
                    + c.getExpected()
                    + "|"
                    + c.getActual()
                    + "|"
                    + c.getDelta())
        .containsExactly(
            "reference|reference-exact@1|true|pay-1|pay-1|null",
            "currency|currency-exact@1|true|EUR|EUR|null",
            "amount|amount-exact@1|false|10000|10100|100",
            "net-equals-gross-minus-fee|fee-schedule@2|true|9999|9999|0",
            "fee-schedule|fee-schedule@2|true|101 (default schedule 1% + 0 of gross 10100)|101|0");
    assertThat(decoded.getExplanation().getDeltas().getAmountMinor()).isEqualTo(100L);
    assertThat(decoded.getExplanation().getDeltas().getFeeMinor()).isEqualTo(0L);
    assertThat(decoded.getExplanation().getDeltas().getFxMinor()).isNull();
    assertThat(decoded.getExplanation().getDeltas().getDays()).isEqualTo(2L);

    ReconAlert resolved = ReconFindings.resolved(p, s, AT.toEpochMilli() + 1, "x@1", 5);
    MismatchAlert decodedResolved =
        wire.decode(
            wire.encode(Topics.RECON_MISMATCHES, ReconAvro.alert(resolved)), MismatchAlert.class);
    assertThat(decodedResolved.getKind()).isEqualTo(MismatchKind.RESOLVED);
    assertThat(decodedResolved.getSeverity()).isEqualTo("INFO");
    assertThat(decodedResolved.getResolvesEventId())
        .isEqualTo(ReconFindings.alertId(AlertKind.OVERDUE_PAYMENT, "pay-1", "pe-1"));

    PaymentMatch match =
        ReconFindings.match(
            p,
            Fixtures.settlement("se-2", "l-2", "pay-1", 10_000, "EUR", 9),
            new SettlementMatchRules(rules)
                .compare(p, Fixtures.settlement("se-2", "l-2", "pay-1", 10_000, "EUR", 9)),
            9);
    ReconMatch decodedMatch =
        wire.decode(wire.encode(Topics.RECON_MATCHES, ReconAvro.match(match)), ReconMatch.class);
    assertThat(decodedMatch.getExplanation().getCriteria())
        .extracting(c -> c.getCriterion() + "=" + c.getPassed())
        .containsExactly(
            "reference=true",
            "currency=true",
            "amount=true",
            "net-equals-gross-minus-fee=true",
            "fee-schedule=true");
  }

  @Test
  void everyAlertKindHasAnAvroSymbol() {
    for (AlertKind kind : AlertKind.values()) {
      assertThat(MismatchKind.valueOf(kind.name()).name()).isEqualTo(kind.name());
    }
  }
}
