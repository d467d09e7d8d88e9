package io.settleflow.risk;

import io.settleflow.avro.PaymentEvent;
import io.settleflow.avro.PaymentEventType;
import java.time.Instant;

/** Test events. card_last4 only: no test ever builds a card number. */
final class Payments {
  private Payments() {}

  static PaymentEvent event(
      String eventId, String paymentId, String merchantId, long amountMinor, Instant occurredAt) {
    return PaymentEvent.newBuilder()
        .setEventId(eventId)
        .setEventType(PaymentEventType.AUTHORIZED)
        .setPaymentId(paymentId)
        .setMerchantId(merchantId)
        .setAmountMinor(amountMinor)
        .setCurrency("EUR")
        .setCardToken("tok_" + paymentId)
        .setCardLast4("4242")
        .setOccurredAt(occurredAt)
        .build();
  }
}
