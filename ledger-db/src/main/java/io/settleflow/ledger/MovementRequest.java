package io.settleflow.ledger;

import java.util.OptionalLong;
import java.util.UUID;

/**
 * A validated capture, refund or cancel of one payment. {@code amountMinor} empty means all that is
 * left (capture, refund); a cancel takes none. {@code requestHash} as in {@link AuthorizeRequest}.
 */
public record MovementRequest(
    String merchantId,
    String idempotencyKey,
    byte[] requestHash,
    UUID paymentId,
    PaymentMovement movement,
    OptionalLong amountMinor,
    String traceparent) {
  /** Without trace context: the outbox row's traceparent stays null. */
  public MovementRequest(
      String merchantId,
      String idempotencyKey,
      byte[] requestHash,
      UUID paymentId,
      PaymentMovement movement,
      OptionalLong amountMinor) {
    this(merchantId, idempotencyKey, requestHash, paymentId, movement, amountMinor, null);
  }

  public MovementRequest {
    if (idempotencyKey == null
        || idempotencyKey.isEmpty()
        || idempotencyKey.length() > AuthorizeRequest.MAX_IDEMPOTENCY_KEY_CHARS) {
      throw new IllegalArgumentException(
          "idempotency key must have 1 to "
              + AuthorizeRequest.MAX_IDEMPOTENCY_KEY_CHARS
              + " characters");
    }
    if (requestHash == null || requestHash.length == 0) {
      throw new IllegalArgumentException("request hash is required");
    }
    if (paymentId == null || movement == null || amountMinor == null) {
      throw new IllegalArgumentException(
          "payment id, movement and amount (possibly empty) are required");
    }
    amountMinor.ifPresent(LedgerPostings::requireAmount);
    if (movement == PaymentMovement.CANCEL && amountMinor.isPresent()) {
      throw new IllegalArgumentException("a cancel takes no amount");
    }
    AuthorizeRequest.requireTraceparent(traceparent);
    requestHash = requestHash.clone();
  }

  @Override
  public byte[] requestHash() {
    return requestHash.clone();
  }

  @Override
  public String toString() {
    return "MovementRequest[merchantId="
        + merchantId
        + ", idempotencyKey="
        + idempotencyKey
        + ", paymentId="
        + paymentId
        + ", movement="
        + movement
        + ", amountMinor="
        + amountMinor
        + "]";
  }
}
