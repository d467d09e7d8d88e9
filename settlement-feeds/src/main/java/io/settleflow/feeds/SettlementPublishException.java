package io.settleflow.feeds;

/**
 * The broker did not take every line of a file. Lines already published stay; importing the file
 * again is safe because every record's event id is deterministic and consumers dedupe.
 */
public final class SettlementPublishException extends RuntimeException {
  public SettlementPublishException(String message, Throwable cause) {
    super(message, cause);
  }
}
