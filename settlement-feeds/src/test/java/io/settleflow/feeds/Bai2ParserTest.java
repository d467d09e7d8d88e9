package io.settleflow.feeds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settleflow.avro.SettlementRecord;
import io.settleflow.avro.SettlementRecordType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class Bai2ParserTest {
  final Bai2Parser parser = new Bai2Parser();

  @Test
  void everyDetailRecordBecomesATypedSignedRecordOfItsAccount() throws Exception {
    ParsedFile parsed = parse(fixture());

    record Row(
        int line,
        String settlementId,
        SettlementRecordType type,
        long grossMinor,
        String currency,
        String reference) {}
    List<Row> expected =
        List.of(
            new Row(
                4,
                "ACC-1:2026-11-25:BR1",
                SettlementRecordType.PAYMENT,
                15000,
                "EUR",
                "pay_8f14e45f"),
            new Row(5, "ACC-1:2026-11-25:BR2", SettlementRecordType.FEE, -500, "EUR", null),
            new Row(
                6,
                "ACC-1:2026-11-25:BR3",
                SettlementRecordType.CHARGEBACK,
                -2500,
                "EUR",
                "pay_c9f0f895"),
            new Row(7, null, SettlementRecordType.PAYMENT, 2000, "EUR", null),
            new Row(8, null, SettlementRecordType.PAYMENT, 2000, "EUR", null),
            new Row(9, "ACC-1:2026-11-25:BR6", SettlementRecordType.OTHER, -2000, "EUR", null),
            new Row(13, null, SettlementRecordType.PAYMENT, 700, "JPY", null));
    List<SettlementRecord> records = parsed.records();
    assertThat(records).hasSize(expected.size());
    for (int i = 0; i < expected.size(); i++) {
      Row row = expected.get(i);
      SettlementRecord r = records.get(i);
      assertThat(r.getLineNumber()).isEqualTo(row.line());
      if (row.settlementId() != null) {
        assertThat(r.getSettlementId()).isEqualTo(row.settlementId());
      }
      assertThat(r.getRecordType()).as("line " + row.line()).isEqualTo(row.type());
      assertThat(r.getGrossAmountMinor()).as("line " + row.line()).isEqualTo(row.grossMinor());
      assertThat(r.getNetAmountMinor()).isEqualTo(row.grossMinor());
      assertThat(r.getCurrency()).isEqualTo(row.currency());
      assertThat(r.getPaymentReference()).isEqualTo(row.reference());
      assertThat(r.getSettledAt()).isEqualTo(Instant.parse("2026-11-25T00:00:00Z"));
    }
    // two identical wires without a bank reference stay two, told apart by occurrence
    assertThat(records.get(3).getSettlementId()).matches("ACC-1:2026-11-25:195:[0-9a-f]{16}");
    assertThat(records.get(4).getSettlementId()).isEqualTo(records.get(3).getSettlementId() + "#2");
    assertThat(parsed.rejections()).isEmpty();
    // ACC-1 proves (1000.00 + 140.00 = 1140.00); ACC-2 has no closing ledger
    assertThat(parsed.warnings())
        .extracting(FileWarning::reason)
        .containsExactly(
            "account ACC-2: no balance proof: the account lacks a closing ledger (015) summary");
  }

  @Test
  void crlfPaddingAndAMissingFinalNewlineAreRead() throws Exception {
    String padded = fixture().replace("/\n", "/        \r\n").stripTrailing();
    assertThat(parse(padded).records()).hasSize(7);
  }

  static Stream<Arguments> brokenFiles() {
    return Stream.of(
        Arguments.of(
            "49,+238000,9/",
            "49,+238001,9/",
            "line 11: account ACC-1 control total is 238001 but the records add up to 238000"),
        Arguments.of(
            "49,+238000,9/",
            "49,+238000,8/",
            "line 11: account ACC-1 record count is 8 but the records add up to 9"),
        Arguments.of(
            "98,243700,2,14/",
            "98,243700,3,14/",
            "line 15: group account count is 3 but the records add up to 2"),
        Arguments.of(
            "98,243700,2,14/",
            "98,243700,2,15/",
            "line 15: group record count is 15 but the records add up to 14"),
        Arguments.of(
            "98,243700,2,14/",
            "98,243701,2,14/",
            "line 15: group control total is 243701 but the records add up to 243700"),
        Arguments.of(
            "99,243700,1,16/",
            "99,243700,1,17/",
            "line 16: file record count is 17 but the records add up to 16"),
        Arguments.of(
            "99,243700,1,16/",
            "99,243700,2,16/",
            "line 16: file group count is 2 but the records add up to 1"),
        Arguments.of(
            "99,243700,1,16/",
            "99,243700,1,16/\n16,108,1,,,,/",
            "line 17: data after the 99 file trailer"),
        Arguments.of(
            "99,243700,1,16/", "", "line 15: file ends without its 99 file trailer (truncated?)"),
        Arguments.of(
            "01,SENDER",
            "00,SENDER",
            "line 1: record code '00' is not a BAI2 record (01, 02, 03, 16, 49, 88, 98, 99)"),
        Arguments.of(
            "01,SENDER,RECEIVER,261125,0800,1,80,,2/",
            "02,X,Y,1,261125,0800,EUR,2/",
            "line 1: a BAI2 file starts with an 01 file header, not 02"),
        Arguments.of(
            "01,SENDER,RECEIVER,261125,0800,1,80,,2/",
            "01,SENDER,RECEIVER,261125,0800,1,80,,3/",
            "line 1: version '3' is not BAI version 2"),
        Arguments.of(
            "16,115,15000,0,",
            "16,115,150.00,0,",
            "line 4: amount '150.00' is not a whole number of minor units; the control totals cannot be checked"),
        Arguments.of(
            "16,698,500,Z,",
            "16,698,500,Q,",
            "line 5: funds type 'Q' is not 0, 1, 2, S, V, D or Z"),
        Arguments.of(
            "02,RECEIVER,SENDER,1,261125",
            "02,RECEIVER,SENDER,1,261325",
            "line 2: as-of date '261325' is not a date"),
        Arguments.of(
            "03,ACC-2,JPY", "03,ACC-2,XYZ", "line 12: currency 'XYZ' is not an ISO 4217 code"),
        Arguments.of("49,5700,3/\n", "", "line 14: 98 group trailer inside an open account"),
        Arguments.of(
            "01,SENDER,RECEIVER,261125,0800,1,80,,2/",
            "88,CONTINUED/\n01,SENDER,RECEIVER,261125,0800,1,80,,2/",
            "line 1: an 88 continuation with no record before it"));
  }

  @ParameterizedTest
  @MethodSource("brokenFiles")
  void aFileWhoseStructureOrTotalsDoNotAddUpIsRefused(String from, String to, String reason)
      throws Exception {
    String text = fixture();
    assertThat(text).contains(from);
    assertThatThrownBy(() -> parse(text.replace(from, to)))
        .isInstanceOf(UnreadableFileException.class)
        .hasMessage(reason);
  }

  static Stream<Arguments> badDetails() {
    return Stream.of(
        Arguments.of(
            "16,890,0,,,,INFO ONLY/",
            "type_code: 890 is neither a credit (100-399) nor a debit (400-699)"),
        Arguments.of("16,ABC,0,,,,/", "type_code: 'ABC' is not a 3-digit BAI2 type code"));
  }

  @ParameterizedTest
  @MethodSource("badDetails")
  void aDetailOfNoDirectionIsRejectedAloneAndTheFileStillChecksOut(String detail, String reason)
      throws Exception {
    // a zero-amount detail keeps the totals; one more record in the account, group and file
    String text =
        fixture()
            .replace("16,108,700,,,,/\n", "16,108,700,,,,/\n" + detail + "\n")
            .replace("49,5700,3/", "49,5700,4/")
            .replace("98,243700,2,14/", "98,243700,2,15/")
            .replace("99,243700,1,16/", "99,243700,1,17/");
    ParsedFile parsed = parse(text);
    assertThat(parsed.records()).hasSize(7);
    assertThat(parsed.rejections()).containsExactly(new RejectedLine(14, reason));
  }

  @Test
  void aFailedAccountProofIsAWarningNotARejection() throws Exception {
    ParsedFile parsed =
        parse(
            fixture()
                .replace("015,114000", "015,114100")
                .replace("49,+238000,9/", "49,+238100,9/")
                .replace("98,243700", "98,243800")
                .replace("99,243700", "99,243800"));
    assertThat(parsed.records()).hasSize(7);
    assertThat(parsed.warnings())
        .extracting(FileWarning::reason)
        .contains(
            "account ACC-1: balance proof failed: opening ledger (010) 1000.00 + details 140.00 = 1140.00 EUR, but closing ledger (015) is 1141.00");
    // ACC-1's six records are flagged; ACC-2 (no closing ledger: no proof, not a failed one) is not
    assertThat(parsed.records())
        .extracting(r -> r.getStatementProofFailed())
        .containsExactly(true, true, true, true, true, true, false);
  }

  @Test
  void recordsOfAnAccountWhoseProofHoldsAreNotFlagged() throws Exception {
    assertThat(parse(fixture()).records())
        .extracting(r -> r.getStatementProofFailed())
        .containsOnly(false);
  }

  @Test
  void emptyFileIsRefused() {
    assertThatThrownBy(() -> parse(""))
        .isInstanceOf(UnreadableFileException.class)
        .hasMessage("empty file: no 01 file header");
  }

  @Test
  void anOverlongLineIsRefused() {
    assertThatThrownBy(() -> parse("01," + "x".repeat(Bai2Parser.MAX_RECORD_CHARS)))
        .isInstanceOf(UnreadableFileException.class)
        .hasMessage("line 1: longer than " + Bai2Parser.MAX_RECORD_CHARS + " characters");
  }

  @Test
  void detectionPicksBai2ByItsTwoDigitRecordCode() throws Exception {
    assertThat(SettlementFormats.detect(fixture().getBytes(StandardCharsets.US_ASCII)).format())
        .isEqualTo("bai2");
    assertThat(SettlementFormats.detect("00,garbage".getBytes(StandardCharsets.US_ASCII)).format())
        .isEqualTo("bai2");
  }

  ParsedFile parse(String text) throws UnreadableFileException {
    return parser.parse(text.getBytes(StandardCharsets.ISO_8859_1), "bank", "file-1");
  }

  static String fixture() throws IOException {
    try (InputStream in =
        Bai2ParserTest.class.getResourceAsStream("/fixtures/bai2/two-accounts.txt")) {
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }
  }
}
