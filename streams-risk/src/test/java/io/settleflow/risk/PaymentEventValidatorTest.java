package io.settleflow.risk;

import static org.assertj.core.api.Assertions.assertThat;

import io.settleflow.avro.PaymentEvent;
import java.time.Instant;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PaymentEventValidatorTest {
  private static final Instant T = Instant.parse("2026-11-25T10:00:00Z");
  private static final long RECORD_TS = T.toEpochMilli() + 50;

  static Stream<Arguments> cases() {
    return Stream.of(
        // case, key, change to a valid event -> expected problem (null = valid)
        row("a valid event", "p-1", b -> b, null),
        row("record without key", null, b -> b, "record has no key"),
        row("key is another payment", "p-2", b -> b, "record key does not match payment_id"),
        row("blank event id", "p-1", b -> b.setEventId(" "), "event_id is blank"),
        row("blank merchant", "p-1", b -> b.setMerchantId(""), "merchant_id is blank"),
        row(
            "event id over the limit",
            "p-1",
            b -> b.setEventId("e".repeat(256)),
            "event_id is longer than 255"),
        row("event id at the limit", "p-1", b -> b.setEventId("e".repeat(255)), null),
        row("zero amount", "p-1", b -> b.setAmountMinor(0), "amount_minor must be positive"),
        row("negative amount", "p-1", b -> b.setAmountMinor(-5), "amount_minor must be positive"),
        row("lower-case currency", "p-1", b -> b.setCurrency("eur"), "currency must be"),
        row("four-letter currency", "p-1", b -> b.setCurrency("EURO"), "currency must be"),
        row(
            "occurred long before the record (CDC replay)",
            "p-1",
            b -> b.setOccurredAt(T.minusSeconds(86_400 * 30)),
            null),
        row(
            "occurred within skew after the record",
            "p-1",
            b -> b.setOccurredAt(T.plusSeconds(3_599)),
            null),
        row(
            "occurred far after the record",
            "p-1",
            b -> b.setOccurredAt(T.plusSeconds(3_601)),
            "occurred_at is more than"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void acceptsOnlyEventsThatCanBeScored(
      String name, String key, UnaryOperator<PaymentEvent.Builder> change, String problem) {
    PaymentEvent event =
        change
            .apply(PaymentEvent.newBuilder(Payments.event("e-1", "p-1", "m-1", 1_000, T)))
            .build();

    var result = PaymentEventValidator.problem(key, event, RECORD_TS);

    if (problem == null) {
      assertThat(result).isEmpty();
    } else {
      assertThat(result).hasValueSatisfying(p -> assertThat(p).startsWith(problem));
    }
  }

  @Test
  void recordsWithoutTimestampSkipTheSkewCheck() {
    PaymentEvent event = Payments.event("e-1", "p-1", "m-1", 1_000, T.plusSeconds(86_400));
    assertThat(PaymentEventValidator.problem("p-1", event, -1)).isEmpty();
  }

  private static Arguments row(
      String name, String key, UnaryOperator<PaymentEvent.Builder> change, String problem) {
    return Arguments.of(name, key, change, problem);
  }
}
