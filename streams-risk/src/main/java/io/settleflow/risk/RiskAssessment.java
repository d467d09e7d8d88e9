package io.settleflow.risk;

import io.settleflow.avro.RiskOutcome;
import java.util.List;

/**
 * The scorer's verdict.
 *
 * @param score 0 (no risk) to 100
 * @param reasons one line per rule that fired, starting with its {@code rule-id@version}
 * @param ruleVersions {@code rule-id@version} of every rule evaluated
 */
public record RiskAssessment(
    int score, RiskOutcome outcome, List<String> reasons, List<String> ruleVersions) {
  public RiskAssessment {
    reasons = List.copyOf(reasons);
    ruleVersions = List.copyOf(ruleVersions);
  }
}
