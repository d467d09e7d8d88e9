package io.settleflow.console;

/** Where finance is with an alert. RESOLVED is final. */
public enum AlertStatus {
  OPEN,
  ACKNOWLEDGED,
  RESOLVED
}
