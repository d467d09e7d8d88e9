package io.settleflow.feeds;

import io.settleflow.avro.SettlementRecord;
import io.settleflow.avro.SettlementRecordType;
import io.settleflow.feeds.CsvRows.Row;
import java.io.IOException;
import java.io.Reader;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Currency;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Settleflow's own CSV settlement format: a header row naming the columns (any order, extra columns
 * ignored), then one settlement per line. See the module README for the full spec.
 *
 * <p>Pure: reads only the bytes or reader it is given, keeps no state between files.
 */
public final class SettleflowCsvParser implements SettlementFileParser {
  public static final String FORMAT = "settleflow-csv";

  /** Largest file accepted; the whole file is hashed and parsed in memory. */
  public static final int MAX_FILE_BYTES = 64 * 1024 * 1024;

  /** Most data lines in one file; also bounds the duplicate-id set. */
  public static final int MAX_DATA_LINES = 1_000_000;

  /** Longest settlement_id, payment_reference or merchant_id (Kafka key and join key). */
  public static final int MAX_ID_CHARS = 255;

  public static final String SETTLEMENT_ID = "settlement_id";
  public static final String PAYMENT_REFERENCE = "payment_reference";
  public static final String MERCHANT_ID = "merchant_id";
  public static final String TYPE = "type";
  public static final String GROSS_AMOUNT = "gross_amount";
  public static final String FEE_AMOUNT = "fee_amount";
  public static final String NET_AMOUNT = "net_amount";
  public static final String CURRENCY = "currency";
  public static final String SETTLED_AT = "settled_at";
  public static final String BATCH_ID = "batch_id";

  /** Columns the header must name (their values may still be empty where the spec allows). */
  public static final List<String> REQUIRED_COLUMNS =
      List.of(
          SETTLEMENT_ID, PAYMENT_REFERENCE, MERCHANT_ID, TYPE, GROSS_AMOUNT, CURRENCY, SETTLED_AT);

  /**
   * Columns that may be left out: fee defaults to 0, net to gross - fee, batch_id (the payout the
   * line belongs to) to none.
   */
  public static final List<String> OPTIONAL_COLUMNS = List.of(FEE_AMOUNT, NET_AMOUNT, BATCH_ID);

  private final int maxDataLines;

  public SettleflowCsvParser() {
    this(MAX_DATA_LINES);
  }

  /** A parser with a lower line limit, so tests can reach it. */
  SettleflowCsvParser(int maxDataLines) {
    this.maxDataLines = maxDataLines;
  }

  /**
   * True when the first line of {@code text} names a settlement_id column: this format's header.
   */
  static boolean looksLikeHeader(String text) {
    int end = text.indexOf('\n');
    String first = (end < 0 ? text : text.substring(0, end)).toLowerCase(Locale.ROOT);
    return first.matches("(^|.*[,\"\\s])settlement_id([,\"\\s].*|$)");
  }

  @Override
  public String format() {
    return FORMAT;
  }

  @Override
  public ParsedFile parse(byte[] content, String source, String fileId)
      throws UnreadableFileException {
    if (content.length > MAX_FILE_BYTES) {
      throw new UnreadableFileException(
          "file too large: " + content.length + " bytes, limit " + MAX_FILE_BYTES);
    }
    return parseText(CsvRows.decodeUtf8(content, FORMAT), source, fileId);
  }

  /** The same, from characters; the caller computes the file id from the bytes it read. */
  public ParsedFile parse(Reader content, String source, String fileId)
      throws UnreadableFileException {
    return parseText(readBounded(content), source, fileId);
  }

  /**
   * Parses the whole file, handing each line to {@code sink} in file order while later lines are
   * still being parsed on another core; every whole-file check comes before the first line.
   */
  @Override
  public void parse(byte[] content, String source, String fileId, ParsedLineSink sink)
      throws UnreadableFileException {
    if (content.length > MAX_FILE_BYTES) {
      throw new UnreadableFileException(
          "file too large: " + content.length + " bytes, limit " + MAX_FILE_BYTES);
    }
    parseText(CsvRows.decodeUtf8(content, FORMAT), source, fileId, sink);
  }

