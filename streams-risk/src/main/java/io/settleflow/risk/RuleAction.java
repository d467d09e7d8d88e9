package io.settleflow.risk;

import io.settleflow.avro.RiskOutcome;

/** The least outcome an ACTIVE rule imposes when it fires (the score may still raise it). */
public enum RuleAction {
  REVIEW(RiskOutcome.REVIEW),
  DECLINE(RiskOutcome.DECLINE);

  private final RiskOutcome outcome;

  RuleAction(RiskOutcome outcome) {
    this.outcome = outcome;
  }

  public RiskOutcome outcome() {
    return outcome;
  }
}
