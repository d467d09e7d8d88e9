package io.settleflow.console;

/** Bad input from a finance user: names the field; nothing was written. */
public final class ConsoleInputException extends RuntimeException {
  private final String field;
  private final boolean conflict;

  private ConsoleInputException(String field, String problem, boolean conflict) {
    super(field + ": " + problem);
    this.field = field;
    this.conflict = conflict;
  }

  /** The request is malformed (HTTP 400). */
  public static ConsoleInputException invalid(String field, String problem) {
    return new ConsoleInputException(field, problem, false);
  }

  /** The request is well formed but the alert's state refuses it (HTTP 409). */
  public static ConsoleInputException conflict(String field, String problem) {
    return new ConsoleInputException(field, problem, true);
  }

  public String field() {
    return field;
  }

  public boolean isConflict() {
    return conflict;
  }
}
