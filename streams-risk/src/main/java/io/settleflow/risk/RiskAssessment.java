package io.settleflow.risk;

import io.settleflow.avro.RiskOutcome;
import java.util.List;

/**
 * The scorer's verdict.
 *
 * @param score 0 (no risk) to 100, from ACTIVE rules only
 * @param reasons one line per ACTIVE rule that fired, starting with its {@code rule-id@version}
 * @param ruleVersions {@code rule-id@version} of every rule evaluated (ACTIVE and SHADOW)
 * @param shadowReasons one line per SHADOW rule that would have fired
 */
public record RiskAssessment(
    int score,
    RiskOutcome outcome,
    List<String> reasons,
    List<String> ruleVersions,
    List<String> shadowReasons) {
  public RiskAssessment {
    reasons = List.copyOf(reasons);
    ruleVersions = List.copyOf(ruleVersions);
    shadowReasons = List.copyOf(shadowReasons);
  }
}
