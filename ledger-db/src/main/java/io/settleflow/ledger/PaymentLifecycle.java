package io.settleflow.ledger;

import java.util.List;
import java.util.OptionalLong;

/**
 * Which movements a payment allows and what they do to it. Pure: no I/O, no clock.
 *
 * <ul>
 *   <li>capture: any amount up to what is still uncaptured (several partial captures allowed); no
 *       amount captures all of it
 *   <li>refund: any amount up to what is captured and not yet refunded; no amount refunds all of it
 *   <li>cancel: only while nothing is captured; releases the whole authorization
 * </ul>
 *
 * A cancelled payment allows nothing more. The status follows from the amounts (the database checks
 * the same rule).
 */
public final class PaymentLifecycle {
  public static final String PAYMENT_CANCELLED = "payment_cancelled";
  public static final String AMOUNT_EXCEEDS_AUTHORIZED = "amount_exceeds_authorized";
  public static final String PAYMENT_NOT_CAPTURED = "payment_not_captured";
  public static final String AMOUNT_EXCEEDS_CAPTURED = "amount_exceeds_captured";
  public static final String PAYMENT_ALREADY_CAPTURED = "payment_already_captured";

  /** The outcome of applying a movement to a payment. */
  public sealed interface Transition {}

  /** The movement is allowed: the payment afterwards, the amount moved and its ledger entries. */
  public record Allowed(Payment after, long movedMinor, List<Posting> postings)
      implements Transition {}

  /** The movement is not allowed in the payment's state; {@code code} is stable for clients. */
  public record Refused(String code, String detail) implements Transition {}

  /**
   * @param requestedMinor the amount asked for, or empty for "all that is left"
   */
  public static Transition apply(Payment p, PaymentMovement movement, OptionalLong requestedMinor) {
    requestedMinor.ifPresent(LedgerPostings::requireAmount);
    if (p.status() == PaymentStatus.CANCELLED) {
      return new Refused(PAYMENT_CANCELLED, "the payment is cancelled");
    }
    return switch (movement) {
      case CAPTURE -> capture(p, requestedMinor);
      case REFUND -> refund(p, requestedMinor);
      case CANCEL -> cancel(p, requestedMinor);
    };
  }

  private static Transition capture(Payment p, OptionalLong requestedMinor) {
    long capturable = p.amountMinor() - p.capturedMinor();
    long amount = requestedMinor.orElse(capturable);
    if (capturable == 0 || amount > capturable) {
      return new Refused(
          AMOUNT_EXCEEDS_AUTHORIZED,
          "at most "
              + capturable
              + " of the authorized "
              + p.amountMinor()
              + " can still be captured");
    }
    Payment after = with(p, p.capturedMinor() + amount, p.refundedMinor());
    return new Allowed(after, amount, LedgerPostings.capture(amount, p.currency()));
  }

  private static Transition refund(Payment p, OptionalLong requestedMinor) {
    if (p.capturedMinor() == 0) {
      return new Refused(
          PAYMENT_NOT_CAPTURED, "nothing is captured, so nothing can be refunded; cancel instead");
    }
    long refundable = p.capturedMinor() - p.refundedMinor();
    long amount = requestedMinor.orElse(refundable);
    if (refundable == 0 || amount > refundable) {
      return new Refused(
          AMOUNT_EXCEEDS_CAPTURED,
          "at most "
              + refundable
              + " of the captured "
              + p.capturedMinor()
              + " can still be refunded");
    }
    Payment after = with(p, p.capturedMinor(), p.refundedMinor() + amount);
    return new Allowed(after, amount, LedgerPostings.refund(amount, p.currency()));
  }

  private static Transition cancel(Payment p, OptionalLong requestedMinor) {
    if (requestedMinor.isPresent()) {
      throw new IllegalArgumentException(
          "a cancel releases the whole authorization: it takes no amount");
    }
    if (p.capturedMinor() > 0) {
      return new Refused(PAYMENT_ALREADY_CAPTURED, "the payment is captured; refund it instead");
    }
    Payment after =
        new Payment(
            p.merchantId(),
            p.paymentId(),
            PaymentStatus.CANCELLED,
            p.amountMinor(),
            0,
            0,
            p.currency(),
            p.reference(),
            p.cardToken(),
            p.cardLast4(),
            p.createdAt());
    return new Allowed(
        after, p.amountMinor(), LedgerPostings.cancel(p.amountMinor(), p.currency()));
  }

  /** The status that the amounts imply (for a payment that is not cancelled). */
  static PaymentStatus statusFor(long capturedMinor, long refundedMinor) {
    if (capturedMinor == 0) {
      return PaymentStatus.AUTHORIZED;
    }
    if (refundedMinor == 0) {
      return PaymentStatus.CAPTURED;
    }
    return refundedMinor == capturedMinor
        ? PaymentStatus.REFUNDED
        : PaymentStatus.PARTIALLY_REFUNDED;
  }

  private static Payment with(Payment p, long capturedMinor, long refundedMinor) {
    return new Payment(
        p.merchantId(),
        p.paymentId(),
        statusFor(capturedMinor, refundedMinor),
        p.amountMinor(),
        capturedMinor,
        refundedMinor,
        p.currency(),
        p.reference(),
        p.cardToken(),
        p.cardLast4(),
        p.createdAt());
  }

  private PaymentLifecycle() {}
}
