package io.settleflow.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.OptionalLong;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PaymentLifecycleTest {
  static final UUID ID = UUID.fromString("00000000-0000-0000-0000-000000000001");

  /**
   * One line per case, as operation -> result: the payment (status, authorized, captured,
   * refunded), the movement and amount asked for ("" = all that is left), then either the payment
   * afterwards and the amount moved, or the refusal code.
   */
  @ParameterizedTest(name = "{0} {1}/{2}/{3}: {4} {5} -> {6}")
  @CsvSource(
      delimiter = '|',
      nullValues = "",
      value = {
        // status          | amt  | capt | refd | movement | amount | outcome
        "AUTHORIZED         | 1000 | 0    | 0    | CAPTURE  |        | CAPTURED 1000/1000/0 moved 1000",
        "AUTHORIZED         | 1000 | 0    | 0    | CAPTURE  | 400    | CAPTURED 1000/400/0 moved 400",
        "AUTHORIZED         | 1000 | 0    | 0    | CAPTURE  | 1000   | CAPTURED 1000/1000/0 moved 1000",
        "AUTHORIZED         | 1000 | 0    | 0    | CAPTURE  | 1001   | amount_exceeds_authorized",
        "CAPTURED           | 1000 | 400  | 0    | CAPTURE  | 600    | CAPTURED 1000/1000/0 moved 600",
        "CAPTURED           | 1000 | 400  | 0    | CAPTURE  |        | CAPTURED 1000/1000/0 moved 600",
        "CAPTURED           | 1000 | 400  | 0    | CAPTURE  | 601    | amount_exceeds_authorized",
        "CAPTURED           | 1000 | 1000 | 0    | CAPTURE  |        | amount_exceeds_authorized",
        "CAPTURED           | 1000 | 1000 | 0    | CAPTURE  | 1      | amount_exceeds_authorized",
        "PARTIALLY_REFUNDED | 1000 | 400  | 100  | CAPTURE  | 600    | PARTIALLY_REFUNDED 1000/1000/100 moved 600",
        "CANCELLED          | 1000 | 0    | 0    | CAPTURE  |        | payment_cancelled",
        "CANCELLED          | 1000 | 0    | 0    | CAPTURE  | 10     | payment_cancelled",
        "AUTHORIZED         | 1000 | 0    | 0    | REFUND   | 10     | payment_not_captured",
        "AUTHORIZED         | 1000 | 0    | 0    | REFUND   |        | payment_not_captured",
        "CAPTURED           | 1000 | 800  | 0    | REFUND   | 300    | PARTIALLY_REFUNDED 1000/800/300 moved 300",
        "CAPTURED           | 1000 | 800  | 0    | REFUND   |        | REFUNDED 1000/800/800 moved 800",
        "CAPTURED           | 1000 | 800  | 0    | REFUND   | 801    | amount_exceeds_captured",
        "PARTIALLY_REFUNDED | 1000 | 800  | 300  | REFUND   | 500    | REFUNDED 1000/800/800 moved 500",
        "PARTIALLY_REFUNDED | 1000 | 800  | 300  | REFUND   | 501    | amount_exceeds_captured",
        "REFUNDED           | 1000 | 800  | 800  | REFUND   | 1      | amount_exceeds_captured",
        "REFUNDED           | 1000 | 800  | 800  | REFUND   |        | amount_exceeds_captured",
        "CANCELLED          | 1000 | 0    | 0    | REFUND   | 1      | payment_cancelled",
        "AUTHORIZED         | 1000 | 0    | 0    | CANCEL   |        | CANCELLED 1000/0/0 moved 1000",
        "CAPTURED           | 1000 | 400  | 0    | CANCEL   |        | payment_already_captured",
        "REFUNDED           | 1000 | 400  | 400  | CANCEL   |        | payment_already_captured",
        "CANCELLED          | 1000 | 0    | 0    | CANCEL   |        | payment_cancelled",
      })
  void eachMovementIsAllowedOrRefusedByThePaymentsState(
      PaymentStatus status,
      long amount,
      long captured,
      long refunded,
      PaymentMovement movement,
      Long requested,
      String outcome) {
    Payment before = payment(status, amount, captured, refunded);

    PaymentLifecycle.Transition t =
        PaymentLifecycle.apply(
            before,
            movement,
            requested == null ? OptionalLong.empty() : OptionalLong.of(requested));

    if (t instanceof PaymentLifecycle.Allowed allowed) {
      Payment after = allowed.after();
      assertThat(
              after.status()
                  + " "
                  + after.amountMinor()
                  + "/"
                  + after.capturedMinor()
                  + "/"
                  + after.refundedMinor()
                  + " moved "
                  + allowed.movedMinor())
          .isEqualTo(outcome);
      assertThat(LedgerPostings.isBalanced(allowed.postings())).isTrue();
      assertThat(allowed.postings())
          .allMatch(p -> Math.abs(p.amountMinor()) == allowed.movedMinor());
      assertThat(after)
          .usingRecursiveComparison()
          .ignoringFields("status", "capturedMinor", "refundedMinor")
          .isEqualTo(before);
    } else {
      assertThat(((PaymentLifecycle.Refused) t).code()).isEqualTo(outcome);
      assertThat(((PaymentLifecycle.Refused) t).detail()).isNotBlank();
    }
  }

  @ParameterizedTest(name = "captured {0}, refunded {1} -> {2}")
  @CsvSource({"0, 0, AUTHORIZED", "1, 0, CAPTURED", "5, 1, PARTIALLY_REFUNDED", "5, 5, REFUNDED"})
  void theStatusFollowsFromTheAmounts(long captured, long refunded, PaymentStatus status) {
    assertThat(PaymentLifecycle.statusFor(captured, refunded)).isEqualTo(status);
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"CAPTURE, 0", "REFUND, -1", "CAPTURE, 1000000000001", "CANCEL, 5"})
  void amountsOutsideTheLimitsAndACancelWithAnAmountAreProgrammingErrors(
      PaymentMovement movement, long requested) {
    Payment p = payment(PaymentStatus.CAPTURED, 1000, 1000, 0);
    assertThatThrownBy(() -> PaymentLifecycle.apply(p, movement, OptionalLong.of(requested)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  static Payment payment(PaymentStatus status, long amount, long captured, long refunded) {
    return new Payment(
        "m1",
        ID,
        status,
        amount,
        captured,
        refunded,
        "EUR",
        "order-17",
        "tok_test",
        "4242",
        Instant.parse("2026-11-25T10:00:00Z"));
  }
}
