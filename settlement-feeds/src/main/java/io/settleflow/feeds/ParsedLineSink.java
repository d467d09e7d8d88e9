package io.settleflow.feeds;

/** Where a streaming parser hands each entry it read, in file order. */
public interface ParsedLineSink {
  void accept(ParsedLine line);

  /** A statement-level finding (e.g. a failed balance proof); the entries are still delivered. */
  void warn(FileWarning warning);

  /**
   * The balance proof of the {@code ordinal}-th statement (camt) or account (BAI2) of the file,
   * counted from 1, failed. Called when the statement ends, after its entries and its warning; a
   * later pass over the same bytes can then flag those entries ({@link
   * StreamingSettlementParser#parse(java.io.InputStream, String, String, ParsedLineSink,
   * java.util.BitSet)}).
   */
  default void proofFailed(int ordinal) {}

  /**
   * The {@code ordinal}-th statement (camt) or account (BAI2), counted from 1, ended: every record
   * handed on since the previous one ended belongs to it. Called for every statement, after its
   * {@link #proofFailed} if any.
   */
  default void statementEnded(int ordinal) {}
}
