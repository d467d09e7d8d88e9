package io.settleflow.feeds;

/** One data line of a settlement file: either a record or a rejection with its reason. */
public sealed interface ParsedLine permits ParsedRecord, RejectedLine {
  /** 1-based physical line in the file where the entry starts (the header is usually line 1). */
  int lineNumber();
}
