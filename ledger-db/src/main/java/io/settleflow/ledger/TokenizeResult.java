package io.settleflow.ledger;

/** What {@link PaymentLedger#tokenize} did. */
public sealed interface TokenizeResult {
  /** The card was stored (or re-encrypted) with the key's stored response. */
  record Stored(StoredResponse response) implements TokenizeResult {}

  /** The key was used before with the same request: the stored response, nothing written. */
  record Replayed(StoredResponse response) implements TokenizeResult {}

  /** The key was used before with a different request: nothing written (HTTP 422). */
  record KeyReusedWithDifferentRequest() implements TokenizeResult {}

  /** Another request holding the key has not finished: nothing written (HTTP 409). */
  record InFlight() implements TokenizeResult {}
}
