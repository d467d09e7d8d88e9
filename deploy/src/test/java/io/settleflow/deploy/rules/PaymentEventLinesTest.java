package io.settleflow.deploy.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settleflow.avro.PaymentEvent;
import io.settleflow.avro.PaymentEventType;
import java.io.StringReader;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PaymentEventLinesTest {
  private static final String AUTH =
      "{\"event_id\":\"e-1\",\"event_type\":\"AUTHORIZED\",\"payment_id\":\"p-1\",\"merchant_id\":\"m-1\","
          + "\"amount_minor\":1250,\"currency\":\"EUR\",\"card_token\":\"tok_ab\",\"occurred_at\":\"2026-11-25T10:00:00Z\"}";

  @Test
  void eventsAreReadInFileOrderSkippingCommentsAndBlankLines() throws Exception {
    String refund =
        "{\"event_id\":\"e-2\",\"event_type\":\"REFUNDED\",\"payment_id\":\"p-1\",\"merchant_id\":\"m-1\","
            + "\"amount_minor\":250,\"currency\":\"EUR\",\"occurred_at\":1764064800000}";
    List<PaymentEvent> events =
        PaymentEventLines.read(new StringReader("# history\n" + AUTH + "\n\n" + refund + "\n"));

    assertThat(events)
        .extracting(
            PaymentEvent::getEventId, PaymentEvent::getEventType, PaymentEvent::getAmountMinor)
        .containsExactly(
            org.assertj.core.api.Assertions.tuple("e-1", PaymentEventType.AUTHORIZED, 1250L),
            org.assertj.core.api.Assertions.tuple("e-2", PaymentEventType.REFUNDED, 250L));
    assertThat(events.get(0).getCardToken()).isEqualTo("tok_ab");
    assertThat(events.get(0).getOccurredAt()).isEqualTo(Instant.parse("2026-11-25T10:00:00Z"));
    assertThat(events.get(1).getCardToken()).isNull();
    assertThat(events.get(1).getOccurredAt()).isEqualTo(Instant.ofEpochMilli(1764064800000L));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "not json | {oops | line 2: line is not JSON",
        "unknown field (a card number has no field) | {\"pan\":\"x\"} | line 2: pan is not a payment event field",
        "bad type | {\"event_type\":\"SETTLED\"} | line 2: event_type must be",
        "decimal amount | {\"event_type\":\"AUTHORIZED\",\"amount_minor\":12.5} | line 2: amount_minor must be an integer",
        "missing id | {\"event_type\":\"AUTHORIZED\",\"amount_minor\":1} | line 2: event_id is missing",
      })
  void aBadLineIsAnErrorNamingLineAndField(String name, String line, String error) {
    assertThatThrownBy(() -> PaymentEventLines.read(new StringReader(AUTH + "\n" + line)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(error);
  }

  @Test
  void labelsAreOnePaymentIdPerLine() throws Exception {
    assertThat(PaymentEventLines.readLabels(new StringReader("# chargebacks\np-1\n\n p-7 \n")))
        .containsExactlyInAnyOrder("p-1", "p-7");
  }
}
