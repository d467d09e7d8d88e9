package io.settleflow.reconcile;

/** A finding finance must look at (published as Avro {@code MismatchAlert}). */
public class ReconAlert {
  /** Name-based UUID of kind and ids: a replay after restore repeats it. */
  public String eventId;

  public AlertKind kind;
  public String paymentId;
  public String merchantId;
  public String settlementId;
  public String source;

  /** From the ledger; null where it does not apply. */
  public Long expectedAmountMinor;

  /** From the settlement; null where it does not apply. */
  public Long actualAmountMinor;

  public String currency;

  /** rule-id@version that decided. */
  public String rule;

  /** Why, in words finance can read. */
  public String detail;

  /** Event time at which the finding became certain. */
  public long detectedAtMs;

  /** Every check behind the finding, passed or failed, with expected and actual values. */
  public MatchCriterion[] criteria = new MatchCriterion[0];

  public MatchDeltas deltas;

  /** RESOLVED only: the event id of the OVERDUE_PAYMENT alert this resolves. */
  public String resolvesEventId;

  /**
   * The W3C traceparent of the payment this is about ({@link LedgerPayment#traceparent}), or null.
   */
  public String traceparent;

  public ReconAlert() {}

  @Override
  public String toString() {
    return "ReconAlert{"
        + kind
        + " payment "
        + paymentId
        + " settlement "
        + settlementId
        + " by "
        + rule
        + ": "
        + detail
        + " @"
        + detectedAtMs
        + "}";
  }
}
