package io.settleflow.feeds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settleflow.avro.SettlementRecord;
import io.settleflow.avro.SettlementRecordType;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class SettleflowCsvParserTest {
  static final String SOURCE = "acme-pay";
  static final List<String> COLUMNS =
      List.of(
          "settlement_id",
          "payment_reference",
          "merchant_id",
          "type",
          "gross_amount",
          "fee_amount",
          "net_amount",
          "currency",
          "settled_at");
  static final String HEADER = String.join(",", COLUMNS);

  final SettleflowCsvParser parser = new SettleflowCsvParser();

  // ---- good lines -------------------------------------------------------------------------

  /** One case per line: the columns that differ from a plain EUR payment, and what comes out. */
  static Stream<Arguments> goodLines() {
    return Stream.of(
        // overrides, type, gross, fee, net, currency, settled_at
        good("", "PAYMENT", 1234, 34, 1200, "EUR", "2026-11-25T10:00:00Z"),
        good(
            "currency=JPY;gross_amount=1000;fee_amount=30;net_amount=970",
            "PAYMENT",
            1000,
            30,
            970,
            "JPY",
            null),
        good(
            "currency=JPY;gross_amount=1000.00;fee_amount=0;net_amount=",
            "PAYMENT",
            1000,
            0,
            1000,
            "JPY",
            null),
        good(
            "currency=BHD;gross_amount=1.234;fee_amount=0.001;net_amount=1.233",
            "PAYMENT",
            1234,
            1,
            1233,
            "BHD",
            null),
        good("currency=usd;gross_amount=7;net_amount=", "PAYMENT", 700, 34, 666, "USD", null),
        good(
            "type=refund;gross_amount=-5.00;fee_amount=0;net_amount=-5.00",
            "REFUND",
            -500,
            0,
            -500,
            "EUR",
            null),
        good(
            "type=Chargeback;gross_amount=-20;fee_amount=15.00;net_amount=-35",
            "CHARGEBACK",
            -2000,
            1500,
            -3500,
            "EUR",
            null),
        good(
            "type=FEE;payment_reference=;gross_amount=0;fee_amount=2.50;net_amount=-2.50",
            "FEE",
            0,
            250,
            -250,
            "EUR",
            null),
        good(
            "type=reversal;gross_amount=+12.340;fee_amount=;net_amount=",
            "REVERSAL",
            1234,
            0,
            1234,
            "EUR",
            null),
        good("type=other;gross_amount=12.30;net_amount=", "OTHER", 1230, 34, 1196, "EUR", null),
        good("settled_at=2026-11-25", "PAYMENT", 1234, 34, 1200, "EUR", "2026-11-25T00:00:00Z"),
        good(
            "settled_at=2026-11-25T11:00:00+01:00",
            "PAYMENT",
            1234,
            34,
            1200,
            "EUR",
            "2026-11-25T10:00:00Z"),
        good(
            "settled_at=2026-11-25T10:00:00.123456Z",
            "PAYMENT",
            1234,
            34,
            1200,
            "EUR",
            "2026-11-25T10:00:00.123Z"),
        good("gross_amount= 12.34 ;settlement_id= s-1 ", "PAYMENT", 1234, 34, 1200, "EUR", null));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("goodLines")
  void goodLineBecomesARecordInExactMinorUnits(
      String overrides,
      String type,
      long gross,
      long fee,
      long net,
      String currency,
      String settledAt)
      throws Exception {
    ParsedFile file = parse(HEADER + "\n" + line(overrides) + "\n");

    assertThat(file.rejections()).isEmpty();
    SettlementRecord r = file.records().get(0);
    assertThat(r.getRecordType()).isEqualTo(SettlementRecordType.valueOf(type));
    assertThat(r.getGrossAmountMinor()).isEqualTo(gross);
    assertThat(r.getFeeAmountMinor()).isEqualTo(fee);
    assertThat(r.getNetAmountMinor()).isEqualTo(net);
    assertThat(r.getCurrency()).isEqualTo(currency);
    assertThat(r.getSettledAt())
        .isEqualTo(Instant.parse(settledAt == null ? "2026-11-25T10:00:00Z" : settledAt));
    assertThat(r.getSettlementId()).isEqualTo("s-1");
    assertThat(r.getLineNumber()).isEqualTo(2);
  }

  @Test
  void recordCarriesIdsSourceFileAndReferences() throws Exception {
    String text =
        HEADER
            + "\n"
            + line("")
            + "\n"
            + line("settlement_id=s-2;payment_reference=;merchant_id=")
            + "\n";
    ParsedFile file = parse(text);

    SettlementRecord first = file.records().get(0);
    assertThat(first.getEventId())
        .isEqualTo(
            UUID.nameUUIDFromBytes((SOURCE + ":s-1").getBytes(StandardCharsets.UTF_8)).toString());
    assertThat(first.getFileId())
        .isEqualTo(SettlementIds.fileId(text.getBytes(StandardCharsets.UTF_8)));
    assertThat(first.getFileId()).matches("[0-9a-f]{64}");
    assertThat(first.getSource()).isEqualTo(SOURCE);
    assertThat(first.getPaymentReference()).isEqualTo("pay-1");
    assertThat(first.getMerchantId()).isEqualTo("m-1");
    SettlementRecord second = file.records().get(1);
    assertThat(second.getPaymentReference()).isNull();
    assertThat(second.getMerchantId()).isNull();
    assertThat(second.getLineNumber()).isEqualTo(3);
  }

  @Test
  void sameLineInAnotherFileKeepsItsEventIdButAnotherSourceDoesNot() throws Exception {
    SettlementRecord once = parse(HEADER + "\n" + line("") + "\n").records().get(0);
    SettlementRecord inBiggerFile =
        parse(HEADER + "\n" + line("settlement_id=s-0") + "\n" + line("") + "\n").records().get(1);
    byte[] bytes = (HEADER + "\n" + line("") + "\n").getBytes(StandardCharsets.UTF_8);
    SettlementRecord otherSource =
        parser.parse(bytes, "other-bank", SettlementIds.fileId(bytes)).records().get(0);

    assertThat(inBiggerFile.getEventId()).isEqualTo(once.getEventId());
    assertThat(inBiggerFile.getFileId()).isNotEqualTo(once.getFileId());
    assertThat(otherSource.getEventId()).isNotEqualTo(once.getEventId());
  }

  /** The optional batch_id column: the payout the line belongs to; empty or absent is none. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      nullValues = "null",
      textBlock =
          """
      batch_id         | po_1 | po_1
      batch_id         | ''   | null
      BATCH_ID         | b 7  | b 7
      other            | po_1 | null
      """)
  void theBatchIdColumnNamesTheLinesPayout(String column, String value, String batchId)
      throws Exception {
    ParsedFile file = parse(HEADER + "," + column + "\n" + line("") + "," + value + "\n");
    assertThat(file.records())
        .singleElement()
        .extracting(SettlementRecord::getBatchId)
        .isEqualTo(batchId);
  }

  @Test
  void aBatchIdTooLongOrWithControlCharactersRejectsTheLine() throws Exception {
    ParsedFile file =
        parse(
            HEADER
                + ",batch_id\n"
                + line("")
                + ","
                + "b".repeat(256)
                + "\n"
                + line("settlement_id=s-2")
                + ",\"p\u0007o\"\n");
    assertThat(file.rejections())
        .extracting(RejectedLine::reason)
        .containsExactly(
            "batch_id: longer than 255 characters", "batch_id: 'p?o' contains control characters");
  }

  @Test
  void columnsAreMappedByNameInAnyOrderAndExtraColumnsAreIgnored() throws Exception {
    String text =
        "Currency,settled_at,notes,TYPE,settlement_id,gross_amount,merchant_id,payment_reference,batch\n"
            + "EUR,2026-11-25,\"anything, really\",payment,s-9,10.00,m-1,pay-9,b-1\n";
    SettlementRecord r = parse(text).records().get(0);

    assertThat(r.getSettlementId()).isEqualTo("s-9");
    assertThat(r.getGrossAmountMinor()).isEqualTo(1000);
    assertThat(r.getFeeAmountMinor()).isZero();
    assertThat(r.getNetAmountMinor()).isEqualTo(1000);
    assertThat(r.getPaymentReference()).isEqualTo("pay-9");
  }

  @Test
  void byteOrderMarkCrlfQuotedFieldsAndBlankTrailingLinesAreHandled() throws Exception {
    String text =
        "\uFEFF"
            + HEADER
            + "\r\n"
            + "s-1,\"pay \"\"1\"\", x\",m-1,PAYMENT,\"1,00\",0,\"1,00\",EUR,2026-11-25\r\n"
            + "\"s-2\",\"pay-2\",\"m-1\",\"PAYMENT\",\"2.00\",\"0\",\"2.00\",\"EUR\",\"2026-11-25\"\r\n"
            + "\r\n\r\n,,,,,,,,\r\n";
    ParsedFile file = parse(text);

    assertThat(file.lines()).hasSize(2);
    assertThat(file.rejections())
        .extracting(RejectedLine::lineNumber, RejectedLine::reason)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                2, "gross_amount: '1,00' is not a decimal amount like 12.34"));
    SettlementRecord r = file.records().get(0);
    assertThat(r.getSettlementId()).isEqualTo("s-2");
    assertThat(r.getLineNumber()).isEqualTo(3);
    assertThat(r.getGrossAmountMinor()).isEqualTo(200);
  }

  @Test
  void quotedFieldWithEmbeddedCommaAndQuotesIsOneValue() throws Exception {
    String text =
        "\uFEFF"
            + HEADER
            + "\r\n"
            + "s-1,\"pay \"\"1\"\", x\",m-1,PAYMENT,1.00,0,1.00,EUR,2026-11-25\r\n";
    assertThat(parse(text).records().get(0).getPaymentReference()).isEqualTo("pay \"1\", x");
  }

  @Test
  void byteOrderMarkIsStrippedWhenReadingBytesToo() throws Exception {
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    byte[] body = (HEADER + "\n" + line("") + "\n").getBytes(StandardCharsets.UTF_8);
    byte[] content = new byte[bom.length + body.length];
    System.arraycopy(bom, 0, content, 0, bom.length);
    System.arraycopy(body, 0, content, bom.length, body.length);

    ParsedFile file = parser.parse(content, SOURCE, SettlementIds.fileId(content));

    assertThat(file.records()).hasSize(1);
  }

  @Test
  void lineNumbersCountPhysicalLinesAcrossQuotedNewlines() throws Exception {
    String text =
        HEADER
            + "\n"
            + line("payment_reference=two\nlines")
            + "\n"
            + "\n"
            + line("settlement_id=s-2")
            + "\n";
    ParsedFile file = parse(text);

    assertThat(file.rejections())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.lineNumber()).isEqualTo(2);
              assertThat(r.reason())
                  .isEqualTo("payment_reference: 'two?lines' contains control characters");
            });
    assertThat(file.records())
        .singleElement()
        .satisfies(r -> assertThat(r.getLineNumber()).isEqualTo(5));
  }

  @Test
  void readerInputParsesLikeBytes() throws Exception {
    String text = HEADER + "\n" + line("") + "\n";
    ParsedFile fromReader = parser.parse(new StringReader(text), SOURCE, "f-1");
    assertThat(fromReader.records()).hasSize(1);
    assertThat(fromReader.records().get(0).getFileId()).isEqualTo("f-1");
  }

  @Test
  void headerOnlyFileHasNoLines() throws Exception {
    assertThat(parse(HEADER + "\r\n").lines()).isEmpty();
  }

  // ---- bad lines --------------------------------------------------------------------------

  /** One case per line: the column overrides that break it, and the full reason expected. */
  static Stream<Arguments> badLines() {
    return Stream.of(
        bad("settlement_id=", "settlement_id: empty"),
        bad("settlement_id=" + "x".repeat(256), "settlement_id: longer than 255 characters"),
        bad("merchant_id=" + "m".repeat(256), "merchant_id: longer than 255 characters"),
        bad("type=", "type: empty"),
        bad(
            "type=SALE",
            "type: 'SALE' is not one of PAYMENT, REFUND, CHARGEBACK, REVERSAL, FEE, OTHER"),
        bad("currency=", "currency: empty"),
        bad("currency=EURO", "currency: 'EURO' is not an ISO 4217 code"),
        bad("currency=QQQ", "currency: 'QQQ' is not an ISO 4217 code"),
        bad("currency=XAU", "currency: 'XAU' has no minor unit"),
        bad("gross_amount=", "gross_amount: empty"),
        bad("gross_amount=12.345", "gross_amount: '12.345' has more than 2 decimal places for EUR"),
        bad(
            "currency=JPY;gross_amount=12.5;fee_amount=0;net_amount=",
            "gross_amount: '12.5' has more than 0 decimal places for JPY"),
        bad(
            "currency=BHD;gross_amount=1.2345;fee_amount=0;net_amount=",
            "gross_amount: '1.2345' has more than 3 decimal places for BHD"),
        bad("gross_amount=12,34", "gross_amount: '12,34' is not a decimal amount like 12.34"),
        bad("gross_amount=1e3", "gross_amount: '1e3' is not a decimal amount like 12.34"),
        bad("gross_amount=1 000.00", "gross_amount: '1 000.00' is not a decimal amount like 12.34"),
        bad("gross_amount=.5", "gross_amount: '.5' is not a decimal amount like 12.34"),
        bad("gross_amount=NaN", "gross_amount: 'NaN' is not a decimal amount like 12.34"),
        bad("gross_amount=€12.00", "gross_amount: '€12.00' is not a decimal amount like 12.34"),
        bad(
            "gross_amount=123456789012345678.00",
            "gross_amount: '##################.00' is out of range"),
        bad(
            "gross_amount=" + "1".repeat(33),
            "gross_amount: '" + "#".repeat(33) + "' is not a decimal amount like 12.34"),
        bad("fee_amount=0.001", "fee_amount: '0.001' has more than 2 decimal places for EUR"),
        bad("fee_amount=two", "fee_amount: 'two' is not a decimal amount like 12.34"),
        bad("net_amount=junk", "net_amount: 'junk' is not a decimal amount like 12.34"),
        bad(
            "gross_amount=10.00;fee_amount=2.00;net_amount=9.00",
            "net_amount: 9.00 is not gross_amount - fee_amount = 8.00"),
        bad(
            "gross_amount=-5.00;fee_amount=;net_amount=5.00",
            "net_amount: 5.00 is not gross_amount - fee_amount = -5.00"),
        bad(
            "gross_amount=-92233720368547758.08;fee_amount=0.01;net_amount=",
            "net_amount: gross_amount - fee_amount is out of range"),
        bad("settled_at=", "settled_at: empty"),
        bad(
            "settled_at=25/11/2026",
            "settled_at: '25/11/2026' is not an ISO-8601 instant (2026-11-25T10:00:00Z) or date (2026-11-25)"),
        bad(
            "settled_at=2026-11-25T10:00:00",
            "settled_at: '2026-11-25T10:00:00' is not an ISO-8601 instant (2026-11-25T10:00:00Z) or date (2026-11-25)"),
        bad(
            "settled_at=2026-02-30",
            "settled_at: '2026-02-30' is not an ISO-8601 instant (2026-11-25T10:00:00Z) or date (2026-11-25)"),
        bad("settled_at=1969-12-31", "settled_at: '1969-12-31' is out of range"),
        bad(
            "settled_at=4111111111111111",
            "settled_at: '################' is not an ISO-8601 instant (2026-11-25T10:00:00Z) or date (2026-11-25)"),
        bad("payment_reference=a\u0001b", "payment_reference: 'a?b' contains control characters"));
  }

  @ParameterizedTest(name = "[{index}] {1}")
  @MethodSource("badLines")
  void badLineIsRejectedWithAReasonNamingTheColumn(String overrides, String reason)
      throws Exception {
    ParsedFile file =
        parse(HEADER + "\n" + line(overrides) + "\n" + line("settlement_id=s-ok") + "\n");

    assertThat(file.rejections()).containsExactly(new RejectedLine(2, reason));
    assertThat(file.records())
        .extracting(SettlementRecord::getSettlementId)
        .containsExactly("s-ok");
  }

  @Test
  void lineWithTooFewOrTooManyFieldsIsRejected() throws Exception {
    ParsedFile file =
        parse(
            HEADER + "\ns-1,pay-1,m-1,PAYMENT,1.00,EUR\n" + line("settlement_id=s-2") + ",extra\n");

    assertThat(file.rejections())
        .containsExactly(
            new RejectedLine(2, "fields: 6 found, the header has 9"),
            new RejectedLine(3, "fields: 10 found, the header has 9"));
  }

  @Test
  void aRepeatedIdIsTheReasonGivenEvenWhenOtherFieldsAreBadAndBadLinesStillClaimTheirId()
      throws Exception {
    ParsedFile file =
        parse(
            HEADER
                + "\n"
                + line("gross_amount=12.345;net_amount=") // bad amount, but its id is s-1
                + "\n"
                + line("currency=XXQ") // same id and a bad currency: the duplicate is the reason
                + "\n"
                + line("settlement_id=s-2")
                + "\n");

    assertThat(file.records()).extracting(SettlementRecord::getSettlementId).containsExactly("s-2");
    assertThat(file.rejections())
        .containsExactly(
            new RejectedLine(2, "gross_amount: '12.345' has more than 2 decimal places for EUR"),
            new RejectedLine(3, "settlement_id: 's-1' duplicates line 2 of this file"));
  }

  @Test
  void manyLinesKeepFileOrderAndEachDuplicateNamesTheFirstLine() throws Exception {
    StringBuilder text = new StringBuilder(HEADER + "\n");
    for (int i = 0; i < 5_000; i++) {
      text.append(line("settlement_id=s-" + (i % 4_000))).append("\n");
    }

    ParsedFile file = parse(text.toString());

    assertThat(file.lines()).extracting(ParsedLine::lineNumber).isSorted().hasSize(5_000);
    assertThat(file.records()).hasSize(4_000);
    assertThat(file.rejections())
        .hasSize(1_000)
        .first()
        .isEqualTo(new RejectedLine(4_002, "settlement_id: 's-0' duplicates line 2 of this file"));
  }

  @Test
  void secondLineWithTheSameSettlementIdIsRejectedAsADuplicate() throws Exception {
    ParsedFile file =
        parse(
            HEADER
                + "\n"
                + line("")
                + "\n"
                + line("settlement_id=s-2")
                + "\n"
                + line("gross_amount=99.00;net_amount=")
                + "\n");

    assertThat(file.records())
        .extracting(SettlementRecord::getSettlementId)
        .containsExactly("s-1", "s-2");
    assertThat(file.records().get(0).getGrossAmountMinor()).isEqualTo(1234);
    assertThat(file.rejections())
        .containsExactly(
            new RejectedLine(4, "settlement_id: 's-1' duplicates line 2 of this file"));
    assertThat(file.rejections().get(0).category()).isEqualTo("settlement_id");
  }

  // ---- whole-file rejections --------------------------------------------------------------

  static Stream<Arguments> unreadableFiles() {
    String withoutCurrency =
        COLUMNS.stream().filter(c -> !c.equals("currency")).collect(Collectors.joining(","));
    return Stream.of(
        Arguments.of("", "empty file: no header row"),
        Arguments.of("\uFEFF", "empty file: no header row"),
        Arguments.of("\n\n", "empty file: no header row"),
        Arguments.of(
            withoutCurrency + "\n",
            "not a settleflow-csv file: header lacks required column currency"),
        Arguments.of(
            "gross_amount,fee_amount\n1,2\n",
            "not a settleflow-csv file: header lacks required columns settlement_id, payment_reference, merchant_id, type, currency, settled_at"),
        Arguments.of(
            "hello world, this is not a settlement file\n",
            "not a settleflow-csv file: header lacks required columns settlement_id, payment_reference, merchant_id, type, gross_amount, currency, settled_at"),
        Arguments.of(HEADER + ",Currency\n", "column currency appears twice in the header"));
  }

  @ParameterizedTest(name = "[{index}] {1}")
  @MethodSource("unreadableFiles")
  void fileThatIsNotSettleflowCsvIsRejectedWholeWithOneLineReason(String text, String reason) {
    assertThatThrownBy(() -> parse(text))
        .isInstanceOf(UnreadableFileException.class)
        .hasMessage(reason);
  }

  @Test
  void unterminatedQuoteRejectsTheWholeFile() {
    assertThatThrownBy(() -> parse(HEADER + "\n" + line("") + "\ns-2,\"pay-2,m-1\n"))
        .isInstanceOf(UnreadableFileException.class)
        .hasMessageStartingWith("not readable as CSV at line ")
        .hasMessageNotContaining("\n");
  }

  @Test
  void bytesThatAreNotUtf8RejectTheWholeFile() {
    byte[] content = {(byte) 0xFF, (byte) 0xFE, 's', 0, 'e', 0};
    assertThatThrownBy(() -> parser.parse(content, SOURCE, SettlementIds.fileId(content)))
        .isInstanceOf(UnreadableFileException.class)
        .hasMessage("not a settleflow-csv file: not UTF-8 text");
  }

  @Test
  void fileOverTheSizeLimitIsRejectedBeforeParsing() {
    byte[] content = new byte[SettleflowCsvParser.MAX_FILE_BYTES + 1];
    assertThatThrownBy(() -> parser.parse(content, SOURCE, "f"))
        .isInstanceOf(UnreadableFileException.class)
        .hasMessage(
            "file too large: "
                + content.length
                + " bytes, limit "
                + SettleflowCsvParser.MAX_FILE_BYTES);
  }

  @Test
  void fileOverTheLineLimitIsRejectedWhole() throws Exception {
    SettleflowCsvParser limited = new SettleflowCsvParser(2);
    String two = HEADER + "\n" + line("") + "\n" + line("settlement_id=s-2") + "\n";
    byte[] ok = two.getBytes(StandardCharsets.UTF_8);
    byte[] tooMany = (two + line("settlement_id=s-3") + "\n").getBytes(StandardCharsets.UTF_8);

    assertThat(limited.parse(ok, SOURCE, "f").records()).hasSize(2);
    assertThatThrownBy(() -> limited.parse(tooMany, SOURCE, "f"))
        .isInstanceOf(UnreadableFileException.class)
        .hasMessage("too many lines: more than 2");
  }

  // ---- helpers ----------------------------------------------------------------------------

  ParsedFile parse(String text) throws UnreadableFileException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    return parser.parse(bytes, SOURCE, SettlementIds.fileId(bytes));
  }

  /** A valid EUR payment line with some columns replaced: "column=value;column=value". */
  static String line(String overrides) {
    Map<String, String> values = new LinkedHashMap<>();
    values.put("settlement_id", "s-1");
    values.put("payment_reference", "pay-1");
    values.put("merchant_id", "m-1");
    values.put("type", "PAYMENT");
    values.put("gross_amount", "12.34");
    values.put("fee_amount", "0.34");
    values.put("net_amount", "12.00");
    values.put("currency", "EUR");
    values.put("settled_at", "2026-11-25T10:00:00Z");
    if (!overrides.isEmpty()) {
      for (String pair : overrides.split(";", -1)) {
        int eq = pair.indexOf('=');
        String column = pair.substring(0, eq);
        if (!values.containsKey(column)) {
          throw new IllegalArgumentException("no column " + column);
        }
        values.put(column, pair.substring(eq + 1));
      }
    }
    return values.values().stream()
        .map(SettleflowCsvParserTest::csvField)
        .collect(Collectors.joining(","));
  }

  static String csvField(String value) {
    boolean quote =
        value.contains(",") || value.contains("\"") || value.contains("\n") || value.contains("\r");
    return quote ? "\"" + value.replace("\"", "\"\"") + "\"" : value;
  }

  static Arguments good(
      String overrides,
      String type,
      long gross,
      long fee,
      long net,
      String currency,
      String settledAt) {
    return Arguments.of(overrides, type, gross, fee, net, currency, settledAt);
  }

  static Arguments bad(String overrides, String reason) {
    return Arguments.of(overrides, reason);
  }
}
