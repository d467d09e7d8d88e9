package io.settleflow.feeds;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.csv.CsvFactory;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** RFC 4180 rows of a CSV text with the physical line each starts on; shared by the CSV formats. */
final class CsvRows {
  private static final char BOM = '\uFEFF';
  private static final CsvFactory CSV =
      CsvFactory.builder().enable(CsvParser.Feature.SKIP_EMPTY_LINES).build();

  /** One row: its 1-based starting line and its raw field values. */
  record Row(int lineNumber, List<String> fields) {
    boolean isBlank() {
      for (String field : fields) {
        if (!field.isBlank()) {
          return false;
        }
      }
      return true;
    }
  }

  private CsvRows() {}

  /** The text without a leading byte-order mark. */
  static String withoutBom(String text) {
    return !text.isEmpty() && text.charAt(0) == BOM ? text.substring(1) : text;
  }

  /** Strict UTF-8; {@code format} names the format in the one-line refusal. */
  static String decodeUtf8(byte[] content, String format) throws UnreadableFileException {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(content))
          .toString();
    } catch (CharacterCodingException e) {
      throw new UnreadableFileException("not a " + format + " file: not UTF-8 text");
    }
  }

  /** The rows of {@code text}; more than {@code maxRows} rows or malformed CSV refuse the file. */
  static List<Row> read(String text, char delimiter, int maxRows) throws UnreadableFileException {
    List<Row> rows = new ArrayList<>();
    try (CsvParser parser = (CsvParser) CSV.createParser(text)) {
      parser.setSchema(CsvSchema.emptySchema().withColumnSeparator(delimiter));
      JsonToken token;
      while ((token = parser.nextToken()) != null) {
        if (token != JsonToken.START_ARRAY) {
          continue;
        }
        // At START_ARRAY the token location still points at the previous row; the reader is on this
        // one.
        int line = parser.currentLocation().getLineNr();
        List<String> fields = new ArrayList<>();
        while ((token = parser.nextToken()) == JsonToken.VALUE_STRING) {
          fields.add(parser.getText());
        }
        rows.add(new Row(line, fields));
        if (rows.size() > maxRows) {
          throw new UnreadableFileException("too many lines: more than " + (maxRows - 1));
        }
      }
    } catch (JsonProcessingException e) {
      JsonLocation where = e.getLocation();
      throw new UnreadableFileException(
          "not readable as CSV"
              + (where == null ? "" : " at line " + where.getLineNr())
              + ": "
              + oneLine(e.getOriginalMessage()));
    } catch (IOException e) {
      // Parsing a String performs no I/O; anything else here is a parser defect.
      throw new IllegalStateException(e);
    }
    return rows;
  }

  static String oneLine(String message) {
    String first = message == null ? "" : message.lines().findFirst().orElse("");
    return first.length() > 200 ? first.substring(0, 200) + "…" : first;
  }
}
