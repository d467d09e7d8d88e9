package io.settleflow.ingest;

/** A validated payment request: the card is a vault token, never a number. */
public record PaymentRequest(
    long amountMinor, String currency, String reference, String cardToken) {}
