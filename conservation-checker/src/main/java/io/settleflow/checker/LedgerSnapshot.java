package io.settleflow.checker;

import java.util.List;
import java.util.Map;

/**
 * What the ledger database holds after a run, as plain rows (read by {@link LedgerSource}).
 *
 * @param entrySumsByCurrency the sum of every ledger entry per currency
 * @param accountSumsByPayment payment id → account code → sum of the entries of that payment's
 *     transactions (ADJUSTMENT transactions excluded: they are not the payment's movements)
 * @param transactionsByPayment payment id → transaction kind (AUTHORIZE, CAPTURE, …) → how many
 * @param outboxEventIds the outbox rows still present (older ones may have been purged)
 */
public record LedgerSnapshot(
    List<PaymentRow> payments,
    Map<String, Long> entrySumsByCurrency,
    Map<String, Map<String, Long>> accountSumsByPayment,
    Map<String, Map<String, Integer>> transactionsByPayment,
    List<String> outboxEventIds,
    List<IdempotencyRow> idempotencyRows) {

  /** A row of ledger.payments. */
  public record PaymentRow(
      String merchantId,
      String paymentId,
      String status,
      long amountMinor,
      long capturedMinor,
      long refundedMinor,
      String currency,
      String reference) {}

  /** A stored idempotent response: its status and the id its body names (null if none). */
  public record IdempotencyRow(
      String merchantId, String idempotencyKey, Integer responseStatus, String responseId) {}
}