  private ParsedFile parseText(String text, String source, String fileId)
      throws UnreadableFileException {
    List<ParsedLine> lines = new ArrayList<>();
    parseText(
        text,
        source,
        fileId,
        new ParsedLineSink() {
          @Override
          public void accept(ParsedLine line) {
            lines.add(line);
          }

          @Override
          public void warn(FileWarning warning) {
            // this format has no file-level warnings
          }
        });
    return new ParsedFile(fileId, lines);
  }

  /** Lines parsed as one task; the next blocks are parsed while the sink takes this one. */
  static final int BLOCK_LINES = 2_048;

  /** Blocks parsed ahead of the sink (bounds the memory held beyond the rows). */
  private static final int BLOCKS_AHEAD = 2;

  private void parseText(String text, String source, String fileId, ParsedLineSink sink)
      throws UnreadableFileException {
    if (source == null || source.isBlank()) {
      throw new IllegalArgumentException("source must name the processor or bank");
    }
    text = CsvRows.withoutBom(text);
    // One serial scan finds the rows (and refuses malformed CSV or too many lines) before the first
    // line is handed on; the header is the first block, then blocks of BLOCK_LINES rows whose
    // fields are read and parsed on another core ahead of the sink (splitting every row on this
    // thread first was ~40 % of it and kept the broker idle until the whole file was split).
    List<CsvRows.Block> blocks = CsvRows.blocks(text, ',', maxDataLines + 1, 1, BLOCK_LINES);
    if (blocks.isEmpty()) {
      throw new UnreadableFileException("empty file: no header row");
    }
    List<String> header = CsvRows.read(text, blocks.get(0), ',').get(0).fields();
    Positions columns = Positions.of(columnIndex(header));
    int headerWidth = header.size();

    // Lines are independent of each other but for duplicate ids: blocks of lines are parsed on
    // another core ahead of the sink, and duplicates are found in file order as lines are handed
    // on.
    String csv = text;
    java.util.ArrayDeque<java.util.concurrent.CompletableFuture<List<LineResult>>> ahead =
        new java.util.ArrayDeque<>();
    int nextBlock = 1;
    int dataRows = 0;
    for (CsvRows.Block block : blocks) {
      dataRows += block.rows();
    }
    // sized for every line at once: no rehashing of a growing map on the thread that hands on
    Map<String, Integer> firstLineById = new HashMap<>(dataRows * 4 / 3 + 16);
    while (nextBlock < blocks.size() || !ahead.isEmpty()) {
      while (nextBlock < blocks.size() && ahead.size() < BLOCKS_AHEAD) {
        CsvRows.Block block = blocks.get(nextBlock);
        ahead.add(
            java.util.concurrent.CompletableFuture.supplyAsync(
                () ->
                    parseBlock(
                        CsvRows.read(csv, block, ','), headerWidth, columns, source, fileId)));
        nextBlock++;
      }
      List<LineResult> results;
      try {
        results = ahead.remove().join();
      } catch (java.util.concurrent.CompletionException e) {
        if (e.getCause() instanceof UnreadableFileException unreadable) {
          throw unreadable;
        }
        throw e;
      }
      for (LineResult result : results) {
        sink.accept(withoutDuplicate(result, firstLineById));
      }
    }
  }

  private static List<LineResult> parseBlock(
      List<Row> block, int headerWidth, Positions columns, String source, String fileId) {
    List<LineResult> results = new ArrayList<>(block.size());
    for (Row row : block) {
      if (!row.isBlank()) { // trailing ",,,," lines from spreadsheets carry nothing
        results.add(parseLine(row, headerWidth, columns, source, fileId));
      }
    }
    return results;
  }

