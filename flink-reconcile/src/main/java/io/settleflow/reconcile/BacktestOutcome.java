package io.settleflow.reconcile;

import java.util.Comparator;

/**
 * One result of a backtest replay, reduced to what the comparison needs: a match or an alert of a
 * kind, the rule that decided, and what it is about. A Flink POJO.
 */
public class BacktestOutcome implements java.io.Serializable {
  private static final long serialVersionUID = 1L;

  /** How a match is counted among the alert kinds. */
  public static final String MATCH = "MATCH";

  /** Reports list outcomes in this order: a function of the outcomes alone. */
  public static final Comparator<BacktestOutcome> ORDER =
      Comparator.comparingLong((BacktestOutcome o) -> o.atMs)
          .thenComparing(o -> o.kind)
          .thenComparing(o -> o.subject)
          .thenComparing(o -> o.eventId == null ? "" : o.eventId);

  /** {@link #MATCH} or an {@link AlertKind} name. */
  public String kind;

  public String rule;
  public String paymentId;
  public String settlementId;
  public String eventId;

  /**
   * What the outcome is about, for following it from one rule set to the other: the payment ({@code
   * refund:<id>} for a refund match, {@code batch:<id>} for a batch), or {@code line:<settlement
   * id>} when no payment is named.
   */
  public String subject;

  /** matched_at of a match, detected_at of an alert. */
  public long atMs;

  /** Which rule set of the replay decided it (its index). */
  public int variant;

  public BacktestOutcome() {}

  public static BacktestOutcome of(PaymentMatch m) {
    BacktestOutcome o = new BacktestOutcome();
    o.kind = MATCH;
    o.rule = m.rule;
    o.paymentId = m.paymentId;
    o.settlementId = m.settlementId;
    o.eventId = m.eventId;
    o.atMs = m.matchedAtMs;
    o.subject = subject(m.refund ? LedgerPayment.REFUND_KEY_PREFIX + m.paymentId : m.paymentId, o);
    if (m.batchId == null && m.paymentIds != null && m.paymentIds.length > 0) {
      // A window payout's match is about its line, as its orphan alert would be.
      o.subject = "line:" + m.settlementId;
    }
    return o;
  }

  public static BacktestOutcome of(ReconAlert a) {
    BacktestOutcome o = new BacktestOutcome();
    o.kind = a.kind.name();
    o.rule = a.rule;
    o.paymentId = a.paymentId;
    o.settlementId = a.settlementId;
    o.eventId = a.eventId;
    o.atMs = a.detectedAtMs;
    o.subject = subject(a.paymentId, o);
    return o;
  }

  /** This outcome, marked as decided by rule set {@code index}. */
  public BacktestOutcome in(int index) {
    variant = index;
    return this;
  }

  private static String subject(String paymentId, BacktestOutcome o) {
    if (paymentId != null && !paymentId.isEmpty()) {
      return paymentId;
    }
    return o.settlementId != null ? "line:" + o.settlementId : "event:" + o.eventId;
  }

  @Override
  public String toString() {
    return kind + " " + subject + " " + rule + " @" + atMs;
  }
}
