package io.settleflow.feeds;

/**
 * Something wrong with a file as a whole or with a group of its entries (a statement whose balances
 * do not prove) that does not stop its records from being published. The reason is one line, {@code
 * "<what>: <problem>"}.
 */
public record FileWarning(int lineNumber, String reason) {
  public FileWarning {
    reason = ReasonText.maskLongDigitRuns(reason);
  }
}
