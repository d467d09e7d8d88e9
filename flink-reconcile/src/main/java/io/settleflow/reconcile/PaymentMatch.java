package io.settleflow.reconcile;

/** A payment matched to its settlement (published as Avro {@code ReconMatch}). */
public class PaymentMatch {
  /** Name-based UUID of the payment and settlement ids: a replay repeats it. */
  public String eventId;

  public String paymentId;
  public String merchantId;
  public String settlementId;
  public String source;
  public long amountMinor;
  public long feeAmountMinor;
  public String currency;

  /** rule-id@version that decided. */
  public String rule;

  /** Event time at which both sides were known. */
  public long matchedAtMs;

  /** Every check the rules made, with expected and actual values. */
  public MatchCriterion[] criteria = new MatchCriterion[0];

  public MatchDeltas deltas;

  /** A REFUND line matched to the ledger refund (not written to payments.settled). */
  public boolean refund;

  /** One-to-many: the batch whose payout line this match reconciles; null otherwise. */
  public String batchId;

  /** One-to-many: the payments the batch's member lines name; empty otherwise. */
  public String[] paymentIds = new String[0];

  /** The W3C traceparent of the payment matched ({@link LedgerPayment#traceparent}), or null. */
  public String traceparent;

  public PaymentMatch() {}

  @Override
  public String toString() {
    return "PaymentMatch{"
        + paymentId
        + " ~ "
        + source
        + ":"
        + settlementId
        + " "
        + amountMinor
        + " "
        + currency
        + " by "
        + rule
        + "}";
  }
}
