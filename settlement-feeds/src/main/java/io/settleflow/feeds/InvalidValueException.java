package io.settleflow.feeds;

/**
 * One field value that cannot be used; the message names the problem (not the column, which the
 * caller adds). Thrown per rejected line, so it carries no stack trace.
 */
public final class InvalidValueException extends Exception {
  private final String column;

  public InvalidValueException(String problem) {
    this(null, problem);
  }

  /** A problem in another column than the one being read (an amount's sign column, say). */
  public InvalidValueException(String column, String problem) {
    super(problem, null, false, false);
    this.column = column;
  }

  /** The column the problem is in, when it is not the one the caller was reading; else null. */
  public String column() {
    return column;
  }
}
