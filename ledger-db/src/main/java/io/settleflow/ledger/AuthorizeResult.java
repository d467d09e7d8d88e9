package io.settleflow.ledger;

/** What {@link PaymentLedger#authorize} did. */
public sealed interface AuthorizeResult {
  /** A new payment was committed with its entries, outbox event and stored response. */
  record Created(Payment payment, StoredResponse response) implements AuthorizeResult {}

  /** The key was used before with the same request: the stored response, nothing written. */
  record Replayed(StoredResponse response) implements AuthorizeResult {}

  /** The key was used before with a different request: nothing written (HTTP 422). */
  record KeyReusedWithDifferentRequest() implements AuthorizeResult {}

  /** Another request holding the key has not finished: nothing written (HTTP 409). */
  record InFlight() implements AuthorizeResult {}

  /**
   * The merchant holds no card with this token (unknown, or another merchant's): nothing written.
   */
  record UnknownCardToken() implements AuthorizeResult {}

  /** The tokenized card expired before the current month: nothing written. */
  record CardExpired(int expMonth, int expYear) implements AuthorizeResult {}
}
