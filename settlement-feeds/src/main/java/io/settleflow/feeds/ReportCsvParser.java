package io.settleflow.feeds;

import io.settleflow.avro.SettlementRecord;
import io.settleflow.avro.SettlementRecordType;
import io.settleflow.feeds.CsvRows.Row;
import io.settleflow.feeds.ReportMapping.Term;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Currency;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A processor's CSV report (Stripe, Adyen, PayPal ...) read through its {@link ReportMapping}:
 * which columns hold the id, amounts, currency, time and type is data, not code. Identical lines
 * stay distinct records (an occurrence index), unlike settleflow CSV's unique settlement_id.
 */
public final class ReportCsvParser implements SettlementFileParser {
  private final ReportMapping mapping;
  private final DateTimeFormatter timeFormat;
  private final Pattern localizedAmount;

  public ReportCsvParser(ReportMapping mapping) {
    this.mapping = mapping;
    this.timeFormat = DateTimeFormatter.ofPattern(mapping.settledAt().format(), Locale.ROOT);
    String decimal = separator(mapping.amounts().decimalSeparator(), ".");
    String grouping = separator(mapping.amounts().groupingSeparator(), "");
    this.localizedAmount =
        grouping.isEmpty()
            ? Pattern.compile("[+-]?\\d+(" + Pattern.quote(decimal) + "\\d+)?")
            : Pattern.compile(
                "[+-]?(\\d{1,3}("
                    + Pattern.quote(grouping)
                    + "\\d{3})+|\\d+)("
                    + Pattern.quote(decimal)
                    + "\\d+)?");
  }

  @Override
  public String format() {
    return mapping.name();
  }

  @Override
  public ParsedFile parse(byte[] content, String source, String fileId)
      throws UnreadableFileException {
    if (source == null || source.isBlank()) {
      throw new IllegalArgumentException("source must name the processor or bank");
    }
    if (content.length > SettleflowCsvParser.MAX_FILE_BYTES) {
      throw new UnreadableFileException(
          "file too large: "
              + content.length
              + " bytes, limit "
              + SettleflowCsvParser.MAX_FILE_BYTES);
    }
    String text = CsvRows.withoutBom(CsvRows.decodeUtf8(content, mapping.name()));
    List<Row> rows =
        CsvRows.read(text, mapping.delimiterChar(), SettleflowCsvParser.MAX_DATA_LINES + 1);

    ReportMapping.Rows typed = mapping.rows();
    Row header = null;
    List<Row> data = new ArrayList<>();
    for (Row row : rows) {
      if (row.isBlank()) {
        continue;
      }
      if (typed == null) {
        if (header == null) {
          header = row;
        } else {
          data.add(row);
        }
        continue;
      }
      String rowType = cell(row, typed.typeColumn());
      if (rowType.equalsIgnoreCase(typed.header())) {
        if (header != null) {
          throw new UnreadableFileException(
              "line " + row.lineNumber() + ": a second " + typed.header() + " header row");
        }
        header = row;
      } else if (typed.data().stream().anyMatch(rowType::equalsIgnoreCase)) {
        if (header == null) {
          throw new UnreadableFileException(
              "line "
                  + row.lineNumber()
                  + ": "
                  + rowType
                  + " data row before the "
                  + typed.header()
                  + " header row");
        }
        data.add(row);
      }
      // other record types (report, file and section headers, footers, totals) carry no entries
    }
    if (header == null) {
      throw new UnreadableFileException(
          "not a "
              + mapping.name()
              + " report: "
              + (typed == null
                  ? "empty file, no header row"
                  : "no " + typed.header() + " header row"));
    }
    Map<String, Integer> columns = columnIndex(header);

    List<ParsedLine> lines = new ArrayList<>(data.size());
    EntryOccurrences occurrences = new EntryOccurrences();
    for (Row row : data) {
      lines.add(parseLine(row, header.fields().size(), columns, source, fileId, occurrences));
    }
    return new ParsedFile(fileId, lines);
  }

