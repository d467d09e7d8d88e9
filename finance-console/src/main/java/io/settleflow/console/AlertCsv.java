package io.settleflow.console;

import java.util.List;

/** The CSV export of the filtered list: one line per alert, amounts in major units. */
public final class AlertCsv {
  public static final List<String> HEADER =
      List.of(
          "alert_id",
          "kind",
          "severity",
          "status",
          "assignee",
          "merchant_id",
          "processor",
          "payment_id",
          "settlement_id",
          "currency",
          "expected",
          "actual",
          "difference",
          "detected_at",
          "rule",
          "detail");

  private AlertCsv() {}

  public static String header() {
    return CsvFormat.line(HEADER.stream().map(CsvFormat::text).toList());
  }

  public static String line(Alert a) {
    return CsvFormat.line(
        List.of(
            CsvFormat.text(a.alertId()),
            CsvFormat.text(a.kind()),
            CsvFormat.text(a.severity().name()),
            CsvFormat.text(a.status().name()),
            CsvFormat.text(a.assignee()),
            CsvFormat.text(a.merchantId()),
            CsvFormat.text(a.source()),
            CsvFormat.text(a.paymentId()),
            CsvFormat.text(a.settlementId()),
            CsvFormat.text(a.currency()),
            CsvFormat.number(MajorUnits.plain(a.expectedAmountMinor(), a.currency())),
            CsvFormat.number(MajorUnits.plain(a.actualAmountMinor(), a.currency())),
            CsvFormat.number(MajorUnits.plain(a.differenceMinor(), a.currency())),
            CsvFormat.text(a.detectedAt().toString()),
            CsvFormat.text(a.rule()),
            CsvFormat.text(a.detail())));
  }
}
