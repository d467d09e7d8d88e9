package io.settleflow.feeds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settleflow.avro.SettlementRecord;
import io.settleflow.avro.SettlementRecordType;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class CamtParserTest {
  static final String NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.";
  final CamtParser parser = new CamtParser();

  @Test
  void everyEntryOfTheFixtureStatementBecomesATypedRecordAndTheBalancesProve() throws Exception {
    ParsedFile parsed = parse(fixture("statement-v08.xml"));

    record Row(
        int line,
        String settlementId,
        SettlementRecordType type,
        long grossMinor,
        String paymentReference,
        String settledAt) {}
    List<Row> expected =
        List.of(
            new Row(
                12,
                "STMT-2026-11-25:BANK-REF-1",
                SettlementRecordType.PAYMENT,
                12000,
                "pay_8f14e45f",
                "2026-11-25T00:00:00Z"),
            new Row(
                18,
                "STMT-2026-11-25:BANK-REF-2",
                SettlementRecordType.FEE,
                -150,
                null,
                "2026-11-25T10:00:00Z"),
            new Row(
                23,
                "STMT-2026-11-25:BANK-REF-3",
                SettlementRecordType.REVERSAL,
                -2000,
                "pay_c9f0f895",
                "2026-11-25T00:00:00Z"),
            new Row(
                28,
                "STMT-2026-11-25:BANK-REF-4",
                SettlementRecordType.REFUND,
                -3500,
                "pay_45c48cce",
                "2026-11-25T00:00:00Z"),
            new Row(
                34,
                "STMT-2026-11-25:BANK-REF-5",
                SettlementRecordType.CHARGEBACK,
                -1000,
                "RF18539007547034",
                "2026-11-25T00:00:00Z"),
            new Row(
                45,
                "STMT-2026-11-25:BANK-BATCH-6:1",
                SettlementRecordType.PAYMENT,
                4500,
                "pay_a1",
                "2026-11-25T00:00:00Z"),
            new Row(
                46,
                "STMT-2026-11-25:BANK-BATCH-6:2",
                SettlementRecordType.PAYMENT,
                1500,
                "pay_a2",
                "2026-11-25T00:00:00Z"));
    List<SettlementRecord> records = parsed.records();
    assertThat(records).hasSize(expected.size() + 2);
    for (int i = 0; i < expected.size(); i++) {
      Row row = expected.get(i);
      SettlementRecord r = records.get(i);
      assertThat(r.getLineNumber()).as(row.settlementId()).isEqualTo(row.line());
      assertThat(r.getSettlementId()).isEqualTo(row.settlementId());
      assertThat(r.getRecordType()).as(row.settlementId()).isEqualTo(row.type());
      assertThat(r.getGrossAmountMinor()).as(row.settlementId()).isEqualTo(row.grossMinor());
      assertThat(r.getNetAmountMinor()).isEqualTo(row.grossMinor());
      assertThat(r.getFeeAmountMinor()).isZero();
      assertThat(r.getCurrency()).isEqualTo("EUR");
      assertThat(r.getPaymentReference()).as(row.settlementId()).isEqualTo(row.paymentReference());
      assertThat(r.getSettledAt()).isEqualTo(Instant.parse(row.settledAt()));
      assertThat(r.getEventId()).isEqualTo(SettlementIds.eventId("bank", row.settlementId()));
      assertThat(r.getFileId()).isEqualTo("file-1");
    }
    // Two identical entries without a bank reference: one content key, told apart by occurrence.
    SettlementRecord first = records.get(7);
    SettlementRecord second = records.get(8);
    assertThat(first.getSettlementId()).matches("STMT-2026-11-25:[0-9a-f]{16}");
    assertThat(second.getSettlementId()).isEqualTo(first.getSettlementId() + "#2");
    assertThat(first.getPaymentReference()).isEqualTo("pay_same");

    assertThat(parsed.rejections())
        .containsExactly(
            new RejectedLine(
                59,
                "Ntry/Sts: 'PDNG' entry is not booked",
                "/Document/BkToCstmrStmt/Stmt[1]/Ntry[9]"));
    assertThat(parsed.warnings()).isEmpty();
  }

  @Test
  void reparsingTheSameStatementRepeatsEveryId() throws Exception {
    byte[] xml = fixture("statement-v08.xml");
    assertThat(parse(xml).records())
        .extracting(SettlementRecord::getEventId)
        .containsExactlyElementsOf(
            parse(xml).records().stream().map(SettlementRecord::getEventId).toList())
        .doesNotHaveDuplicates();
  }

  static Stream<Arguments> badEntries() {
    return Stream.of(
        Arguments.of(
            "<Amt Ccy=\"EUR\">10.005</Amt><CdtDbtInd>CRDT</CdtDbtInd>",
            "Ntry/Amt: '10.005' has more than 2 decimal places for EUR"),
        Arguments.of(
            "<Amt Ccy=\"EUR\">-10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>",
            "Ntry/Amt: '-10.00' is signed; camt amounts are unsigned with CdtDbtInd"),
        Arguments.of("<Amt>10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>", "Ntry/Amt: empty"),
        Arguments.of(
            "<Amt Ccy=\"ZZZ\">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>",
            "Ntry/Amt: 'ZZZ' is not an ISO 4217 code"),
        Arguments.of(
            "<Amt Ccy=\"EUR\">1,00</Amt><CdtDbtInd>CRDT</CdtDbtInd>",
            "Ntry/Amt: '1,00' is not a decimal amount like 12.34"),
        Arguments.of(
            "<Amt Ccy=\"EUR\">10.00</Amt><CdtDbtInd>CRED</CdtDbtInd>",
            "Ntry/CdtDbtInd: 'CRED' is not CRDT or DBIT"),
        Arguments.of(
            "<Amt Ccy=\"EUR\">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>INFO</Sts>",
            "Ntry/Sts: 'INFO' entry is not booked"),
        Arguments.of(
            "<Amt Ccy=\"EUR\">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts/>", "Ntry/Sts: empty"),
        Arguments.of(
            "<Amt Ccy=\"EUR\">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-13-01</Dt></BookgDt>",
            "Ntry/BookgDt: '2026-13-01' is not an ISO-8601 instant (2026-11-25T10:00:00Z) or date (2026-11-25)"),
        Arguments.of(
            "<Amt Ccy=\"EUR\">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>",
            "Ntry/BookgDt: missing, and no ValDt either"),
        Arguments.of(
            "<Amt Ccy=\"EUR\">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-11-25</Dt></BookgDt>"
                + "<NtryDtls><TxDtls><Amt Ccy=\"EUR\">4.00</Amt></TxDtls><TxDtls><Amt Ccy=\"EUR\">5.00</Amt></TxDtls></NtryDtls>",
            "Ntry/NtryDtls: transaction amounts sum to 9.00, the entry amount is 10.00"));
  }

  @ParameterizedTest
  @MethodSource("badEntries")
  void aBadEntryIsRejectedAloneWithItsXmlPath(String entry, String reason) throws Exception {
    ParsedFile parsed =
        parse(statement("08", good(1) + "\n<Ntry>" + entry + "</Ntry>\n" + good(2)));
    assertThat(parsed.records()).hasSize(2);
    assertThat(parsed.rejections())
        .singleElement()
        .extracting(RejectedLine::reason)
        .isEqualTo(reason);
  }

  /** The parser remembers the last currency: an empty or missing first one is still refused. */
  @ParameterizedTest
  @ValueSource(strings = {"<Amt Ccy=\"\">10.00</Amt>", "<Amt>10.00</Amt>"})
  void anEntryWithoutACurrencyFirstInTheFileIsRejectedNotACrash(String amount) throws Exception {
    ParsedFile parsed =
        parse(
            statement(
                "08",
                "<Ntry>"
                    + amount
                    + "<CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts></Ntry>\n"
                    + good(1)));
    assertThat(parsed.records()).hasSize(1);
    assertThat(parsed.rejections())
        .singleElement()
        .extracting(RejectedLine::reason)
        .isEqualTo("Ntry/Amt: empty"); // as when another entry came first
  }

  static Stream<Arguments> goodEntries() {
    return Stream.of(
        // entry XML, type, gross minor, payment reference, settled at
        Arguments.of(
            "<Amt Ccy=\"JPY\">5000</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><ValDt><Dt>2026-11-26</Dt></ValDt>",
            SettlementRecordType.PAYMENT,
            5000L,
            null,
            "2026-11-26T00:00:00Z"),
        Arguments.of(
            "<Amt Ccy=\"BHD\">1.235</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-11-25</Dt></BookgDt>"
                + "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>CCRD</Cd><SubFmlyCd>COMM</SubFmlyCd></Fmly></Domn></BkTxCd>",
            SettlementRecordType.FEE,
            -1235L,
            null,
            "2026-11-25T00:00:00Z"),
        Arguments.of(
            "<Amt Ccy=\"EUR\">3.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-11-25</Dt></BookgDt>"
                + "<BkTxCd><Domn><Cd>SECU</Cd><Fmly><Cd>SETT</Cd><SubFmlyCd>OTHR</SubFmlyCd></Fmly></Domn></BkTxCd>",
            SettlementRecordType.OTHER,
            300L,
            null,
            "2026-11-25T00:00:00Z"),
        Arguments.of(
            "<Amt Ccy=\"EUR\">3.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-11-25</Dt></BookgDt>"
                + "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>RPCR</SubFmlyCd></Fmly></Domn></BkTxCd>",
            SettlementRecordType.REVERSAL,
            -300L,
            null,
            "2026-11-25T00:00:00Z"),
        Arguments.of(
            "<Amt Ccy=\"EUR\">3.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-11-25</Dt></BookgDt>"
                + "<NtryDtls><TxDtls><Refs><EndToEndId>pay_r</EndToEndId></Refs><RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf></TxDtls></NtryDtls>",
            SettlementRecordType.REFUND,
            -300L,
            "pay_r",
            "2026-11-25T00:00:00Z"),
        // a batch whose details carry no amounts stays one record; their shared reference is kept
        Arguments.of(
            "<Amt Ccy=\"EUR\">3.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-11-25</Dt></BookgDt>"
                + "<NtryDtls><TxDtls><Refs><EndToEndId>E2E</EndToEndId></Refs></TxDtls><TxDtls><Refs><EndToEndId>E2E</EndToEndId></Refs></TxDtls></NtryDtls>",
            SettlementRecordType.PAYMENT,
            300L,
            "E2E",
            "2026-11-25T00:00:00Z"));
  }

  @ParameterizedTest
  @MethodSource("goodEntries")
  void anEntryBecomesOneRecordOfItsType(
      String entry, SettlementRecordType type, long grossMinor, String reference, String settledAt)
      throws Exception {
    ParsedFile parsed = parse(statement("02", "<Ntry>" + entry + "</Ntry>"));
    assertThat(parsed.rejections()).isEmpty();
    assertThat(parsed.records())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getRecordType()).isEqualTo(type);
              assertThat(r.getGrossAmountMinor()).isEqualTo(grossMinor);
              assertThat(r.getPaymentReference()).isEqualTo(reference);
              assertThat(r.getSettledAt()).isEqualTo(Instant.parse(settledAt));
            });
  }

  private static final String BOOKED_CREDIT =
      "<Amt Ccy=\"EUR\">96.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>"
          + "<BookgDt><Dt>2026-11-25</Dt></BookgDt><AcctSvcrRef>R</AcctSvcrRef>";

  private static String charge02(String amount, String indicator) {
    return "<Chrgs><Amt Ccy=\"EUR\">"
        + amount
        + "</Amt>"
        + (indicator.isEmpty() ? "" : "<CdtDbtInd>" + indicator + "</CdtDbtInd>")
        + "</Chrgs>";
  }

  private static String record(String amount, String indicator, String included) {
    return "<Rcrd><Amt Ccy=\"EUR\">"
        + amount
        + "</Amt>"
        + (indicator.isEmpty() ? "" : "<CdtDbtInd>" + indicator + "</CdtDbtInd>")
        + (included.isEmpty() ? "" : "<ChrgInclInd>" + included + "</ChrgInclInd>")
        + "</Rcrd>";
  }

  static Stream<Arguments> charges() {
    String total = "<TtlChrgsAndTaxAmt Ccy=\"EUR\">4.00</TtlChrgsAndTaxAmt>";
    return Stream.of(
        // version, what follows the booked 96.50 EUR credit, gross, fee, net (minor units)
        Arguments.of("02", "", 9650L, 0L, 9650L),
        // .02/.03: Ntry/Chrgs repeats, one charge each (Chrgs/Amt); debited unless CRDT
        Arguments.of("02", charge02("3.50", "DBIT"), 10000L, 350L, 9650L),
        Arguments.of("02", charge02("3.00", "") + charge02("0.50", "DBIT"), 10000L, 350L, 9650L),
        Arguments.of("03", charge02("3.00", "DBIT") + charge02("0.50", "CRDT"), 9900L, 250L, 9650L),
        // a per-charge total in .02 does not count twice next to its Amt
        Arguments.of(
            "02", "<Chrgs>" + total + "<Amt Ccy=\"EUR\">3.50</Amt></Chrgs>", 10000L, 350L, 9650L),
        // .04 to .08: one Chrgs with records (Chrgs/Rcrd/Amt) and an optional total
        Arguments.of(
            "04",
            "<Chrgs>"
                + total
                + record("3.00", "DBIT", "true")
                + record("1.00", "", "")
                + "</Chrgs>",
            10050L,
            400L,
            9650L),
        Arguments.of(
            "05", "<Chrgs>" + record("2.00", "CRDT", "") + "</Chrgs>", 9450L, -200L, 9650L),
        // a pre-advised charge (ChrgInclInd false) was not taken from this amount
        Arguments.of(
            "06",
            "<Chrgs>"
                + record("3.00", "DBIT", "false")
                + record("1.00", "DBIT", "true")
                + "</Chrgs>",
            9750L,
            100L,
            9650L),
        Arguments.of(
            "07", "<Chrgs>" + record("3.50", "DBIT", "TRUE") + "</Chrgs>", 10000L, 350L, 9650L),
        // only a total: it is the fee
        Arguments.of("08", "<Chrgs>" + total + "</Chrgs>", 10050L, 400L, 9650L),
        // charges of the entry's only transaction when the entry itself has none
        Arguments.of(
            "08",
            "<NtryDtls><TxDtls><Refs><EndToEndId>pay_1</EndToEndId></Refs><Chrgs>"
                + record("3.50", "DBIT", "")
                + "</Chrgs></TxDtls></NtryDtls>",
            10000L,
            350L,
            9650L),
        // the entry's charges win over a transaction's (they cover it)
        Arguments.of(
            "08",
            "<Chrgs>"
                + record("1.50", "", "")
                + "</Chrgs><NtryDtls><TxDtls><Chrgs>"
                + record("3.50", "", "")
                + "</Chrgs></TxDtls></NtryDtls>",
            9800L,
            150L,
            9650L));
  }

  @ParameterizedTest
  @MethodSource("charges")
  void chargesOnAnEntryBecomeItsFeeAndGrossIsNetPlusFee(
      String version, String chargesXml, long grossMinor, long feeMinor, long netMinor)
      throws Exception {
    ParsedFile parsed =
        parse(statement(version, "<Ntry>" + BOOKED_CREDIT + chargesXml + "</Ntry>"));
    assertThat(parsed.rejections()).isEmpty();
    assertThat(parsed.records())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getGrossAmountMinor()).as("gross").isEqualTo(grossMinor);
              assertThat(r.getFeeAmountMinor()).as("fee").isEqualTo(feeMinor);
              assertThat(r.getNetAmountMinor()).as("net").isEqualTo(netMinor);
            });
  }

  @Test
  void aSplitBatchTakesEachTransactionsOwnCharges() throws Exception {
    String entry =
        "<Ntry><Amt Ccy=\"EUR\">10.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>"
            + "<BookgDt><Dt>2026-11-25</Dt></BookgDt><AcctSvcrRef>B</AcctSvcrRef><NtryDtls>"
            + "<TxDtls><Amt Ccy=\"EUR\">4.00</Amt><Chrgs>"
            + record("0.20", "DBIT", "")
            + "</Chrgs></TxDtls>"
            + "<TxDtls><Amt Ccy=\"EUR\">6.00</Amt></TxDtls></NtryDtls></Ntry>";
    ParsedFile parsed = parse(statement("08", entry));
    assertThat(parsed.records())
        .extracting(
            SettlementRecord::getGrossAmountMinor,
            SettlementRecord::getFeeAmountMinor,
            SettlementRecord::getNetAmountMinor)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(-380L, 20L, -400L),
            org.assertj.core.groups.Tuple.tuple(-600L, 0L, -600L));
  }

  static Stream<Arguments> badCharges() {
    return Stream.of(
        Arguments.of(
            "02",
            "<Chrgs><Amt Ccy=\"USD\">1.00</Amt></Chrgs>",
            "Ntry/Chrgs/Amt: charge in 'USD', the entry is in EUR"),
        Arguments.of(
            "02",
            "<Chrgs><Amt>1.00</Amt></Chrgs>",
            "Ntry/Chrgs/Amt: charge in no currency, the entry is in EUR"),
        Arguments.of(
            "04",
            "<Chrgs>" + record("1.005", "", "") + "</Chrgs>",
            "Ntry/Chrgs/Rcrd/Amt: '1.005' has more than 2 decimal places for EUR"),
        Arguments.of(
            "08",
            "<Chrgs>" + record("-1.00", "", "") + "</Chrgs>",
            "Ntry/Chrgs/Rcrd/Amt: '-1.00' is signed; camt amounts are unsigned with CdtDbtInd"),
        Arguments.of(
            "08",
            "<Chrgs>" + record("1.00", "DR", "") + "</Chrgs>",
            "Ntry/Chrgs/Rcrd/CdtDbtInd: 'DR' is not CRDT or DBIT"),
        Arguments.of(
            "08",
            "<Chrgs><TtlChrgsAndTaxAmt Ccy=\"EUR\">x</TtlChrgsAndTaxAmt></Chrgs>",
            "Ntry/Chrgs/TtlChrgsAndTaxAmt: 'x' is not a decimal amount like 12.34"),
        Arguments.of(
            "08",
            "<NtryDtls><TxDtls><Chrgs>"
                + "<Rcrd><Amt Ccy=\"GBP\">1.00</Amt></Rcrd>"
                + "</Chrgs></TxDtls></NtryDtls>",
            "Ntry/NtryDtls/TxDtls/Chrgs/Rcrd/Amt: charge in 'GBP', the entry is in EUR"));
  }

  @ParameterizedTest
  @MethodSource("badCharges")
  void aBadChargeRejectsItsEntryNamingTheChargeField(
      String version, String chargesXml, String reason) throws Exception {
    ParsedFile parsed =
        parse(statement(version, good(1) + "<Ntry>" + BOOKED_CREDIT + chargesXml + "</Ntry>"));
    assertThat(parsed.records()).hasSize(1);
    assertThat(parsed.rejections())
        .singleElement()
        .extracting(RejectedLine::reason)
        .isEqualTo(reason);
  }

  @ParameterizedTest
  @ValueSource(strings = {"02", "03", "04", "05", "06", "07", "08"})
  void versions02To08OfCamt053AreRead(String version) throws Exception {
    assertThat(parse(statement(version, good(1))).records()).hasSize(1);
  }

  @Test
  void camt054NotificationsAreReadWithoutABalanceProof() throws Exception {
    String xml =
        "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.04\"><BkToCstmrDbtCdtNtfctn>"
            + "<GrpHdr><MsgId>N</MsgId></GrpHdr><Ntfctn><Id>NTF-1</Id>"
            + good(1)
            + "</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>";
    ParsedFile parsed = parse(xml);
    assertThat(parsed.records())
        .singleElement()
        .extracting(SettlementRecord::getSettlementId)
        .isEqualTo("NTF-1:REF-1");
    assertThat(parsed.warnings()).isEmpty();
  }

  static Stream<Arguments> unreadableFiles() {
    return Stream.of(
        Arguments.of("", "not well-formed XML at line 1: Unexpected EOF in prolog"),
        Arguments.of(
            "<Document xmlns=\"" + NS + "08\"><BkToCstmrStmt><Stmt><Id>S</Id>" + good(1),
            "not well-formed XML at line 1: Unexpected EOF; was expecting a close tag for element <Stmt>"),
        // cut inside an entry's kept element, and inside a part of it the scan skips
        Arguments.of(
            "<Document xmlns=\""
                + NS
                + "08\"><BkToCstmrStmt><Stmt><Id>S</Id><Ntry><Amt Ccy=\"EUR\">1.0",
            "not well-formed XML at line 1: Unexpected EOF; was expecting a close tag for element <Amt>"),
        Arguments.of(
            "<Document xmlns=\""
                + NS
                + "08\"><BkToCstmrStmt><Stmt><Id>S</Id><Ntry><NtryDtls><TxDtls><RltdPties><Dbtr><Nm>A",
            "not well-formed XML at line 1: Unexpected EOF; was expecting a close tag for element <Nm>"),
        Arguments.of(
            "<Document xmlns=\"" + NS + "08\"><BkToCstmrStmt><GrpHdr/></BkToCstmrStmt></Document>",
            "not a camt.053 file: no Stmt element in BkToCstmrStmt"),
        Arguments.of(
            "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.09\"/>",
            "not a camt.053/camt.054 file (versions 001.02 to 001.08): root element Document in namespace ISO 20022 'camt.053.001.09'"),
        Arguments.of(
            "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.052.001.02\"/>",
            "not a camt.053/camt.054 file (versions 001.02 to 001.08): root element Document in namespace ISO 20022 'camt.052.001.02'"),
        Arguments.of(
            "<Statement/>",
            "not a camt.053/camt.054 file (versions 001.02 to 001.08): root element Statement in namespace (none)"),
        Arguments.of(
            "<?xml version=\"1.0\"?><!DOCTYPE Document [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><Document xmlns=\""
                + NS
                + "08\">&x;</Document>",
            "not a camt file: a DOCTYPE is not allowed"),
        // an external DTD is never fetched: the DOCTYPE alone refuses the file
        Arguments.of(
            "<?xml version=\"1.0\"?><!DOCTYPE Document SYSTEM \"http://127.0.0.1:9/camt.dtd\"><Document xmlns=\""
                + NS
                + "08\"/>",
            "not a camt file: a DOCTYPE is not allowed"),
        // entity expansion (billion laughs) never starts
        Arguments.of(
            "<!DOCTYPE d [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>"
                + "<Document xmlns=\""
                + NS
                + "08\">&b;</Document>",
            "not a camt file: a DOCTYPE is not allowed"),
        // without a DOCTYPE an entity reference names nothing
        Arguments.of(
            "<Document xmlns=\""
                + NS
                + "08\"><BkToCstmrStmt><Stmt><Id>&x;</Id></Stmt></BkToCstmrStmt></Document>",
            "not a camt file: undeclared entity &x; at line 1"));
  }

  @ParameterizedTest
  @MethodSource("unreadableFiles")
  void aMalformedFileIsRefusedWithAOneLineReason(String xml, String reason) {
    assertThatThrownBy(() -> parse(xml))
        .isInstanceOf(UnreadableFileException.class)
        .hasMessage(reason);
  }

  /** Broken text inside an entry, read or skipped: a one-line refusal, never another error. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "<AcctSvcrRef>A & B</AcctSvcrRef>",
        "<AcctSvcrRef>A ]]> B</AcctSvcrRef>",
        "<AcctSvcrRef>A \u0001 B</AcctSvcrRef>",
        "<RltdPties><Nm>A & B</Nm></RltdPties>"
      })
  void brokenTextIsRefusedAsNotWellFormed(String broken) {
    String xml = statement("08", good(1).replace("</Ntry>", broken + "</Ntry>"));
    assertThatThrownBy(() -> parse(xml))
        .isInstanceOf(UnreadableFileException.class)
        .hasMessageStartingWith("not well-formed XML at line 2: ")
        .hasMessageNotContaining("\n");
  }

  /** Bytes that are not UTF-8 are a broken file (was an I/O error out of the parser). */
  @Test
  void invalidUtf8IsRefusedAsNotWellFormed() {
    String text = "<AcctSvcrRef>A\u00e9B</AcctSvcrRef>";
    byte[] xml =
        statement("08", good(1).replace("</Ntry>", text + "</Ntry>"))
            .getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < xml.length; i++) {
      if (xml[i] == (byte) 0xA9) {
        xml[i] = 'x'; // é's lead byte now followed by a byte that cannot continue it
      }
    }
    assertThatThrownBy(() -> parse(xml))
        .isInstanceOf(UnreadableFileException.class)
        .hasMessageStartingWith("not well-formed XML")
        .hasMessageContaining("UTF-8");
  }

  /**
   * Past Woodstox's first buffer its text is decoded lazily, and a byte that is not UTF-8 came out
   * as an unchecked exception (a stack trace from the importer): refused like any broken file, by
   * Woodstox alone and through the fast reading.
   */
  @Test
  void invalidUtf8DeepInALargeFileIsRefusedAsNotWellFormed() throws Exception {
    StringBuilder entries = new StringBuilder();
    for (int i = 0; i < 2_000; i++) {
      entries.append(good(i)).append('\n');
    }
    byte[] xml =
        statement("08", entries + good(2_000).replace("REF-2000", "REF-2\u00e9"))
            .getBytes(StandardCharsets.UTF_8);
    for (int i = xml.length - 1; i >= 0; i--) {
      if (xml[i] == (byte) 0xA9) {
        xml[i] = 'x';
        break;
      }
    }
    assertThatThrownBy(
            () ->
                parser.parse(
                    new ByteArrayInputStream(xml),
                    "bank",
                    "f",
                    new ParsedLineSink() {
                      @Override
                      public void accept(ParsedLine line) {}

                      @Override
                      public void warn(FileWarning warning) {}
                    }))
        .isInstanceOf(UnreadableFileException.class)
        .hasMessageStartingWith("not well-formed XML")
        .hasMessageContaining("UTF-8");
    assertThatThrownBy(() -> parse(xml))
        .isInstanceOf(UnreadableFileException.class)
        .hasMessageStartingWith("not well-formed XML")
        .hasMessageContaining("UTF-8");
  }

  static Stream<Arguments> proofs() {
    String opening = bal("OPBD", "EUR", "100.00", "CRDT");
    return Stream.of(
        Arguments.of(opening + bal("CLBD", "EUR", "110.00", "CRDT"), null, false),
        Arguments.of(
            bal("PRCD", "EUR", "100.00", "CRDT") + bal("CLBD", "EUR", "110.00", "CRDT"),
            null,
            false),
        Arguments.of(
            bal("OPBD", "EUR", "5.00", "DBIT") + bal("CLBD", "EUR", "5.00", "CRDT"), null, false),
        Arguments.of(
            opening + bal("CLBD", "EUR", "111.00", "CRDT"),
            "statement S: balance proof failed: OPBD 100.00 + booked entries 10.00 = 110.00 EUR, but CLBD is 111.00",
            true),
        Arguments.of(
            opening + bal("CLBD", "SEK", "110.00", "CRDT"),
            "statement S: balance proof failed: OPBD is in EUR, CLBD in SEK",
            true),
        // a proof that cannot be made is a warning only: many banks leave balances out
        Arguments.of(
            opening, "statement S: no balance proof: the statement lacks a CLBD balance", false),
        Arguments.of(
            bal("CLBD", "EUR", "110.00", "CRDT"),
            "statement S: no balance proof: the statement lacks an OPBD or PRCD balance",
            false),
        Arguments.of(
            opening + bal("CLBD", "EUR", "1.1", "XXXX"),
            "statement S: no balance proof: balance CLBD at line 1 unreadable: 'XXXX' is not CRDT or DBIT",
            false));
  }

  @ParameterizedTest
  @MethodSource("proofs")
  void openingPlusBookedEntriesMustEqualClosingOrTheStatementIsFlagged(
      String balances, String warning, boolean flagged) throws Exception {
    // 7.50 + 2.50 booked; the pending 99.00 does not count
    String entries =
        entry("REF-1", "7.50", "CRDT", "BOOK")
            + entry("REF-2", "2.50", "CRDT", "BOOK")
            + entry("REF-3", "99.00", "CRDT", "PDNG");
    ParsedFile parsed =
        parse(
            "<Document xmlns=\""
                + NS
                + "04\"><BkToCstmrStmt><Stmt><Id>S</Id>"
                + balances
                + entries
                + "</Stmt></BkToCstmrStmt></Document>");
    assertThat(parsed.records())
        .hasSize(2)
        .allSatisfy(r -> assertThat(r.getStatementProofFailed()).isEqualTo(flagged));
    if (warning == null) {
      assertThat(parsed.warnings()).isEmpty();
    } else {
      assertThat(parsed.warnings()).extracting(FileWarning::reason).containsExactly(warning);
    }
  }

  @Test
  void eachStatementIsProvenAndNumberedOnItsOwn() throws Exception {
    String stmt1 =
        "<Stmt><Id>A</Id>"
            + bal("OPBD", "EUR", "0", "CRDT")
            + bal("CLBD", "EUR", "7.50", "CRDT")
            + entry("", "7.50", "CRDT", "BOOK")
            + "</Stmt>";
    String stmt2 =
        "<Stmt><Id>B</Id>"
            + bal("OPBD", "EUR", "0", "CRDT")
            + bal("CLBD", "EUR", "1.00", "CRDT")
            + entry("", "7.50", "CRDT", "BOOK")
            + entry("", "7.50", "CRDT", "BOOK")
            + "</Stmt>";
    ParsedFile parsed =
        parse(
            "<Document xmlns=\""
                + NS
                + "08\"><BkToCstmrStmt>"
                + stmt1
                + stmt2
                + "</BkToCstmrStmt></Document>");
    List<String> ids = parsed.records().stream().map(SettlementRecord::getSettlementId).toList();
    assertThat(ids).hasSize(3).doesNotHaveDuplicates();
    assertThat(ids.get(0)).startsWith("A:").doesNotContain("#");
    assertThat(ids.get(2)).isEqualTo(ids.get(1) + "#2");
    assertThat(parsed.warnings())
        .extracting(FileWarning::reason)
        .containsExactly(
            "statement B: balance proof failed: OPBD 0.00 + booked entries 15.00 = 15.00 EUR, but CLBD is 1.00");
    // only B's records carry the flag
    assertThat(parsed.records())
        .extracting(SettlementRecord::getStatementProofFailed)
        .containsExactly(false, true, true);
  }

  @Test
  void aSinglePassStreamCannotKnowAProofAheadSoItFlagsOnlyWhatItIsTold() throws Exception {
    String stmt1 =
        "<Stmt><Id>A</Id>"
            + bal("OPBD", "EUR", "0", "CRDT")
            + bal("CLBD", "EUR", "9.00", "CRDT")
            + entry("R1", "7.50", "CRDT", "BOOK")
            + "</Stmt>";
    String stmt2 =
        "<Stmt><Id>B</Id>"
            + bal("OPBD", "EUR", "0", "CRDT")
            + bal("CLBD", "EUR", "7.50", "CRDT")
            + entry("R2", "7.50", "CRDT", "BOOK")
            + "</Stmt>";
    byte[] xml =
        ("<Document xmlns=\""
                + NS
                + "08\"><BkToCstmrStmt>"
                + stmt1
                + stmt2
                + "</BkToCstmrStmt></Document>")
            .getBytes(StandardCharsets.UTF_8);
    java.util.BitSet failed = new java.util.BitSet();
    List<SettlementRecord> firstPass = new java.util.ArrayList<>();
    ParsedLineSink collect =
        new ParsedLineSink() {
          @Override
          public void accept(ParsedLine line) {
            firstPass.add(((ParsedRecord) line).record());
          }

          @Override
          public void warn(FileWarning warning) {}

          @Override
          public void proofFailed(int ordinal) {
            failed.set(ordinal);
          }
        };

    parser.parse(new java.io.ByteArrayInputStream(xml), "bank", "f", collect);

    assertThat(failed.stream().boxed().toList()).containsExactly(1);
    assertThat(firstPass)
        .extracting(SettlementRecord::getStatementProofFailed)
        .containsExactly(false, false);
    List<SettlementRecord> secondPass = new java.util.ArrayList<>();
    parser.parse(
        new java.io.ByteArrayInputStream(xml),
        "bank",
        "f",
        new ParsedLineSink() {
          @Override
          public void accept(ParsedLine line) {
            secondPass.add(((ParsedRecord) line).record());
          }

          @Override
          public void warn(FileWarning warning) {}
        },
        failed);
    assertThat(secondPass)
        .extracting(SettlementRecord::getStatementProofFailed)
        .containsExactly(true, false);
  }

  @Test
  void aStatementOfManyEntriesIsStreamedEntryByEntry() throws Exception {
    int entries = 50_000;
    String head = "<Document xmlns=\"" + NS + "08\"><BkToCstmrStmt><Stmt><Id>BIG</Id>";
    Iterator<InputStream> parts =
        new Iterator<>() {
          int i = -1;

          @Override
          public boolean hasNext() {
            return i <= entries;
          }

          @Override
          public InputStream next() {
            i++;
            String text =
                i == 0
                    ? head
                    : i <= entries
                        ? entry("R" + i, "1.00", "CRDT", "BOOK")
                        : "</Stmt></BkToCstmrStmt></Document>";
            return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
          }
        };
    ImportSummary.Tally tally = new ImportSummary.Tally();
    parser.parse(
        new SequenceInputStream(Collections.enumeration(iterable(parts))), "bank", "big", tally);
    assertThat(tally.lines()).isEqualTo(entries);
    assertThat(tally.summary("f", "bank", "camt", "big").published()).isEqualTo(entries);
  }

  /** What a real bank adds to an entry that the parser does not read. */
  private static final String UNREAD_PARTS =
      "<RltdPties><Dbtr><Nm>A. Debtor &amp; Sons</Nm><PstlAdr><Ctry>DE</Ctry>"
          + "<AdrLine>Hauptstr. 1</AdrLine></PstlAdr></Dbtr><DbtrAcct><Id><IBAN>DE02100100109307118603"
          + "</IBAN></Id></DbtrAcct></RltdPties><RltdAgts><DbtrAgt><FinInstnId><BICFI>BANKDEFF</BICFI>"
          + "</FinInstnId></DbtrAgt></RltdAgts><RltdDts><AccptncDtTm>2026-11-24T10:00:00Z</AccptncDtTm>"
          + "</RltdDts><Purp><Cd>GDDS</Cd></Purp>";

  @Test
  void partsTheParserDoesNotReadAreSkippedWithoutChangingTheRecord() throws Exception {
    String details =
        "<NtryDtls><TxDtls><Refs><EndToEndId>pay_1</EndToEndId></Refs>%s"
            + "<RmtInf><Ustrd>invoice 7</Ustrd></RmtInf></TxDtls></NtryDtls>";
    String lean =
        "<Ntry>"
            + BOOKED_CREDIT
            + "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT"
            + "</SubFmlyCd></Fmly></Domn></BkTxCd>"
            + String.format(details, "")
            + "</Ntry>";
    // the same entry pretty-printed and carrying parties, agents, dates, purpose and card data
    String full =
        "<Ntry>\n  "
            + BOOKED_CREDIT
            + "\n  <AddtlInfInd><MsgNmId>camt.054</MsgNmId></AddtlInfInd>\n  <CardTx><Card>"
            + "<MskdPAN>411111******1111</MskdPAN></Card></CardTx>\n  "
            + "<BkTxCd>\n    <Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly>"
            + "</Domn>\n    <Prtry><Cd>166</Cd><Issr>DK</Issr></Prtry>\n  </BkTxCd>\n  "
            + String.format(details, UNREAD_PARTS)
            + "\n</Ntry>";

    SettlementRecord expected = parse(statement("08", lean)).records().get(0);
    SettlementRecord actual = parse(statement("08", full)).records().get(0);

    assertThat(actual.getPaymentReference()).isEqualTo("pay_1");
    assertThat(actual.getRecordType()).isEqualTo(SettlementRecordType.PAYMENT);
    assertThat(actual).isEqualTo(expected);
  }

  @Test
  void aSkippedPartIsStillCheckedForUndeclaredEntitiesAndCountedAgainstTheLimit() {
    assertThatThrownBy(
            () ->
                parse(
                    statement(
                        "08",
                        "<Ntry>"
                            + BOOKED_CREDIT
                            + "<NtryDtls><TxDtls><RltdPties><Dbtr><Nm>&x;</Nm></Dbtr></RltdPties>"
                            + "</TxDtls></NtryDtls></Ntry>")))
        .isInstanceOf(UnreadableFileException.class)
        .hasMessage("not a camt file: undeclared entity &x; at line 2");
    String many = "<Purp/>".repeat(XmlElement.MAX_ELEMENTS);
    assertThatThrownBy(() -> parse(statement("08", "<Ntry>" + BOOKED_CREDIT + many + "</Ntry>")))
        .isInstanceOf(UnreadableFileException.class)
        .hasMessageContaining("has more than " + XmlElement.MAX_ELEMENTS + " elements");
  }

  @Test
  void anOversizedElementOrNestingRefusesTheFileInsteadOfGrowingMemory() {
    String longText =
        "<Ntry><AddtlNtryInf>"
            + "x".repeat(XmlElement.MAX_TEXT_CHARS + 1)
            + "</AddtlNtryInf></Ntry>";
    assertThatThrownBy(() -> parse(statement("08", longText)))
        .isInstanceOf(UnreadableFileException.class)
        .hasMessage(
            "element AddtlNtryInf at line 2 has more than "
                + XmlElement.MAX_TEXT_CHARS
                + " characters");
    String deep = "<X>".repeat(CamtParser.MAX_XML_DEPTH) + "</X>".repeat(CamtParser.MAX_XML_DEPTH);
    assertThatThrownBy(
            () ->
                parse(
                    "<Document xmlns=\""
                        + NS
                        + "08\"><BkToCstmrStmt>"
                        + deep
                        + "</BkToCstmrStmt></Document>"))
        .isInstanceOf(UnreadableFileException.class)
        .hasMessage("not a camt file: elements nested deeper than " + CamtParser.MAX_XML_DEPTH);
  }

  private static List<InputStream> iterable(Iterator<InputStream> parts) {
    // SequenceInputStream needs an Enumeration; the parts are produced lazily as it asks for them.
    return new java.util.AbstractList<>() {
      @Override
      public InputStream get(int index) {
        throw new UnsupportedOperationException();
      }

      @Override
      public int size() {
        throw new UnsupportedOperationException();
      }

      @Override
      public Iterator<InputStream> iterator() {
        return parts;
      }
    };
  }

  static String good(int n) {
    return entry("REF-" + n, "1.00", "CRDT", "BOOK");
  }

  static String entry(String ref, String amount, String indicator, String status) {
    return "<Ntry><Amt Ccy=\"EUR\">"
        + amount
        + "</Amt><CdtDbtInd>"
        + indicator
        + "</CdtDbtInd><Sts>"
        + status
        + "</Sts><BookgDt><Dt>2026-11-25</Dt></BookgDt>"
        + (ref.isEmpty() ? "" : "<AcctSvcrRef>" + ref + "</AcctSvcrRef>")
        + "</Ntry>";
  }

  static String bal(String code, String currency, String amount, String indicator) {
    return "<Bal><Tp><CdOrPrtry><Cd>"
        + code
        + "</Cd></CdOrPrtry></Tp><Amt Ccy=\""
        + currency
        + "\">"
        + amount
        + "</Amt><CdtDbtInd>"
        + indicator
        + "</CdtDbtInd></Bal>";
  }

  static String statement(String version, String entries) {
    return "<Document xmlns=\""
        + NS
        + version
        + "\"><BkToCstmrStmt><Stmt><Id>S</Id>\n"
        + entries
        + "\n</Stmt></BkToCstmrStmt></Document>";
  }

  ParsedFile parse(String xml) throws UnreadableFileException {
    return parse(xml.getBytes(StandardCharsets.UTF_8));
  }

  ParsedFile parse(byte[] xml) throws UnreadableFileException {
    return parser.parse(xml, "bank", "file-1");
  }

  static byte[] fixture(String name) throws IOException {
    try (InputStream in = CamtParserTest.class.getResourceAsStream("/fixtures/camt/" + name)) {
      return in.readAllBytes();
    }
  }
}
