package io.settleflow.ledger;

/** The HTTP response stored with an idempotency key, returned verbatim on replay. */
public record StoredResponse(int status, String body) {}
