package io.settleflow.reconcile;

/**
 * The small marker the matcher keeps for a payment after it has spoken about it, until its cleanup
 * timer. It lets late CDC duplicates and re-imports be recognised (and ignored) instead of starting
 * a new overdue or orphan clock.
 */
public class ReconDecision {
  /**
   * The outcome of a payment the ledger cancelled before anything settled (no alert of its own).
   */
  public static final String CANCELLED = "CANCELLED";

  /**
   * MATCH, AMOUNT_MISMATCH, CURRENCY_MISMATCH, {@link #CANCELLED}: final. OVERDUE_PAYMENT,
   * ORPHAN_SETTLEMENT: open.
   */
  public String outcome;

  public String paymentEventId;
  public String merchantId;

  /** Ledger amount when the payment was seen; null otherwise. */
  public Long expectedAmountMinor;

  public String settlementEventId;
  public String settlementId;
  public String source;

  /**
   * AMOUNT_MISMATCH where the line fell short of the amount: the gross of the lines so far, which
   * further lines of a processor's split may complete; null otherwise.
   */
  public Long splitGrossMinor;

  /** Their fees so far; with {@link #splitGrossMinor}. */
  public Long splitFeeMinor;

  /** Their currency (the ledger's); with {@link #splitGrossMinor}. */
  public String splitCurrency;

  /**
   * The ledger's cancellation of the payment, once seen (a redelivery is then ignored); or null.
   */
  public String cancelEventId;

  /** Its event time; with {@link #cancelEventId}. */
  public Long cancelledAtMs;

  /** Event time at which all state for the key is dropped. */
  public long cleanupAtMs;

  public ReconDecision() {}

  /**
   * Final: both sides were seen and the rules decided. Open (an overdue or orphan alert went out)
   * still lets the missing side arrive late and be matched.
   */
  public boolean isFinal() {
    return !AlertKind.OVERDUE_PAYMENT.name().equals(outcome)
        && !AlertKind.ORPHAN_SETTLEMENT.name().equals(outcome);
  }
}
