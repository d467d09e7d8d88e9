package io.settleflow.ledger;

import java.time.Instant;
import java.util.UUID;

/**
 * One page of a merchant's payments, newest first. Null filters match everything; {@code
 * createdFrom} is inclusive, {@code createdBefore} exclusive; {@code after} continues from the last
 * payment of the previous page.
 */
public record PaymentQuery(
    String merchantId,
    PaymentStatus status,
    Instant createdFrom,
    Instant createdBefore,
    PageKey after,
    int limit) {
  public static final int MAX_LIMIT = 100;

  /** Where a page ended: the (created_at, payment_id) of its last payment. */
  public record PageKey(Instant createdAt, UUID paymentId) {}

  public PaymentQuery {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be 1.." + MAX_LIMIT + ", was " + limit);
    }
  }
}
