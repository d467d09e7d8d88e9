package io.settleflow.reconcile;

/**
 * What the matcher remembers of a payment's refunds once some are paired (a Flink POJO kept under
 * the payment's refund key): how many ledger refunds were paired, their total, and when the key's
 * state may go.
 */
public class RefundTally {
  /** Ledger refunds paired with a refund line (matched or mismatched). */
  public int pairedRefunds;

  /** Their ledger amounts, summed (saturating). */
  public long pairedRefundedMinor;

  public String merchantId;

  /** Event time after which nothing of the key is kept once no refund or line is waiting. */
  public long cleanupAtMs = Long.MIN_VALUE;

  public RefundTally() {}
}
