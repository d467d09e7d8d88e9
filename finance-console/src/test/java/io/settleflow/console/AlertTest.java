package io.settleflow.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settleflow.avro.MismatchAlert;
import io.settleflow.avro.MismatchKind;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AlertTest {
  static final Instant DETECTED = Instant.parse("2026-03-01T09:00:00Z");
  static final Instant RECEIVED = Instant.parse("2026-03-01T09:00:01Z");

  static MismatchAlert.Builder event() {
    return MismatchAlert.newBuilder()
        .setEventId("mm-1")
        .setKind(MismatchKind.AMOUNT_MISMATCH)
        .setPaymentId("pay-1")
        .setMerchantId("acme")
        .setSettlementId("set-1")
        .setSource("adyen")
        .setExpectedAmountMinor(10_000L)
        .setActualAmountMinor(9_900L)
        .setCurrency("EUR")
        .setRule("amount@1")
        .setDetail("settled short")
        .setDetectedAt(DETECTED);
  }

  @Test
  void aMismatchBecomesAnOpenAlert() {
    Alert a = Alert.fromMismatch(event().build(), RECEIVED);
    assertThat(a.alertId()).isEqualTo("mm-1");
    assertThat(a.kind()).isEqualTo("AMOUNT_MISMATCH");
    assertThat(a.status()).isEqualTo(AlertStatus.OPEN);
    assertThat(a.severity()).isEqualTo(AlertSeverity.LOW);
    assertThat(a.differenceMinor()).isEqualTo(-100L);
    assertThat(a.detectedAt()).isEqualTo(DETECTED);
    assertThat(a.receivedAt()).isEqualTo(RECEIVED);
    assertThat(Alert.resolvedAlertId(event().build())).isEmpty();
    AlertView v = AlertView.of(a, java.util.List.of());
    assertThat(v.expected()).isEqualTo("100.00 EUR");
    assertThat(v.difference()).isEqualTo("-1.00 EUR");
    assertThat(v.processor()).isEqualTo("adyen");
  }

  @Test
  void eventsThatCannotBeStoredNameTheField() {
    assertThatThrownBy(() -> Alert.fromMismatch(event().setEventId("").build(), RECEIVED))
        .hasMessageStartingWith("event_id");
    assertThatThrownBy(() -> Alert.fromMismatch(event().setCurrency("euro").build(), RECEIVED))
        .hasMessageStartingWith("currency");
    assertThat(Alert.fromMismatch(event().setCurrency(null).build(), RECEIVED).currency()).isNull();
  }
}
