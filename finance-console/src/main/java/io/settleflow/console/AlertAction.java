package io.settleflow.console;

/** What finance can do to an alert; each is one row of the audit trail. */
public enum AlertAction {
  ACKNOWLEDGE,
  ASSIGN,
  RESOLVE
}
