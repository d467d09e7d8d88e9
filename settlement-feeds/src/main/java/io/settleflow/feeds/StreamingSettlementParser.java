package io.settleflow.feeds;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * A parser that reads its file as a stream and hands entries on one at a time, so memory does not
 * grow with the file (camt.053/054, BAI2). A streamed statement's proof is known only at its end,
 * after its entries were handed on: the parser reports failed statements ({@link
 * ParsedLineSink#proofFailed}) and every statement's end ({@link ParsedLineSink#statementEnded}),
 * so a caller that holds entries back (the importer's spool) can flag them ({@code
 * statement_proof_failed}), and a second pass over the same bytes can be given the failed ordinals.
 * One bit per statement, never a buffered statement.
 */
public interface StreamingSettlementParser extends SettlementFileParser {
  /**
   * Parses the stream to its end, calling {@code sink} for every entry and warning.
   *
   * @throws UnreadableFileException the file as a whole is not readable as this format; entries
   *     already handed to the sink must then be discarded
   * @throws IOException reading the stream failed
   */
  default void parse(InputStream content, String source, String fileId, ParsedLineSink sink)
      throws UnreadableFileException, IOException {
    parse(content, source, fileId, sink, new BitSet());
  }

  /**
   * The same, flagging the records of every statement/account whose ordinal (from 1) is set in
   * {@code failedProofs} with {@code statement_proof_failed}; an earlier pass over the same bytes
   * collected them through {@link ParsedLineSink#proofFailed}.
   */
  void parse(
      InputStream content, String source, String fileId, ParsedLineSink sink, BitSet failedProofs)
      throws UnreadableFileException, IOException;

  /** Content a parser may read more than once, each time from its start (a file, bytes). */
  @FunctionalInterface
  interface Reopenable {
    InputStream open() throws IOException;
  }

  /**
   * The same over content that can be read again: a parser may try a cheaper reading first and read
   * again with its general one when the file needs it, handing every line on once. By default the
   * content is read once.
   */
  default void parse(
      Reopenable content, String source, String fileId, ParsedLineSink sink, BitSet failedProofs)
      throws UnreadableFileException, IOException {
    try (InputStream in = content.open()) {
      parse(in, source, fileId, sink, failedProofs);
    }
  }

  /** Parses in memory; a second pass flags records when a statement's proof failed. */
  @Override
  default ParsedFile parse(byte[] content, String source, String fileId)
      throws UnreadableFileException {
    BitSet failed = new BitSet();
    ParsedFile first = parse(content, source, fileId, new BitSet(), failed);
    return failed.isEmpty() ? first : parse(content, source, fileId, failed, new BitSet());
  }

  private ParsedFile parse(byte[] content, String source, String fileId, BitSet flag, BitSet failed)
      throws UnreadableFileException {
    List<ParsedLine> lines = new ArrayList<>();
    List<FileWarning> warnings = new ArrayList<>();
    try {
      parse(
          () -> new ByteArrayInputStream(content),
          source,
          fileId,
          new ParsedLineSink() {
            @Override
            public void accept(ParsedLine line) {
              lines.add(line);
            }

            @Override
            public void warn(FileWarning warning) {
              warnings.add(warning);
            }

            @Override
            public void proofFailed(int ordinal) {
              failed.set(ordinal);
            }
          },
          flag);
    } catch (IOException e) {
      // A byte array stream does no I/O.
      throw new UncheckedIOException(e);
    }
    return new ParsedFile(fileId, lines, warnings);
  }
}
