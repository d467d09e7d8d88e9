package io.settleflow.reconcile;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One recorded input of a backtest: a ledger payment event or a settlement line (exactly one is
 * set), with its position in the recording. A Flink POJO.
 */
public class ReplayEvent implements java.io.Serializable {
  private static final long serialVersionUID = 1L;

  /** Equal event times keep the recording's order, so the replay order is a function of it. */
  public static final Comparator<ReplayEvent> EVENT_TIME_ORDER =
      Comparator.comparingLong(ReplayEvent::eventTimeMs).thenComparingLong(e -> e.seq);

  public LedgerPayment payment;
  public Settlement line;

  /** Position in the recording (0-based). */
  public long seq;

  public ReplayEvent() {}

  public static ReplayEvent of(LedgerPayment p, long seq) {
    ReplayEvent e = new ReplayEvent();
    e.payment = p;
    e.seq = seq;
    return e;
  }

  public static ReplayEvent of(Settlement s, long seq) {
    ReplayEvent e = new ReplayEvent();
    e.line = s;
    e.seq = seq;
    return e;
  }

  /** occurred_at of a payment, settled_at of a line. */
  public long eventTimeMs() {
    return payment != null ? payment.occurredAtMs : line.settledAtMs;
  }

  /** The recording in event-time order (stable: ties keep their recorded order). */
  public static List<ReplayEvent> inEventTimeOrder(List<ReplayEvent> recorded) {
    List<ReplayEvent> out = new ArrayList<>(recorded);
    out.sort(EVENT_TIME_ORDER);
    return out;
  }

  @Override
  public String toString() {
    return "ReplayEvent{#" + seq + " " + (payment != null ? payment : line) + "}";
  }
}
