package io.settleflow.feeds;

/**
 * A line that could not become a record. The reason is one line, {@code "<column>: <problem>"},
 * so people can read it and summaries can count rejections by column. Digit runs that could be
 * a card number are masked here, whatever the parser put in.
 */
public record RejectedLine(int lineNumber, String reason) implements ParsedLine {
  public RejectedLine {
    // A reason is published; whatever built it, a card number must not get through.
    reason = ReasonText.maskLongDigitRuns(reason);
  }

  /** What went wrong, without the line's own values: the part of the reason before the colon. */
  public String category() {
    int colon = reason.indexOf(':');
    return colon < 0 ? reason : reason.substring(0, colon);
  }
}
