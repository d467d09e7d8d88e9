package io.settleflow.feeds;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.settleflow.avro.SettlementRecordType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * How one processor report's columns become a SettlementRecord, as data: a YAML file per report
 * under {@code io/settleflow/feeds/reports/}, read by {@link ReportCsvParser} and by the tests
 * alike. Columns are named by header (any case, any order; extra columns ignored).
 *
 * @param name the format name ({@code --format}) and the report in messages
 * @param detect how {@link SettlementFormats#detect} recognises the report
 * @param delimiter field separator, default comma
 * @param rows for reports with record-typed rows (PayPal): which rows are header and data
 * @param id columns whose values, joined by ':', are the line's own id; all empty: a content digest
 * @param paymentReference columns tried in order; the first non-empty one is the reference (may be
 *     absent)
 * @param merchantId column of the merchant (account) id, or null (may be absent)
 * @param batchId column of the payout or batch the line belongs to (Stripe's automatic_payout_id,
 *     Adyen's Batch Number), or null; an empty value or an absent column is no batch
 * @param currency column of the ISO 4217 currency
 * @param amounts gross, fee and net (two of them; the third is derived, or checked when all three)
 * @param settledAt column and format of the settlement time
 * @param type column and value → record type table
 */
public record ReportMapping(
    String name,
    String description,
    Detect detect,
    String delimiter,
    Rows rows,
    List<String> id,
    List<String> paymentReference,
    String merchantId,
    String batchId,
    String currency,
    Amounts amounts,
    SettledAt settledAt,
    TypeMap type) {

  /** The reports the importer knows, in detection order (the more specific first). */
  public static final List<String> BUILT_IN =
      List.of(
          "stripe-payout-reconciliation",
          "stripe-balance-change",
          "adyen-settlement-detail",
          "paypal-settlement");

  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory())
          .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  private static final List<ReportMapping> BUILT_IN_MAPPINGS = loadBuiltIn();

  /**
   * Header columns that must all be present, or first cells of the first row (record-typed
   * reports).
   */
  public record Detect(List<String> columns, List<String> firstCells) {}

  /** Record-typed rows: the type is in column {@code typeColumn}; other types are skipped. */
  public record Rows(int typeColumn, String header, List<String> data) {}

  /**
   * Amounts: each a sum of terms; {@code units} major (12.34) or minor (1234); localized separators
   * where the report uses them ({@code 4.626,81}: decimal ',' grouping '.').
   */
  public record Amounts(
      String units,
      String decimalSeparator,
      String groupingSeparator,
      List<Term> gross,
      List<Term> fee,
      List<Term> net) {
    boolean minorUnits() {
      return "minor".equals(units);
    }
  }

  /**
   * One column's contribution to an amount: negated when {@code negate}, or when its sign column
   * holds {@code negativeWhen} (it must then hold that or {@code positiveWhen}); an optional column
   * may be absent from the header (older layouts).
   */
  public record Term(
      String column,
      Boolean negate,
      String signColumn,
      String positiveWhen,
      String negativeWhen,
      Boolean optional) {
    boolean negated() {
      return Boolean.TRUE.equals(negate);
    }

    boolean isOptional() {
      return Boolean.TRUE.equals(optional);
    }
  }

  /**
   * The settlement time: {@code format} a java.time pattern; without an offset in the pattern the
   * time is in {@code zone}, or in the zone named by {@code zoneColumn} through {@code
   * zoneAliases}.
   */
  public record SettledAt(
      String column,
      String format,
      String zone,
      String zoneColumn,
      Map<String, String> zoneAliases) {}

  /** Values of {@code column} (any case) to types; then prefixes; else {@code otherwise}. */
  public record TypeMap(
      String column,
      Map<String, SettlementRecordType> values,
      Map<String, SettlementRecordType> prefixes,
      SettlementRecordType otherwise) {}

  /** The built-in report mappings, in detection order. */
  public static List<ReportMapping> builtIn() {
    return BUILT_IN_MAPPINGS;
  }

  /** A mapping from YAML, e.g. a report a deployment adds; the same loader the built-ins use. */
  public static ReportMapping load(InputStream yaml) throws IOException {
    ReportMapping mapping = YAML.readValue(yaml, ReportMapping.class);
    mapping.validate();
    return mapping;
  }

  char delimiterChar() {
    return delimiter == null || delimiter.isEmpty() ? ',' : delimiter.charAt(0);
  }

  /**
   * Columns the header must name: every column used, except optional amount terms and the reference
   * and merchant columns (tried when present; layouts differ in them).
   */
  Set<String> requiredColumns() {
    Set<String> columns = new LinkedHashSet<>();
    columns.addAll(id);
    columns.add(currency);
    columns.add(settledAt.column());
    if (settledAt.zoneColumn() != null) {
      columns.add(settledAt.zoneColumn());
    }
    columns.add(type.column());
    for (List<Term> terms : allTerms()) {
      for (Term t : terms) {
        if (!t.isOptional()) {
          columns.add(t.column());
          if (t.signColumn() != null) {
            columns.add(t.signColumn());
          }
        }
      }
    }
    return columns;
  }

  List<List<Term>> allTerms() {
    return Stream.of(amounts.gross(), amounts.fee(), amounts.net())
        .filter(Objects::nonNull)
        .toList();
  }

  /** True when a file whose text starts with {@code body} is this report. */
  boolean matches(String body) {
    int end = body.indexOf('\n');
    String firstLine = (end < 0 ? body : body.substring(0, end)).strip();
    List<String> cells;
    try {
      List<CsvRows.Row> rows = CsvRows.read(firstLine, delimiterChar(), 1);
      if (rows.isEmpty()) {
        return false;
      }
      cells = rows.get(0).fields().stream().map(c -> c.strip().toLowerCase(Locale.ROOT)).toList();
    } catch (UnreadableFileException e) {
      return false;
    }
    if (detect.firstCells() != null) {
      return !cells.isEmpty()
          && detect.firstCells().stream().anyMatch(c -> c.equalsIgnoreCase(cells.get(0)));
    }
    return detect.columns().stream().allMatch(c -> cells.contains(c.toLowerCase(Locale.ROOT)));
  }

  private void validate() {
    List<String> missing = new ArrayList<>();
    if (name == null) missing.add("name");
    if (detect == null || (detect.columns() == null && detect.firstCells() == null))
      missing.add("detect");
    if (id == null || id.isEmpty()) missing.add("id");
    if (currency == null) missing.add("currency");
    if (amounts == null) missing.add("amounts");
    if (settledAt == null || settledAt.column() == null || settledAt.format() == null)
      missing.add("settled_at");
    if (type == null || type.column() == null || type.otherwise() == null) missing.add("type");
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(
          "report mapping " + name + " lacks " + String.join(", ", missing));
    }
    int given =
        (amounts.gross() != null ? 1 : 0)
            + (amounts.fee() != null ? 1 : 0)
            + (amounts.net() != null ? 1 : 0);
    if (given < 2) {
      throw new IllegalArgumentException(
          "report mapping " + name + " must give two of gross, fee and net");
    }
    if (settledAt.zone() == null
        && settledAt.zoneColumn() == null
        && !settledAt.format().matches(".*[xXZO].*")) {
      throw new IllegalArgumentException(
          "report mapping "
              + name
              + ": settled_at needs an offset in its format, a zone or a zone_column");
    }
  }

  private static List<ReportMapping> loadBuiltIn() {
    List<ReportMapping> mappings = new ArrayList<>();
    for (String name : BUILT_IN) {
      String resource = "reports/" + name + ".yaml";
      try (InputStream in = ReportMapping.class.getResourceAsStream(resource)) {
        if (in == null) {
          throw new IllegalStateException("missing resource " + resource);
        }
        mappings.add(load(in));
      } catch (IOException e) {
        throw new UncheckedIOException(resource + " unreadable", e);
      }
    }
    return List.copyOf(mappings);
  }
}
