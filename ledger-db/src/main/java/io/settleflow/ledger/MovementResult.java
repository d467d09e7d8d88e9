package io.settleflow.ledger;

/** What {@link PaymentLedger#move} did. Only {@link Applied} wrote anything. */
public sealed interface MovementResult {
  /** Committed: the payment afterwards, the amount moved, the stored response. */
  record Applied(Payment payment, long movedMinor, StoredResponse response)
      implements MovementResult {}

  /** The key was used before with the same request: the stored response. */
  record Replayed(StoredResponse response) implements MovementResult {}

  /** The key was used before with a different request (HTTP 422). */
  record KeyReusedWithDifferentRequest() implements MovementResult {}

  /** Another request holding the key has not finished (HTTP 409). */
  record InFlight() implements MovementResult {}

  /** No such payment for this merchant (HTTP 404). */
  record NotFound() implements MovementResult {}

  /** The payment's state does not allow the movement (HTTP 409 with the code). */
  record Refused(String code, String detail) implements MovementResult {}

  /** Other movements held the payment longer than the wait (HTTP 409, retry). */
  record PaymentBusy() implements MovementResult {}
}
