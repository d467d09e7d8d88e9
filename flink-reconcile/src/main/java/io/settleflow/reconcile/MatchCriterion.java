package io.settleflow.reconcile;

/**
 * One check a rule made while deciding, as finance reads it: what, by which rule@version, passed or
 * not, expected vs actual and the difference. A Flink POJO (public fields, no-arg constructor).
 */
public class MatchCriterion implements java.io.Serializable {
  private static final long serialVersionUID = 1L;

  /** e.g. reference, currency, amount, fx-rate, net-equals-gross-minus-fee, fee-schedule. */
  public String criterion;

  /** rule-id@version that made the check. */
  public String rule;

  public boolean passed;
  public String expected;
  public String actual;

  /** actual − expected (minor units, or whole days for time criteria); null when not a number. */
  public Long delta;

  public MatchCriterion() {}

  public MatchCriterion(
      String criterion, String rule, boolean passed, String expected, String actual, Long delta) {
    this.criterion = criterion;
    this.rule = rule;
    this.passed = passed;
    this.expected = expected;
    this.actual = actual;
    this.delta = delta;
  }

  @Override
  public String toString() {
    return criterion
        + " ("
        + rule
        + ") "
        + (passed ? "passed" : "FAILED")
        + ": expected "
        + expected
        + ", actual "
        + actual
        + (delta == null ? "" : ", delta " + delta);
  }
}