  /** The line, or its rejection when an earlier line of the file had its settlement_id. */
  private static ParsedLine withoutDuplicate(
      LineResult result, Map<String, Integer> firstLineById) {
    ParsedLine parsed = result.parsed();
    if (result.settlementId() == null) {
      return parsed;
    }
    Integer first = firstLineById.putIfAbsent(result.settlementId(), parsed.lineNumber());
    if (first == null) {
      return parsed;
    }
    return new RejectedLine(
        parsed.lineNumber(),
        SETTLEMENT_ID
            + ": "
            + ReasonText.quote(result.settlementId())
            + " duplicates line "
            + first
            + " of this file");
  }

  /**
   * A line as parsed on its own, and its settlement id when that was readable: a line whose id
   * repeats an earlier line's is refused for that, whatever else is wrong with it.
   */
  private record LineResult(String settlementId, ParsedLine parsed) {}

  private static LineResult parseLine(
      Row row, int headerWidth, Positions columns, String source, String fileId) {
    int line = row.lineNumber();
    if (row.fields().size() != headerWidth) {
      return new LineResult(
          null,
          new RejectedLine(
              line, "fields: " + row.fields().size() + " found, the header has " + headerWidth));
    }
    List<String> f = row.fields();
    String column = SETTLEMENT_ID;
    String settlementId = null;
    try {
      settlementId = id(value(f, columns.settlementId()), true);
      column = TYPE;
      SettlementRecordType type = SettlementValues.recordType(value(f, columns.type()));
      column = CURRENCY;
      Currency currency = SettlementValues.currency(value(f, columns.currency()));
      column = GROSS_AMOUNT;
      long grossMinor = SettlementValues.amountMinor(value(f, columns.grossAmount()), currency);
      column = FEE_AMOUNT;
      String feeText = value(f, columns.feeAmount());
      long feeMinor = feeText.isEmpty() ? 0 : SettlementValues.amountMinor(feeText, currency);
      column = NET_AMOUNT;
      long expectedNetMinor;
      try {
        expectedNetMinor = Math.subtractExact(grossMinor, feeMinor);
      } catch (ArithmeticException e) {
        throw new InvalidValueException("gross_amount - fee_amount is out of range");
      }
      String netText = value(f, columns.netAmount());
      long netMinor =
          netText.isEmpty() ? expectedNetMinor : SettlementValues.amountMinor(netText, currency);
      if (netMinor != expectedNetMinor) {
        throw new InvalidValueException(
            SettlementValues.majorText(netMinor, currency)
                + " is not gross_amount - fee_amount = "
                + SettlementValues.majorText(expectedNetMinor, currency));
      }
      column = SETTLED_AT;
      Instant settledAt = SettlementValues.settledAt(value(f, columns.settledAt()));
      column = PAYMENT_REFERENCE;
      String paymentReference = id(value(f, columns.paymentReference()), false);
      column = MERCHANT_ID;
      String merchantId = id(value(f, columns.merchantId()), false);
      column = BATCH_ID;
      String batchId = id(value(f, columns.batchId()), false);

      SettlementRecord record =
          SettlementRecord.newBuilder()
              .setEventId(SettlementIds.eventId(source, settlementId))
              .setSettlementId(settlementId)
              .setSource(source)
              .setFileId(fileId)
              .setLineNumber(line)
              .setRecordType(type)
              .setPaymentReference(paymentReference)
              .setMerchantId(merchantId)
              .setGrossAmountMinor(grossMinor)
              .setFeeAmountMinor(feeMinor)
              .setNetAmountMinor(netMinor)
              .setCurrency(currency.getCurrencyCode())
              .setSettledAt(settledAt)
              .setStatementProofFailed(false) // set, so build() looks up no default
              .setBatchId(batchId)
              .build();
      // String caches its hash: computed here, on the block's thread, the duplicate check on the
      // thread that hands lines on in order does not pay for it.
      var unusedHash = settlementId.hashCode();
      return new LineResult(settlementId, new ParsedRecord(line, record));
    } catch (InvalidValueException e) {
      return new LineResult(settlementId, new RejectedLine(line, column + ": " + e.getMessage()));
    }
  }

