package io.settleflow.ingest;

/** What the system keeps of a card: a keyed, irreversible token and the last four digits. */
public record CardToken(String token, String last4) {}
