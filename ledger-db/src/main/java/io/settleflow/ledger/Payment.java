package io.settleflow.ledger;

import java.time.Instant;
import java.util.UUID;

/**
 * A payment as the ledger stores it. Holds a card token and last four digits, never a PAN. {@code
 * capturedMinor} never exceeds {@code amountMinor}, {@code refundedMinor} never exceeds {@code
 * capturedMinor}.
 */
public record Payment(
    String merchantId,
    UUID paymentId,
    PaymentStatus status,
    long amountMinor,
    long capturedMinor,
    long refundedMinor,
    String currency,
    String reference,
    String cardToken,
    String cardLast4,
    Instant createdAt) {}
