package io.settleflow.risk;

import io.settleflow.avro.PaymentEvent;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Checks a decoded PaymentEvent before it reaches state. Messages name fields, never their values,
 * so a dead letter's headers cannot leak card data.
 */
public final class PaymentEventValidator {
  /** Ids become state-store keys; outbox ids are 36-char UUIDs. */
  public static final int MAX_ID_CHARS = 255;

  /**
   * occurred_at may trail the record's timestamp by any amount (CDC replays) but lead it only by
   * clock skew: one far-future event would advance the stores' stream time and expire every
   * remembered event id at once.
   */
  public static final Duration MAX_OCCURRED_AFTER_RECORD = Duration.ofHours(1);

  private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");

  private PaymentEventValidator() {}

  /**
   * @param key the record key, which must be the payment id (the topic is partitioned by it)
   * @param recordTimestampMs the Kafka record's timestamp, negative if it has none
   * @return why the event cannot be scored, or empty when it can
   */
  public static Optional<String> problem(String key, PaymentEvent event, long recordTimestampMs) {
    if (key == null) {
      return Optional.of("record has no key (expected the payment id)");
    }
    Optional<String> idProblem =
        firstOf(
            idProblem("event_id", event.getEventId()),
            idProblem("payment_id", event.getPaymentId()),
            idProblem("merchant_id", event.getMerchantId()));
    if (idProblem.isPresent()) {
      return idProblem;
    }
    if (!key.equals(event.getPaymentId())) {
      return Optional.of("record key does not match payment_id");
    }
    if (event.getAmountMinor() <= 0) {
      return Optional.of("amount_minor must be positive");
    }
    if (event.getCurrency() == null || !CURRENCY.matcher(event.getCurrency()).matches()) {
      return Optional.of("currency must be an ISO 4217 alphabetic code");
    }
    if (recordTimestampMs >= 0
        && event.getOccurredAt().toEpochMilli()
            > recordTimestampMs + MAX_OCCURRED_AFTER_RECORD.toMillis()) {
      return Optional.of(
          "occurred_at is more than " + MAX_OCCURRED_AFTER_RECORD + " after the record timestamp");
    }
    return Optional.empty();
  }

  private static Optional<String> idProblem(String field, String value) {
    if (value == null || value.isBlank()) {
      return Optional.of(field + " is blank");
    }
    if (value.length() > MAX_ID_CHARS) {
      return Optional.of(field + " is longer than " + MAX_ID_CHARS + " characters");
    }
    return Optional.empty();
  }

  @SafeVarargs
  private static Optional<String> firstOf(Optional<String>... problems) {
    for (Optional<String> p : problems) {
      if (p.isPresent()) {
        return p;
      }
    }
    return Optional.empty();
  }
}
