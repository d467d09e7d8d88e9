package io.settleflow.ledger;

/** The ledger database refused or could not be reached; the message says which operation. */
public final class LedgerException extends RuntimeException {
  public LedgerException(String message, Throwable cause) {
    super(message, cause);
  }
}
