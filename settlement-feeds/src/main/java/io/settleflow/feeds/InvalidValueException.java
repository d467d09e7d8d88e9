package io.settleflow.feeds;

/**
 * One field value that cannot be used; the message names the problem (not the column, which the
 * caller adds). Thrown per rejected line, so it carries no stack trace.
 */
public final class InvalidValueException extends Exception {
  public InvalidValueException(String problem) {
    super(problem, null, false, false);
  }
}
