package io.settleflow.feeds;

/** Where a streaming parser hands each entry it read, in file order. */
public interface ParsedLineSink {
  void accept(ParsedLine line);

  /** A statement-level finding (e.g. a failed balance proof); the entries are still delivered. */
  void warn(FileWarning warning);
}
