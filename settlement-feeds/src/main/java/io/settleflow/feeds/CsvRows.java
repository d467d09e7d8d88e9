package io.settleflow.feeds;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.csv.CsvFactory;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
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
    // String(byte[], UTF_8) copies ASCII straight into a Latin-1 string, where a CharsetDecoder
    // went through a char[] twice the file's size: 17.6 against 4.5 ms for the 13.5 MiB bench
    // file, all before the first line is handed on (2026-11-26). It replaces malformed input
    // instead of refusing it, so anything but plain ASCII is checked by encoding back: only valid
    // UTF-8 gives the same bytes again (a replacement character encodes to EF BF BD, which is
    // valid, so it cannot reproduce the malformed bytes it stands for).
    String text = new String(content, StandardCharsets.UTF_8);
    // Every byte decodes to at most one char, so as many chars as bytes and no replacement
    // character means every byte was ASCII: valid without a second pass (the usual case).
    if (text.length() == content.length && text.indexOf('\uFFFD') < 0) {
      return text;
    }
    if (!Arrays.equals(text.getBytes(StandardCharsets.UTF_8), content)) {
      throw new UnreadableFileException("not a " + format + " file: not UTF-8 text");
    }
    return text;
  }

  /** The rows of {@code text}; more than {@code maxRows} rows or malformed CSV refuse the file. */
  static List<Row> read(String text, char delimiter, int maxRows) throws UnreadableFileException {
    return read(text, delimiter, maxRows, 0);
  }

  /**
   * The rows of one block of {@code text} (see {@link #blocks}), numbered by the file's lines. The
   * scan that made the blocks already refused malformed CSV, so this only cuts out the values, by
   * the scan's own rules (which are the CSV reader's, see {@link #blocks}): spaces at the start of
   * a row are dropped, a value that starts with a quote ends at the closing quote ({@code ""} is a
   * quote; blanks after it are dropped), lines of spaces only are no rows.
   *
   * <p>Not a library: Jackson's per-character decoding was most of a CSV line's CPU after Avro
   * encoding, and FastCSV (RFC 4180, lenient) keeps the spaces and blanks around quoted values that
   * the reader drops, and rows of spaces only: on CsvRowsTest's 5,000 random texts it disagreed
   * with the reader on about half of those the reader accepts. CsvRowsTest checks this against the
   * reader on the same texts.
   */
  static List<Row> read(String text, Block block, char delimiter) {
    List<Row> rows = new ArrayList<>(block.rows());
    int n = block.end();
    int i = block.start();
    int line = block.firstLine();
    while (i < n) {
      int j = skipSpaces(text, i, n);
      if (j == n || text.charAt(j) == '\n' || text.charAt(j) == '\r') {
        if (j < n) {
          line++;
        }
        i = afterLineBreak(text, j, n);
        continue;
      }
      int rowLine = line;
      List<String> fields = new ArrayList<>(16);
      i = j;
      while (true) {
        if (i < n && text.charAt(i) == '"') {
          int k = i + 1;
          int from = k;
          StringBuilder unquoted = null;
          while (true) {
            if (k >= n) {
              throw new IllegalStateException(
                  "block ends inside a quoted value: not a scanned block");
            }
            char c = text.charAt(k);
            if (c == '"') {
              if (k + 1 < n && text.charAt(k + 1) == '"') {
                if (unquoted == null) {
                  unquoted = new StringBuilder(k - from + 16);
                }
                unquoted.append(text, from, k + 1);
                k += 2;
                from = k;
                continue;
              }
              break;
            }
            if (c == '\n' || c == '\r') {
              line++;
              k = afterLineBreak(text, k, n);
            } else {
              k++;
            }
          }
          fields.add(
              unquoted == null
                  ? text.substring(from, k)
                  : unquoted.append(text, from, k).toString());
          k = skipBlanks(text, k + 1, n);
          if (k < n && text.charAt(k) == delimiter) {
            i = k + 1;
            continue;
          }
          i = k;
          break;
        }
        int k = i;
        while (k < n) {
          char c = text.charAt(k);
          if (c == delimiter || c == '\n' || c == '\r') {
            break;
          }
          k++;
        }
        fields.add(text.substring(i, k));
        if (k < n && text.charAt(k) == delimiter) {
          i = k + 1;
          continue;
        }
        i = k;
        break;
      }
      rows.add(new Row(rowLine, fields));
      if (i < n) {
        line++;
        i = afterLineBreak(text, i, n);
      }
    }
    return rows;
  }

  private static List<Row> read(String text, char delimiter, int maxRows, int lineOffset)
      throws UnreadableFileException {
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
        int line = parser.currentLocation().getLineNr() + lineOffset;
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
              + (where == null ? "" : " at line " + (where.getLineNr() + lineOffset))
              + ": "
              + oneLine(e.getOriginalMessage()));
    } catch (IOException e) {
      // Parsing a String performs no I/O; anything else here is a parser defect.
      throw new IllegalStateException(e);
    }
    return rows;
  }

  /**
   * A run of whole rows of a text: chars {@code start} (inclusive) to {@code end}, the first
   * starting on physical line {@code firstLine}.
   */
  record Block(int start, int end, int firstLine, int rows) {}

  /**
   * Cuts {@code text} into blocks of whole rows ({@code firstBlockRows} rows, then {@code
   * rowsPerBlock} each), so that the fields of each block can be read on another thread while the
   * rows of earlier blocks are used. One serial pass over the characters that tracks quoting only,
   * as the CSV reader does (a quote opens a value only at its start, or after spaces at the start
   * of a row; {@code ""} inside one is a quote; after the closing quote only spaces or tabs may
   * come before the delimiter or the end of the line; lines of spaces only are no rows): every
   * refusal of malformed CSV and of more than {@code maxRows} rows happens here, before any row is
   * used. Not for a space or tab delimiter.
   */
  static List<Block> blocks(
      String text, char delimiter, int maxRows, int firstBlockRows, int rowsPerBlock)
      throws UnreadableFileException {
    List<Block> blocks = new ArrayList<>();
    int n = text.length();
    int i = 0;
    int line = 1;
    int rows = 0;
    int blockStart = 0;
    int blockLine = 1;
    int blockRows = 0;
    int blockLimit = firstBlockRows;
    while (i < n) {
      int j = skipSpaces(text, i, text.length());
      if (j == n || text.charAt(j) == '\n' || text.charAt(j) == '\r') {
        // a line of spaces only: no row
        if (j < n) {
          line++;
        }
        i = afterLineBreak(text, j);
        if (blockRows == 0) {
          blockStart = i;
          blockLine = line;
        }
        continue;
      }
      blockRows++;
      // one field per turn, from i, until a line break outside quotes or the end; spaces at the
      // start of a row (not of a later field) may come before an opening quote
      i = j;
      while (true) {
        int k = i;
        if (k < n && text.charAt(k) == '"') {
          k++;
          while (true) {
            if (k >= n) {
              throw malformed(line, "Missing closing quote for value");
            }
            char c = text.charAt(k);
            if (c == '"') {
              if (k + 1 < n && text.charAt(k + 1) == '"') {
                k += 2;
                continue;
              }
              k++;
              break;
            }
            if (c == '\n' || c == '\r') {
              line++;
              k = afterLineBreak(text, k);
            } else {
              k++;
            }
          }
          k = skipBlanks(text, k, text.length());
          if (k < n && text.charAt(k) == delimiter) {
            i = k + 1;
            continue;
          }
          if (k < n && text.charAt(k) != '\n' && text.charAt(k) != '\r') {
            throw malformed(
                line,
                "Unexpected character ("
                    + describe(text.charAt(k))
                    + "): Expected column separator character ("
                    + describe(delimiter)
                    + ") or end-of-line");
          }
          i = k;
          break;
        }
        while (k < n
            && text.charAt(k) != delimiter
            && text.charAt(k) != '\n'
            && text.charAt(k) != '\r') {
          k++;
        }
        if (k < n && text.charAt(k) == delimiter) {
          i = k + 1;
          continue;
        }
        i = k;
        break;
      }
      if (++rows > maxRows) { // counted once read, as the reader does
        throw new UnreadableFileException("too many lines: more than " + (maxRows - 1));
      }
      if (i < n) {
        line++;
        i = afterLineBreak(text, i);
      }
      if (blockRows == blockLimit) {
        blocks.add(new Block(blockStart, i, blockLine, blockRows));
        blockStart = i;
        blockLine = line;
        blockRows = 0;
        blockLimit = rowsPerBlock;
      }
    }
    if (blockRows > 0) {
      blocks.add(new Block(blockStart, n, blockLine, blockRows));
    }
    return blocks;
  }

  private static int skipSpaces(String text, int i, int end) {
    while (i < end && text.charAt(i) == ' ') {
      i++;
    }
    return i;
  }

  private static int skipBlanks(String text, int i, int end) {
    while (i < end && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
      i++;
    }
    return i;
  }

  /** Past the line break at {@code i} (LF, CRLF or a lone CR), within {@code end}. */
  private static int afterLineBreak(String text, int i, int end) {
    if (i >= end) {
      return i;
    }
    if (text.charAt(i) == '\r' && i + 1 < end && text.charAt(i + 1) == '\n') {
      return i + 2;
    }
    return i + 1;
  }

  /** Past the line break at {@code i} (LF, CRLF or a lone CR); {@code i} at the end stays. */
  private static int afterLineBreak(String text, int i) {
    if (i >= text.length()) {
      return i;
    }
    if (text.charAt(i) == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
      return i + 2;
    }
    return i + 1;
  }

  private static UnreadableFileException malformed(int line, String problem) {
    return new UnreadableFileException("not readable as CSV at line " + line + ": " + problem);
  }

  /** A character as the CSV reader names it in its messages. */
  private static String describe(char c) {
    if (Character.isISOControl(c)) {
      return "(CTRL-CHAR, code " + (int) c + ")";
    }
    if (c > 255) {
      return "'" + c + "' (code " + (int) c + " / 0x" + Integer.toHexString(c) + ")";
    }
    return "'" + c + "' (code " + (int) c + ")";
  }

  static String oneLine(String message) {
    String first = message == null ? "" : message.lines().findFirst().orElse("");
    return first.length() > 200 ? first.substring(0, 200) + "…" : first;
  }
}
