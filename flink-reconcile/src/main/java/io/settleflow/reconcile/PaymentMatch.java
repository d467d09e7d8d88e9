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

  /**
   * A sale match: the net amount of its settlement line(s) in {@link #settlementCurrency}, what a
   * later payout pays for it (used by {@link PayoutWindowFunction}; not published).
   */
  public long settlementNetMinor;

  /** A sale match: the settlement line's currency; null otherwise. */
  public String settlementCurrency;

  /** A sale match: when its (last) settlement line settled; 0 otherwise. */
  public long settledAtMs;

  /** A sale match: the batch its settlement line names (paid by that batch's payout), or null. */
  public String settlementBatchId;

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
