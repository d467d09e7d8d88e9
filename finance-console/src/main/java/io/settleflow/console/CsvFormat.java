package io.settleflow.console;

import java.util.List;

/**
 * RFC 4180 CSV: a cell with a comma, quote or line break is quoted and its quotes doubled. Text a
 * spreadsheet would run as a formula (leading =, +, -, @, tab, CR) gets a leading apostrophe;
 * numbers are written as they are.
 */
public final class CsvFormat {
  public static final String LINE_END = "\r\n";

  private CsvFormat() {}

  /** A text cell (merchant, detail, note…): escaped and kept from being read as a formula. */
  public static String text(String value) {
    if (value == null) {
      return "";
    }
    String safe = value;
    if (!safe.isEmpty() && "=+-@\t\r".indexOf(safe.charAt(0)) >= 0) {
      safe = "'" + safe;
    }
    return quoteIfNeeded(safe);
  }

  /** A number we formatted ourselves ("-12.50"): only quoted if it must be. */
  public static String number(String value) {
    return value == null ? "" : quoteIfNeeded(value);
  }

  /** Cells already made by {@link #text} / {@link #number}, joined into one line. */
  public static String line(List<String> cells) {
    return String.join(",", cells) + LINE_END;
  }

  private static String quoteIfNeeded(String value) {
    boolean quote =
        value.indexOf(',') >= 0
            || value.indexOf('"') >= 0
            || value.indexOf('\n') >= 0
            || value.indexOf('\r') >= 0;
    return quote ? "\"" + value.replace("\"", "\"\"") + "\"" : value;
  }
}
