package io.settleflow.ledger;

/** Store a card in the vault for a merchant, under an idempotency key like every POST. */
public record TokenizeRequest(
    String merchantId, String idempotencyKey, byte[] requestHash, VaultCard card) {
  public TokenizeRequest {
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
    requestHash = requestHash.clone();
  }

  @Override
  public byte[] requestHash() {
    return requestHash.clone();
  }

  @Override
  public String toString() {
    return "TokenizeRequest[merchantId="
        + merchantId
        + ", idempotencyKey="
        + idempotencyKey
        + ", card="
        + card
        + "]";
  }
}
