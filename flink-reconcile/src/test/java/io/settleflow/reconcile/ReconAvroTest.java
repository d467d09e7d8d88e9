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
  void everyAlertKindHasAnAvroSymbol() {
    for (AlertKind kind : AlertKind.values()) {
      assertThat(MismatchKind.valueOf(kind.name()).name()).isEqualTo(kind.name());
    }
  }
}
