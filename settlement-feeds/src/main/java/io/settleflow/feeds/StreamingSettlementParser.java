package io.settleflow.feeds;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A parser that reads its file as a stream and hands entries on one at a time, so memory does
 * not grow with the file (camt.053/054, BAI2). The importer reads such files twice: once to
 * hash and validate them (a malformed file publishes nothing), once to publish.
 */
public interface StreamingSettlementParser extends SettlementFileParser {
  /**
   * Parses the stream to its end, calling {@code sink} for every entry and warning.
   *
   * @throws UnreadableFileException the file as a whole is not readable as this format; entries
   *     already handed to the sink must then be discarded
   * @throws IOException reading the stream failed
   */
  void parse(InputStream content, String source, String fileId, ParsedLineSink sink)
      throws UnreadableFileException, IOException;

  @Override
  default ParsedFile parse(byte[] content, String source, String fileId) throws UnreadableFileException {
    List<ParsedLine> lines = new ArrayList<>();
    List<FileWarning> warnings = new ArrayList<>();
    try {
      parse(
          new ByteArrayInputStream(content),
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
          });
    } catch (IOException e) {
      // A byte array stream does no I/O.
      throw new UncheckedIOException(e);
    }
    return new ParsedFile(fileId, lines, warnings);
  }
}
