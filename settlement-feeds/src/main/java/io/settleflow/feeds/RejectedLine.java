package io.settleflow.feeds;

/**
 * A line that could not become a record. The reason is one line, {@code "<field>: <problem>"}, so
 * people can read it and summaries can count rejections by field; {@link #field()} and {@link
 * #problem()} are its two parts, published as separate fields too. Digit runs that could be a card
 * number are masked here, whatever the parser put in.
 *
 * @param xmlPath for XML formats (camt), the entry's element path, e.g. {@code
 *     /Document/BkToCstmrStmt/Stmt[1]/Ntry[3]}; null for line-based formats
 */
public record RejectedLine(int lineNumber, String reason, String xmlPath) implements ParsedLine {
  private static final String SEPARATOR = ": ";

  public RejectedLine {
    // A reason is published; whatever built it, a card number must not get through.
    reason = ReasonText.maskLongDigitRuns(reason);
  }

  public RejectedLine(int lineNumber, String reason) {
    this(lineNumber, reason, null);
  }

  /** What went wrong, without the line's own values: the part of the reason before the colon. */
  public String category() {
    int colon = reason.indexOf(':');
    return colon < 0 ? reason : reason.substring(0, colon);
  }

  /**
   * The column (CSV header name, BAI2 field, camt element path) the reason is about; null when it
   * names none.
   */
  public String field() {
    int at = reason.indexOf(SEPARATOR);
    return at < 0 ? null : reason.substring(0, at);
  }

  /** The reason without its field. */
  public String problem() {
    int at = reason.indexOf(SEPARATOR);
    return at < 0 ? reason : reason.substring(at + SEPARATOR.length());
  }
}
