package io.settleflow.reconcile;

import java.util.Objects;

/** The differences behind a decision; null where one does not apply. A Flink POJO. */
public class MatchDeltas implements java.io.Serializable {
  private static final long serialVersionUID = 1L;

  /** Settlement gross (magnitude for refunds) − ledger amount, same currency. */
  public Long amountMinor;

  /** Settlement fee − the scheduled fee. */
  public Long feeMinor;

  /** Settlement gross − ledger amount converted at the table's rate (settlement minor units). */
  public Long fxMinor;

  /** Whole days from the ledger event to the settlement (or to the deadline when none came). */
  public Long days;

  public MatchDeltas() {}

  public MatchDeltas(Long amountMinor, Long feeMinor, Long fxMinor, Long days) {
    this.amountMinor = amountMinor;
    this.feeMinor = feeMinor;
    this.fxMinor = fxMinor;
    this.days = days;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MatchDeltas d
        && Objects.equals(amountMinor, d.amountMinor)
        && Objects.equals(feeMinor, d.feeMinor)
        && Objects.equals(fxMinor, d.fxMinor)
        && Objects.equals(days, d.days);
  }

  @Override
  public int hashCode() {
    return Objects.hash(amountMinor, feeMinor, fxMinor, days);
  }

  @Override
  public String toString() {
    return "amount " + amountMinor + ", fee " + feeMinor + ", fx " + fxMinor + ", days " + days;
  }
}