  private ParsedLine parseLine(
      Row row,
      int headerWidth,
      Map<String, Integer> columns,
      String source,
      String fileId,
      EntryOccurrences occurrences)
      throws UnreadableFileException {
    int line = row.lineNumber();
    // Exports often drop or add trailing empty fields; only extra values are an error.
    if (row.fields().size() > headerWidth
        && row.fields().subList(headerWidth, row.fields().size()).stream()
            .anyMatch(f -> !f.isBlank())) {
      return new RejectedLine(
          line, "fields: " + row.fields().size() + " found, the header has " + headerWidth);
    }
    Values v = new Values(row.fields(), columns);
    String column = mapping.currency();
    try {
      Currency currency = SettlementValues.currency(v.get(column));
      column = "amounts";
      Long gross =
          mapping.amounts().gross() == null ? null : sum(v, mapping.amounts().gross(), currency);
      Long fee = mapping.amounts().fee() == null ? null : sum(v, mapping.amounts().fee(), currency);
      Long net = mapping.amounts().net() == null ? null : sum(v, mapping.amounts().net(), currency);
      try {
        if (gross == null) {
          gross = Math.addExact(net, fee);
        } else if (fee == null) {
          fee = Math.subtractExact(gross, net);
        } else if (net == null) {
          net = Math.subtractExact(gross, fee);
        } else if (net != Math.subtractExact(gross, fee)) {
          column = "net";
          throw new InvalidValueException(
              SettlementValues.majorText(net, currency)
                  + " is not gross - fee = "
                  + SettlementValues.majorText(gross - fee, currency));
        }
      } catch (ArithmeticException e) {
        column = "amounts";
        throw new InvalidValueException("out of range");
      }
      column = mapping.settledAt().column();
      Instant settledAt = settledAt(v);
      column = mapping.type().column();
      SettlementRecordType type = type(v.get(column));

      column = String.join("+", mapping.id());
      List<String> idParts = mapping.id().stream().map(v::get).toList();
      String key =
          idParts.stream().allMatch(String::isEmpty)
              ? "row:" + SettlementIds.contentKey(row.fields().toArray(String[]::new))
              : String.join(":", idParts);
      if (key.chars().anyMatch(Character::isISOControl)) {
        throw new InvalidValueException(ReasonText.quote(key) + " contains control characters");
      }
      String settlementId = occurrences.identify(key);

      SettlementRecord record =
          SettlementRecord.newBuilder()
              .setEventId(SettlementIds.eventId(source, settlementId))
              .setSettlementId(settlementId)
              .setSource(source)
              .setFileId(fileId)
              .setLineNumber(line)
              .setRecordType(type)
              .setPaymentReference(firstUsable(v, mapping.paymentReference()))
              .setMerchantId(
                  mapping.merchantId() == null ? null : usable(v.get(mapping.merchantId())))
              .setGrossAmountMinor(gross)
              .setFeeAmountMinor(fee)
              .setNetAmountMinor(net)
              .setCurrency(currency.getCurrencyCode())
              .setSettledAt(settledAt)
              .setStatementProofFailed(false) // set, so build() looks up no default
              .setBatchId(mapping.batchId() == null ? null : usable(v.get(mapping.batchId())))
              .build();
      return new ParsedRecord(line, record);
    } catch (InvalidValueException e) {
      return new RejectedLine(
          line, (e.column() != null ? e.column() : column) + ": " + e.getMessage());
    }
  }

  /** The sum of an amount's terms; reasons name the term's column. */
  private long sum(Values v, List<Term> terms, Currency currency) throws InvalidValueException {
    long total = 0;
    for (Term t : terms) {
      if (!v.has(t.column())) {
        continue; // an optional column of another layout
      }
      String text = v.get(t.column());
      long minor;
      try {
        minor = text.isEmpty() ? 0 : amountMinor(text, currency);
      } catch (InvalidValueException e) {
        throw new InvalidValueException(t.column(), e.getMessage());
      }
      if (t.negated()) {
        minor = -minor;
      }
      if (t.signColumn() != null && minor != 0) {
        String sign = v.get(t.signColumn());
        if (sign.equalsIgnoreCase(t.negativeWhen())) {
          minor = -minor;
        } else if (!sign.equalsIgnoreCase(t.positiveWhen())) {
          throw new InvalidValueException(
              t.signColumn(),
              ReasonText.quote(sign) + " is not " + t.positiveWhen() + " or " + t.negativeWhen());
        }
      }
      total = Math.addExact(total, minor);
    }
    return total;
  }

  private long amountMinor(String text, Currency currency) throws InvalidValueException {
    if (text.length() > SettlementValues.MAX_AMOUNT_CHARS) {
      throw new InvalidValueException(ReasonText.quote(text) + " is too long for an amount");
    }
    if (mapping.amounts().minorUnits()) {
      if (!text.matches("[+-]?\\d{1,18}")) {
        throw new InvalidValueException(
            ReasonText.quote(text) + " is not a whole number of minor units");
      }
      return Long.parseLong(text);
    }
    String decimal = separator(mapping.amounts().decimalSeparator(), ".");
    String grouping = separator(mapping.amounts().groupingSeparator(), "");
    if (decimal.equals(".") && grouping.isEmpty()) {
      return SettlementValues.amountMinor(text, currency);
    }
    if (!localizedAmount.matcher(text).matches()) {
      throw new InvalidValueException(
          ReasonText.quote(text)
              + " is not an amount like "
              + (grouping.isEmpty() ? "" : "1" + grouping + "234")
              + decimal
              + "56");
    }
    String plain = (grouping.isEmpty() ? text : text.replace(grouping, "")).replace(decimal, ".");
    return SettlementValues.amountMinor(plain, currency);
  }

