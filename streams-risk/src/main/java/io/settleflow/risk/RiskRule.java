package io.settleflow.risk;

import java.math.BigDecimal;

/**
 * One rule, as published on {@code risk.rules} (see {@link RiskRuleValidator} for the document): it
 * fires when {@code feature comparison threshold} holds and then adds {@code score}.
 */
public record RiskRule(
    String id,
    long version,
    RuleStatus status,
    RiskFeature feature,
    RuleComparison comparison,
    BigDecimal threshold,
    int score,
    RuleAction action) {

  /** {@code id@version}, as decisions list it. */
  public String versionTag() {
    return id + "@" + version;
  }
}
