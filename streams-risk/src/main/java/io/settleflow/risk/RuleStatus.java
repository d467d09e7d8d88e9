package io.settleflow.risk;

/** ACTIVE rules decide; SHADOW rules are only recorded; DISABLED rules are not evaluated. */
public enum RuleStatus {
  ACTIVE,
  SHADOW,
  DISABLED
}
