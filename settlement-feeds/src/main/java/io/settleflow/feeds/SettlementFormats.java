package io.settleflow.feeds;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The formats the importer reads, by name, and detection of a file's format from its first bytes:
 * XML is camt, a two-digit record code ({@code 01,}) is BAI2, a CSV is matched by its header's
 * column names against settleflow CSV and each configured processor report; anything else is read
 * as settleflow CSV, which then says which columns it lacks.
 */
public final class SettlementFormats {
  /** Bytes looked at to detect a format; a header row longer than this is not recognised. */
  public static final int DETECT_BYTES = 64 * 1024;

  private static final Map<String, Supplier<SettlementFileParser>> BY_NAME = byName();
  private static final Pattern BAI2_RECORD = Pattern.compile("\\d\\d,");

  private SettlementFormats() {}

  /** The format names accepted by {@link #parser(String)}. */
  public static List<String> names() {
    return List.copyOf(BY_NAME.keySet());
  }

  /** The parser of a named format (any case). */
  public static SettlementFileParser parser(String format) throws UnreadableFileException {
    Supplier<SettlementFileParser> parser = BY_NAME.get(format.toLowerCase(Locale.ROOT));
    if (parser == null) {
      throw new UnreadableFileException(
          "unknown format "
              + ReasonText.quote(format)
              + "; known: "
              + String.join(", ", BY_NAME.keySet()));
    }
    return parser.get();
  }

  /** The parser for a file starting with {@code head} (up to {@link #DETECT_BYTES} of it). */
  public static SettlementFileParser detect(byte[] head) {
    String text = new String(head, 0, Math.min(head.length, DETECT_BYTES), StandardCharsets.UTF_8);
    int start = 0;
    while (start < text.length()
        && (text.charAt(start) == '\uFEFF' || Character.isWhitespace(text.charAt(start)))) {
      start++;
    }
    String body = text.substring(start);
    if (body.startsWith("<")) {
      return new CamtParser();
    }
    if (BAI2_RECORD.matcher(body).lookingAt()) {
      return new Bai2Parser(); // two-digit record code: BAI2, which checks it is 01
    }
    if (!SettleflowCsvParser.looksLikeHeader(body)) {
      for (ReportMapping mapping : ReportMapping.builtIn()) {
        if (mapping.matches(body)) {
          return new ReportCsvParser(mapping);
        }
      }
    }
    return new SettleflowCsvParser();
  }

  private static Map<String, Supplier<SettlementFileParser>> byName() {
    Map<String, Supplier<SettlementFileParser>> formats = new LinkedHashMap<>();
    formats.put(SettleflowCsvParser.FORMAT, SettleflowCsvParser::new);
    formats.put(CamtParser.FORMAT, CamtParser::new);
    formats.put(Bai2Parser.FORMAT, Bai2Parser::new);
    for (ReportMapping mapping : ReportMapping.builtIn()) {
      formats.put(mapping.name(), () -> new ReportCsvParser(mapping));
    }
    return formats;
  }
}
