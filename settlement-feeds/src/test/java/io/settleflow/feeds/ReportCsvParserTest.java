package io.settleflow.feeds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settleflow.avro.SettlementRecord;
import io.settleflow.avro.SettlementRecordType;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class ReportCsvParserTest {
  /**
   * One expected record: line, id, type, gross, fee, net (minor units), currency, reference,
   * settled at.
   */
  record Row(
      int line,
      String id,
      SettlementRecordType type,
      long gross,
      long fee,
      long net,
      String currency,
      String reference,
      String settledAt) {}

  static Stream<Arguments> reports() {
    return Stream.of(
        Arguments.of(
            "stripe-payout.csv",
            "stripe-payout-reconciliation",
            List.of(
                new Row(
                    2,
                    "txn_1",
                    SettlementRecordType.PAYMENT,
                    12000,
                    348,
                    11652,
                    "EUR",
                    "pi_1",
                    "2026-11-25T10:00:00Z"),
                new Row(
                    3,
                    "txn_2",
                    SettlementRecordType.REFUND,
                    -2000,
                    0,
                    -2000,
                    "EUR",
                    "pi_2",
                    "2026-11-25T10:05:00Z"),
                new Row(
                    4,
                    "txn_3",
                    SettlementRecordType.CHARGEBACK,
                    -3000,
                    1500,
                    -4500,
                    "EUR",
                    "pi_3",
                    "2026-11-25T11:00:00Z"),
                new Row(
                    5,
                    "txn_4",
                    SettlementRecordType.REVERSAL,
                    3000,
                    -1500,
                    4500,
                    "EUR",
                    "pi_3",
                    "2026-11-25T12:00:00Z"),
                new Row(
                    6,
                    "txn_5",
                    SettlementRecordType.FEE,
                    -150,
                    0,
                    -150,
                    "EUR",
                    null,
                    "2026-11-25T12:00:00Z")),
            List.of(new RejectedLine(7, "gross: '1,000.00' is not a decimal amount like 12.34"))),
        Arguments.of(
            "adyen-reordered.csv",
            "adyen-settlement-detail",
            List.of(
                new Row(
                    2,
                    "7:8815000000000001:Settled:8815000000000001",
                    SettlementRecordType.PAYMENT,
                    1000,
                    30,
                    970,
                    "EUR",
                    "pay_a",
                    "2026-11-25T09:00:00Z"),
                new Row(
                    3,
                    "7:8815000000000002:Refunded:8815000000000099",
                    SettlementRecordType.REFUND,
                    -500,
                    0,
                    -500,
                    "EUR",
                    "pay_b",
                    "2026-11-25T09:00:00Z"),
                new Row(
                    4,
                    "7:8815000000000003:Chargeback:8815000000000098",
                    SettlementRecordType.CHARGEBACK,
                    -2500,
                    0,
                    -2500,
                    "USD",
                    "pay_c",
                    "2026-07-01T17:00:00Z"),
                new Row(
                    5,
                    "7::Fee:Transaction Fees November 2026",
                    SettlementRecordType.FEE,
                    -180,
                    0,
                    -180,
                    "EUR",
                    null,
                    "2026-11-25T09:00:00Z"),
                // an identical line stays a record of its own
                new Row(
                    6,
                    "7::Fee:Transaction Fees November 2026#2",
                    SettlementRecordType.FEE,
                    -180,
                    0,
                    -180,
                    "EUR",
                    null,
                    "2026-11-25T09:00:00Z")),
            List.of(new RejectedLine(7, "TimeZone: 'XYZ' is not a known time zone"))),
        Arguments.of(
            "paypal-stl.csv",
            "paypal-settlement",
            List.of(
                new Row(
                    5,
                    "1AA",
                    SettlementRecordType.PAYMENT,
                    5200,
                    225,
                    4975,
                    "EUR",
                    "pay_1",
                    "2026-11-25T09:00:00Z"),
                new Row(
                    6,
                    "2BB",
                    SettlementRecordType.REFUND,
                    -1000,
                    -30,
                    -970,
                    "EUR",
                    "pay_2",
                    "2026-11-25T10:00:00Z"),
                new Row(
                    7,
                    "3CC",
                    SettlementRecordType.CHARGEBACK,
                    -300,
                    0,
                    -300,
                    "EUR",
                    null,
                    "2026-11-25T11:00:00Z"),
                new Row(
                    8,
                    "4DD",
                    SettlementRecordType.FEE,
                    -2000,
                    0,
                    -2000,
                    "USD",
                    null,
                    "2026-11-25T11:00:00Z")),
            List.of(new RejectedLine(9, "Transaction Debit or Credit: 'XX' is not CR or DR"))));
  }

  @ParameterizedTest
  @MethodSource("reports")
  void eachReportIsDetectedAndReadThroughItsMapping(
      String fixture, String format, List<Row> expected, List<RejectedLine> rejected)
      throws Exception {
    byte[] content = fixture(fixture);
    SettlementFileParser parser = SettlementFormats.detect(content);
    assertThat(parser.format()).isEqualTo(format);
    ParsedFile parsed = parser.parse(content, "psp", "file-1");
    assertRecords(parsed, expected);
    assertThat(parsed.rejections()).isEqualTo(rejected);
    // re-reading the same file repeats every id
    assertThat(parser.parse(content, "psp", "file-1").records())
        .extracting(SettlementRecord::getEventId)
        .containsExactlyElementsOf(
            parsed.records().stream().map(SettlementRecord::getEventId).toList());
  }

  @Test
  void aMappingGivenAsDataReadsLocalizedNumbersAndOtherDelimiters() throws Exception {
    ReportMapping mapping;
    try (InputStream in = getClass().getResourceAsStream("/fixtures/reports/bank-de.yaml")) {
      mapping = ReportMapping.load(in);
    }
    ParsedFile parsed = new ReportCsvParser(mapping).parse(fixture("bank-de.csv"), "bank", "f");
    assertRecords(
        parsed,
        List.of(
            new Row(
                2,
                "R1",
                SettlementRecordType.PAYMENT,
                462681,
                150,
                462531,
                "EUR",
                "pay_1",
                "2026-11-24T23:00:00Z"),
            new Row(
                3,
                "R2",
                SettlementRecordType.CHARGEBACK,
                -100000,
                0,
                -100000,
                "EUR",
                "pay_2",
                "2026-11-24T23:00:00Z"),
            new Row(
                4,
                "R3",
                SettlementRecordType.FEE,
                -250,
                0,
                -250,
                "EUR",
                null,
                "2026-11-24T23:00:00Z")));
    assertThat(parsed.rejections())
        .containsExactly(new RejectedLine(5, "Betrag: '4626.81' is not an amount like 1.234,56"));
  }

  static final String STRIPE_HEADER =
      "automatic_payout_id,balance_transaction_id,reporting_category,gross,fee,net,currency,created,payment_intent_id,extra";

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      po,t,charge,10.00,1.00,9.00,ZZZ,2026-11-25 10:00:00,pi,          | currency: 'ZZZ' is not an ISO 4217 code
      po,t,charge,12.345,0,12.345,EUR,2026-11-25 10:00:00,pi,          | gross: '12.345' has more than 2 decimal places for EUR
      po,t,charge,10.00,2.00,9.00,EUR,2026-11-25 10:00:00,pi,          | net: 9.00 is not gross - fee = 8.00
      po,t,charge,10.00,1.00,9.00,EUR,2026-11-25T10:00:00Z,pi,         | created: '2026-11-25T10:00:00Z' is not a time like yyyy-MM-dd HH:mm:ss
      po,t,charge,10.00,1.00,9.00,EUR,,pi,                             | created: empty
      po,t,charge,10.00,1.00,9.00,EUR,2026-11-25 10:00:00,pi,,surplus  | fields: 11 found, the header has 10
      po,t,charge,4111111111111111,0,0,EUR,2026-11-25 10:00:00,pi,     | net: 0.00 is not gross - fee = ################.00
      po,t,charge,x4111111111111111,0,0,EUR,2026-11-25 10:00:00,pi,    | gross: 'x################' is not a decimal amount like 12.34
      """)
  void aBadLineIsRejectedAloneWithTheColumnAndWhy(String line, String reason) throws Exception {
    ParsedFile parsed =
        stripe(
            STRIPE_HEADER
                + "\n"
                + line.strip()
                + "\npo,ok,charge,1.00,0,1.00,EUR,2026-11-25 10:00:00,pi,\n");
    assertThat(parsed.rejections()).containsExactly(new RejectedLine(2, reason));
    assertThat(parsed.records()).hasSize(1);
  }

  /** Each report's batch (payout) column, as its mapping names it; PayPal's report has none. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      nullValues = "null",
      textBlock =
          """
      stripe-payout.csv   | stripe-payout-reconciliation | po_1
      adyen-reordered.csv | adyen-settlement-detail      | 7
      paypal-stl.csv      | paypal-settlement            | null
      """)
  void eachRecordCarriesTheBatchItsReportNames(String fixture, String format, String batchId)
      throws Exception {
    byte[] content = fixture(fixture);
    SettlementFileParser parser = SettlementFormats.detect(content);
    assertThat(parser.format()).isEqualTo(format);
    assertThat(parser.parse(content, "psp", "f").records())
        .isNotEmpty()
        .extracting(SettlementRecord::getBatchId)
        .containsOnly(batchId);
  }

  /** A Stripe line's automatic_payout_id: empty, unusable or absent is no batch. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      nullValues = "null",
      textBlock =
          """
      po_9,t,charge,1.00,0,1.00,EUR,2026-11-25 10:00:00,pi,   | po_9
      ,t,charge,1.00,0,1.00,EUR,2026-11-25 10:00:00,pi,       | null
      """)
  void aStripeLinesPayoutIsItsBatch(String line, String batchId) throws Exception {
    assertThat(stripe(STRIPE_HEADER + "\n" + line.strip() + "\n").records())
        .singleElement()
        .extracting(SettlementRecord::getBatchId)
        .isEqualTo(batchId);
  }

  @Test
  void anEmptyPayoutOrAReportWithoutABatchColumnIsNoBatch() throws Exception {
    ParsedFile parsed =
        stripe(
            "balance_transaction_id,automatic_payout_id,reporting_category,gross,fee,net,currency,created\n"
                + "t,,charge,1.00,0,1.00,EUR,2026-11-25 10:00:00\n");
    assertThat(parsed.records()).singleElement().extracting(SettlementRecord::getBatchId).isNull();
    ParsedFile balanceChange =
        SettlementFormats.parser("stripe-balance-change")
            .parse(
                ("balance_transaction_id,reporting_category,gross,fee,net,currency,created\n"
                        + "t,charge,1.00,0,1.00,EUR,2026-11-25 10:00:00\n")
                    .getBytes(StandardCharsets.UTF_8),
                "psp",
                "f");
    assertThat(balanceChange.records())
        .singleElement()
        .extracting(SettlementRecord::getBatchId)
        .isNull();
  }

  @Test
  void unknownCategoriesAreOtherAndShortRowsReadAsEmpty() throws Exception {
    ParsedFile parsed =
        stripe(STRIPE_HEADER + "\npo,t,transfer,5.00,0,5.00,EUR,2026-11-25 10:00:00\n");
    assertThat(parsed.records())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getRecordType()).isEqualTo(SettlementRecordType.OTHER);
              assertThat(r.getPaymentReference()).isNull();
            });
  }

  @Test
  void linesWithoutAnyIdGetAContentKeyAndIdenticalOnesStayDistinct() throws Exception {
    String line = "po,,charge,5.00,0,5.00,EUR,2026-11-25 10:00:00,pi,";
    List<String> ids =
        stripe(STRIPE_HEADER + "\n" + line + "\n" + line + "\n" + line + "\n").records().stream()
            .map(SettlementRecord::getSettlementId)
            .toList();
    assertThat(ids.get(0)).matches("row:[0-9a-f]{16}");
    assertThat(ids).containsExactly(ids.get(0), ids.get(0) + "#2", ids.get(0) + "#3");
  }

  static Stream<Arguments> unreadable() {
    return Stream.of(
        Arguments.of(
            "stripe-payout-reconciliation",
            "automatic_payout_id,balance_transaction_id,reporting_category,gross,fee,net,created\n",
            "not a stripe-payout-reconciliation report: header lacks required column currency"),
        Arguments.of(
            "stripe-payout-reconciliation",
            "",
            "not a stripe-payout-reconciliation report: empty file, no header row"),
        Arguments.of(
            "stripe-payout-reconciliation",
            STRIPE_HEADER + "\n\"unclosed\n",
            "not readable as CSV at line 3: Missing closing quote for value"),
        Arguments.of(
            "paypal-settlement",
            "\"RH\",\"x\"\n\"SB\",\"1\"\n",
            "line 2: SB data row before the CH header row"),
        Arguments.of(
            "paypal-settlement",
            "\"RH\",\"x\"\n\"FF\",0\n",
            "not a paypal-settlement report: no CH header row"),
        Arguments.of(
            "paypal-settlement",
            "\"CH\",\"Transaction ID\"\n",
            "not a paypal-settlement report: header lacks required columns "
                + "Gross Transaction Currency, Transaction Completion Date, Transaction Event Code, "
                + "Gross Transaction Amount, Transaction Debit or Credit, Fee Amount, Fee Debit or Credit"));
  }

  @ParameterizedTest
  @MethodSource("unreadable")
  void aFileWithoutTheReportsColumnsIsRefusedWithAOneLineReason(
      String format, String text, String reason) {
    assertThatThrownBy(
            () ->
                SettlementFormats.parser(format)
                    .parse(text.getBytes(StandardCharsets.UTF_8), "psp", "f"))
        .isInstanceOf(UnreadableFileException.class)
        .hasMessageStartingWith(reason);
  }

  @Test
  void aSettleflowHeaderIsNeverTakenForAProcessorReport() {
    String header =
        "settlement_id,balance_transaction_id,automatic_payout_id,reporting_category,gross,fee,net,currency\n";
    assertThat(SettlementFormats.detect(header.getBytes(StandardCharsets.UTF_8)).format())
        .isEqualTo("settleflow-csv");
  }

  @Test
  void everyBuiltInMappingLoadsAndIsAFormat() {
    assertThat(ReportMapping.builtIn())
        .extracting(ReportMapping::name)
        .containsExactlyElementsOf(ReportMapping.BUILT_IN);
    assertThat(SettlementFormats.names())
        .containsAll(ReportMapping.BUILT_IN)
        .contains("settleflow-csv", "camt", "bai2");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      name: x                                                                    | report mapping x lacks detect, id, currency, amounts, settled_at, type
      name: x\\nunknown_key: 1                                                   | Unrecognized field "unknown_key"
      """)
  void aBrokenMappingFailsToLoadAndSaysWhy(String yaml, String message) {
    assertThatThrownBy(
            () ->
                ReportMapping.load(
                    new ByteArrayInputStream(
                        yaml.replace("\\n", "\n").getBytes(StandardCharsets.UTF_8))))
        .hasMessageContaining(message);
  }

  ParsedFile stripe(String text) throws UnreadableFileException {
    return SettlementFormats.parser("stripe-payout-reconciliation")
        .parse(text.getBytes(StandardCharsets.UTF_8), "psp", "f");
  }

  static void assertRecords(ParsedFile parsed, List<Row> expected) {
    List<SettlementRecord> records = parsed.records();
    assertThat(records).hasSize(expected.size());
    for (int i = 0; i < expected.size(); i++) {
      Row row = expected.get(i);
      SettlementRecord r = records.get(i);
      String as = "line " + row.line();
      assertThat(r.getLineNumber()).as(as).isEqualTo(row.line());
      assertThat(r.getSettlementId()).as(as).isEqualTo(row.id());
      assertThat(r.getRecordType()).as(as).isEqualTo(row.type());
      assertThat(List.of(r.getGrossAmountMinor(), r.getFeeAmountMinor(), r.getNetAmountMinor()))
          .as(as)
          .containsExactly(row.gross(), row.fee(), row.net());
      assertThat(r.getCurrency()).as(as).isEqualTo(row.currency());
      assertThat(r.getPaymentReference()).as(as).isEqualTo(row.reference());
      assertThat(r.getSettledAt()).as(as).isEqualTo(Instant.parse(row.settledAt()));
    }
  }

  static byte[] fixture(String name) throws IOException {
    try (InputStream in =
        ReportCsvParserTest.class.getResourceAsStream("/fixtures/reports/" + name)) {
      return in.readAllBytes();
    }
  }
}