  private Instant settledAt(Values v) throws InvalidValueException {
    ReportMapping.SettledAt spec = mapping.settledAt();
    String text = v.get(spec.column());
    if (text.isEmpty()) {
      throw new InvalidValueException("empty");
    }
    TemporalAccessor parsed;
    try {
      parsed = timeFormat.parse(text);
    } catch (DateTimeParseException e) {
      throw new InvalidValueException(
          ReasonText.quote(text) + " is not a time like " + spec.format());
    }
    Instant instant;
    if (parsed.isSupported(ChronoField.OFFSET_SECONDS)) {
      instant = OffsetDateTime.from(parsed).toInstant();
    } else {
      ZoneId zone = zone(v);
      instant =
          parsed.isSupported(ChronoField.HOUR_OF_DAY)
              ? LocalDateTime.from(parsed).atZone(zone).toInstant()
              : LocalDate.from(parsed).atStartOfDay(zone).toInstant();
    }
    // the same range and millisecond precision as every other format
    return SettlementValues.settledAt(instant.toString());
  }

  private ZoneId zone(Values v) throws InvalidValueException {
    ReportMapping.SettledAt spec = mapping.settledAt();
    if (spec.zoneColumn() == null) {
      return ZoneId.of(spec.zone());
    }
    String name = v.get(spec.zoneColumn());
    String alias =
        spec.zoneAliases() == null ? null : spec.zoneAliases().get(name.toUpperCase(Locale.ROOT));
    try {
      return ZoneId.of(alias != null ? alias : name);
    } catch (java.time.DateTimeException e) {
      throw new InvalidValueException(
          spec.zoneColumn(), ReasonText.quote(name) + " is not a known time zone");
    }
  }

  private SettlementRecordType type(String value) {
    ReportMapping.TypeMap map = mapping.type();
    if (map.values() != null) {
      for (var e : map.values().entrySet()) {
        if (e.getKey().equalsIgnoreCase(value)) {
          return e.getValue();
        }
      }
    }
    if (map.prefixes() != null) {
      for (var e : map.prefixes().entrySet()) {
        if (value.toUpperCase(Locale.ROOT).startsWith(e.getKey().toUpperCase(Locale.ROOT))) {
          return e.getValue();
        }
      }
    }
    return map.otherwise();
  }

  private static String firstUsable(Values v, List<String> columns) {
    if (columns == null) {
      return null;
    }
    for (String c : columns) {
      String value = usable(v.get(c));
      if (value != null) {
        return value;
      }
    }
    return null;
  }

  /** A reference value, or null when empty, too long for a join key or not printable. */
  private static String usable(String value) {
    return value.isEmpty()
            || value.length() > SettleflowCsvParser.MAX_ID_CHARS
            || value.chars().anyMatch(Character::isISOControl)
        ? null
        : value;
  }

  private Map<String, Integer> columnIndex(Row header) throws UnreadableFileException {
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < header.fields().size(); i++) {
      // the first of two equal names wins; processors repeat only columns we do not read
      index.putIfAbsent(header.fields().get(i).strip().toLowerCase(Locale.ROOT), i);
    }
    List<String> missing =
        mapping.requiredColumns().stream()
            .filter(c -> !index.containsKey(c.toLowerCase(Locale.ROOT)))
            .toList();
    if (!missing.isEmpty()) {
      throw new UnreadableFileException(
          "not a "
              + mapping.name()
              + " report: header lacks required column"
              + (missing.size() == 1 ? " " : "s ")
              + String.join(", ", missing));
    }
    return index;
  }

  private static String cell(Row row, int index) {
    return index < row.fields().size() ? row.fields().get(index).strip() : "";
  }

  private static String separator(String configured, String otherwise) {
    return configured == null ? otherwise : configured;
  }

  /** Trimmed values by column name (any case); a short row reads as empty at its end. */
  private record Values(List<String> values, Map<String, Integer> columns) {
    boolean has(String column) {
      return columns.containsKey(column.toLowerCase(Locale.ROOT));
    }

    String get(String column) {
      Integer i = columns.get(column.toLowerCase(Locale.ROOT));
      return i == null || i >= values.size() ? "" : values.get(i).strip();
    }
  }
}