  /** An id value: required ones must be present; all are bounded and printable. */
  private static String id(String value, boolean required) throws InvalidValueException {
    if (value.isEmpty()) {
      if (required) {
        throw new InvalidValueException("empty");
      }
      return null;
    }
    if (value.length() > MAX_ID_CHARS) {
      throw new InvalidValueException("longer than " + MAX_ID_CHARS + " characters");
    }
    for (int i = 0; i < value.length(); i++) {
      if (Character.isISOControl(value.charAt(i))) {
        throw new InvalidValueException(ReasonText.quote(value) + " contains control characters");
      }
    }
    return value;
  }

  /** Header names (trimmed, any case) to their positions; unknown names are ignored. */
  private static Map<String, Integer> columnIndex(List<String> header)
      throws UnreadableFileException {
    Map<String, Integer> index = new LinkedHashMap<>();
    for (int i = 0; i < header.size(); i++) {
      String name = header.get(i).trim().toLowerCase(Locale.ROOT);
      boolean known = REQUIRED_COLUMNS.contains(name) || OPTIONAL_COLUMNS.contains(name);
      if (known && index.putIfAbsent(name, i) != null) {
        throw new UnreadableFileException("column " + name + " appears twice in the header");
      }
    }
    List<String> missing = REQUIRED_COLUMNS.stream().filter(c -> !index.containsKey(c)).toList();
    if (!missing.isEmpty()) {
      throw new UnreadableFileException(
          "not a "
              + FORMAT
              + " file: header lacks required column"
              + (missing.size() == 1 ? " " : "s ")
              + String.join(", ", missing));
    }
    return index;
  }

  private static String readBounded(Reader reader) throws UnreadableFileException {
    StringBuilder text = new StringBuilder();
    char[] buffer = new char[8192];
    try {
      int n;
      while ((n = reader.read(buffer)) >= 0) {
        text.append(buffer, 0, n);
        if (text.length() > MAX_FILE_BYTES) {
          throw new UnreadableFileException(
              "file too large: over " + MAX_FILE_BYTES + " characters");
        }
      }
    } catch (IOException e) {
      throw new UnreadableFileException(
          "cannot read file: " + CsvRows.oneLine(String.valueOf(e.getMessage())), e);
    }
    return text.toString();
  }

  /**
   * Where each known column is in a row (-1 when an optional one is absent), resolved once from the
   * header: a map lookup per field was a fifth of a line's parse.
   */
  private record Positions(
      int settlementId,
      int paymentReference,
      int merchantId,
      int type,
      int grossAmount,
      int feeAmount,
      int netAmount,
      int currency,
      int settledAt,
      int batchId) {
    static Positions of(Map<String, Integer> columns) {
      return new Positions(
          columns.getOrDefault(SETTLEMENT_ID, -1),
          columns.getOrDefault(PAYMENT_REFERENCE, -1),
          columns.getOrDefault(MERCHANT_ID, -1),
          columns.getOrDefault(TYPE, -1),
          columns.getOrDefault(GROSS_AMOUNT, -1),
          columns.getOrDefault(FEE_AMOUNT, -1),
          columns.getOrDefault(NET_AMOUNT, -1),
          columns.getOrDefault(CURRENCY, -1),
          columns.getOrDefault(SETTLED_AT, -1),
          columns.getOrDefault(BATCH_ID, -1));
    }
  }

  /** A field's trimmed value; an absent optional column reads as empty. */
  private static String value(List<String> fields, int position) {
    return position < 0 ? "" : fields.get(position).trim();
  }
}
