package io.settleflow.ledger;

/**
 * A validated request to authorize a payment. {@code requestHash} fingerprints the original HTTP
 * request so a reused idempotency key with a different request can be told apart from a retry. The
 * card is a vault token of the merchant; its last four digits come from the vault.
 */
public record AuthorizeRequest(
    String merchantId,
    String idempotencyKey,
    byte[] requestHash,
    long amountMinor,
    String currency,
    String reference,
    String cardToken,
    String traceparent) {
  public static final int MAX_IDEMPOTENCY_KEY_CHARS = 255;
  public static final int MAX_REFERENCE_CHARS = 128;

  /** The outbox column's limit (V8); a W3C version-00 traceparent has 55 characters. */
  public static final int MAX_TRACEPARENT_CHARS = 128;

  /** Without trace context: the outbox row's traceparent stays null. */
  public AuthorizeRequest(
      String merchantId,
      String idempotencyKey,
      byte[] requestHash,
      long amountMinor,
      String currency,
      String reference,
      String cardToken) {
    this(
        merchantId, idempotencyKey, requestHash, amountMinor, currency, reference, cardToken, null);
  }

  public AuthorizeRequest {
    if (idempotencyKey == null
        || idempotencyKey.isEmpty()
        || idempotencyKey.length() > MAX_IDEMPOTENCY_KEY_CHARS) {
      throw new IllegalArgumentException(
          "idempotency key must have 1 to " + MAX_IDEMPOTENCY_KEY_CHARS + " characters");
    }
    if (requestHash == null || requestHash.length == 0) {
      throw new IllegalArgumentException("request hash is required");
    }
    if (reference != null && reference.length() > MAX_REFERENCE_CHARS) {
      throw new IllegalArgumentException(
          "reference must have at most " + MAX_REFERENCE_CHARS + " characters");
    }
    if (cardToken == null || cardToken.isEmpty()) {
      throw new IllegalArgumentException("card token is required");
    }
    requireTraceparent(traceparent);
    LedgerPostings.requireAmount(amountMinor);
    LedgerPostings.requireCurrency(currency);
    requestHash = requestHash.clone();
  }

  @Override
  public byte[] requestHash() {
    return requestHash.clone();
  }

  @Override
  public String toString() {
    return "AuthorizeRequest[merchantId="
        + merchantId
        + ", idempotencyKey="
        + idempotencyKey
        + ", amountMinor="
        + amountMinor
        + ", currency="
        + currency
        + "]";
  }

  /** Null or 1..{@value #MAX_TRACEPARENT_CHARS} characters (the caller formats it). */
  static void requireTraceparent(String traceparent) {
    if (traceparent != null
        && (traceparent.isEmpty() || traceparent.length() > MAX_TRACEPARENT_CHARS)) {
      throw new IllegalArgumentException(
          "traceparent must be null or have 1 to " + MAX_TRACEPARENT_CHARS + " characters");
    }
  }
}
