package io.settleflow.feeds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.settleflow.avro.SettlementRecord;
import io.settleflow.avro.SettlementRecordType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Conformance over the shared corpus of real processor and bank files (Stripe, Adyen, PayPal CSV,
 * camt.053/054, BAI2) in {@code ../shared/testdata/settlement-files} (system property {@code
 * settleflow.testdata}). Each file is detected and parsed, or refused as a whole with a one-line
 * reason, as the corpus README says; never a crash. Skips when the folder is absent.
 */
class SharedCorpusTest {
  /** What a corpus file must give: records, rejected lines and warnings; or a refusal. */
  record Expect(String format, int records, int rejected, int warnings, String refusal) {
    static Expect parses(String format, int records, int rejected, int warnings) {
      return new Expect(format, records, rejected, warnings, null);
    }

    static Expect refused(String format, String refusal) {
      return new Expect(format, 0, 0, 0, refusal);
    }
  }

  static final Map<String, Expect> EXPECTED =
      Map.ofEntries(
          // genkgo's samples: balances in mixed currencies (OPBD EUR, CLBD SEK), so the proof fails
          // and says why
          Map.entry("camt/camt053.v2.minimal.xml", Expect.parses("camt", 1, 0, 1)),
          Map.entry("camt/camt053.v4.xml", Expect.parses("camt", 1, 0, 1)),
          Map.entry(
              "camt/camt053.v2.wrong.xml",
              Expect.refused("camt", "not a camt.053 file: no Stmt element in BkToCstmrStmt")),
          // one batch entry of three transactions without amounts: one record
          Map.entry("camt/camt054.v2.xml", Expect.parses("camt", 1, 0, 0)),
          // moov-io's samples carry opening ledgers (010) but no closing ledger (015): one "no
          // proof" warning per account
          Map.entry("bai2/sample1.txt", Expect.parses("bai2", 17, 0, 2)),
          Map.entry("bai2/sample2.txt", Expect.parses("bai2", 4, 0, 5)),
          Map.entry(
              "bai2/errors/sample-parseError.txt",
              Expect.refused(
                  "bai2",
                  "line 1: record code '00' is not a BAI2 record (01, 02, 03, 16, 49, 88, 98, 99)")),
          Map.entry(
              "smashpig/Adyen/settlement_detail_report_deposit_correction.csv",
              Expect.parses("adyen-settlement-detail", 2, 0, 0)),
          Map.entry(
              "smashpig/Adyen/settlement_detail_report_donation.csv",
              Expect.parses("adyen-settlement-detail", 2, 0, 0)),
          Map.entry(
              "smashpig/Adyen/settlement_detail_report_refund.csv",
              Expect.parses("adyen-settlement-detail", 3, 0, 0)),
          Map.entry("smashpig/PayPal/stl.csv", Expect.parses("paypal-settlement", 5, 0, 0)),
          Map.entry(
              "smashpig/PayPal/stl_chargeback_with_fee.csv",
              Expect.parses("paypal-settlement", 2, 0, 0)),
          // carries the payout columns, so it is detected as payout reconciliation (same mapping
          // but for detection)
          Map.entry(
              "smashpig/Stripe/payments_activity.csv",
              Expect.parses("stripe-payout-reconciliation", 2, 0, 0)),
          // the trimmed sample's payout line says gross 24, fee 0, net 23.05: quarantined
          Map.entry(
              "smashpig/Stripe/settlement_report.csv",
              Expect.parses("stripe-payout-reconciliation", 6, 1, 0)));

  Path corpus;

  @BeforeEach
  void findCorpus() {
    corpus =
        Path.of(
            System.getProperty("settleflow.testdata", "../../shared/testdata/settlement-files"));
    assumeTrue(
        Files.isDirectory(corpus), "shared settlement corpus absent at " + corpus + "; skipping");
  }

  @Test
  void everyRealFileIsDetectedAndParsedOrRefusedAsItsReadmeSays() throws Exception {
    List<String> checked = new ArrayList<>();
    for (Path file : files()) {
      String name = corpus.relativize(file).toString().replace('\\', '/');
      byte[] content = Files.readAllBytes(file);
      SettlementFileParser parser = SettlementFormats.detect(content);
      Throwable thrown =
          catchThrowable(() -> parser.parse(content, "corpus", SettlementIds.fileId(content)));
      Expect expect = EXPECTED.get(name);
      if (expect == null) {
        // A file added to the corpus later: it must at least parse or be refused in one line.
        assertThat(
                thrown == null
                    || (thrown instanceof UnreadableFileException
                        && !thrown.getMessage().contains("\n")))
            .as(name + ": " + thrown)
            .isTrue();
        continue;
      }
      checked.add(name);
      assertThat(parser.format()).as(name).isEqualTo(expect.format());
      if (expect.refusal() != null) {
        assertThat(thrown).as(name).isInstanceOf(UnreadableFileException.class);
        assertThat(thrown.getMessage()).as(name).contains(expect.refusal()).doesNotContain("\n");
        continue;
      }
      assertThat(thrown).as(name).isNull();
      ParsedFile parsed = parser.parse(content, "corpus", SettlementIds.fileId(content));
      assertThat(parsed.records()).as(name + " records").hasSize(expect.records());
      assertThat(parsed.rejections()).as(name + " rejected").hasSize(expect.rejected());
      assertThat(parsed.warnings()).as(name + " warnings").hasSize(expect.warnings());
      parsed
          .rejections()
          .forEach(r -> assertThat(r.reason()).doesNotContain("\n").doesNotMatch(".*\\d{13,}.*"));
    }
    assertThat(checked).as("expected corpus files present").hasSameSizeAs(EXPECTED.keySet());
  }

  @Test
  void camtEntriesMatchGenkgosExpectedParse() throws Exception {
    ObjectMapper json = new ObjectMapper();
    for (String name : List.of("camt053.v2.minimal", "camt053.v4", "camt054.v2")) {
      byte[] xml = Files.readAllBytes(corpus.resolve("camt/" + name + ".xml"));
      List<SettlementRecord> records = new CamtParser().parse(xml, "corpus", "f").records();
      JsonNode entries =
          json.readTree(corpus.resolve("camt/expected-genkgo-json/" + name + ".json").toFile())
              .path("getEntries");
      assertThat(records).as(name).hasSize(entries.size());
      for (int i = 0; i < entries.size(); i++) {
        JsonNode entry = entries.get(i);
        SettlementRecord r = records.get(i);
        assertThat(r.getGrossAmountMinor())
            .as(name)
            .isEqualTo(entry.path("getAmount").path("getAmount").asLong());
        assertThat(r.getCurrency())
            .as(name)
            .isEqualTo(entry.path("getAmount").path("getCurrency").path("getCode").asText());
        assertThat(r.getSettledAt())
            .as(name)
            .isEqualTo(
                OffsetDateTime.parse(entry.path("getBookingDate").path("0").asText()).toInstant());
        assertThat(r.getRecordType() == SettlementRecordType.REVERSAL)
            .isEqualTo(entry.path("getReversalIndicator").asBoolean());
        if (!entry.path("getAccountServicerReference").isNull()) {
          assertThat(r.getSettlementId())
              .as(name)
              .endsWith(":" + entry.path("getAccountServicerReference").asText());
        }
      }
    }
  }

  @Test
  void statementProofFailuresOfTheRealSamplesSayWhy() throws Exception {
    byte[] xml = Files.readAllBytes(corpus.resolve("camt/camt053.v2.minimal.xml"));
    assertThat(new CamtParser().parse(xml, "corpus", "f").warnings())
        .extracting(FileWarning::reason)
        .containsExactly(
            "statement 253EURNL26VAYB8060476890: balance proof failed: OPBD is in EUR, CLBD in SEK");
  }

  @Test
  void bai2SamplesAddUpAndTheirDetailsAreSignedByTypeCode() throws Exception {
    byte[] bai2 = Files.readAllBytes(corpus.resolve("bai2/sample1.txt"));
    List<SettlementRecord> records = new Bai2Parser().parse(bai2, "corpus", "f").records();
    // account 1 of 060317: 409 debits and 108 credits, CAD, as-of date of the group
    assertThat(records.get(0).getGrossAmountMinor()).isEqualTo(-2500);
    assertThat(records.get(3).getGrossAmountMinor()).isEqualTo(203500);
    assertThat(records).allSatisfy(r -> assertThat(r.getCurrency()).isEqualTo("CAD"));
    assertThat(records.get(0).getSettledAt())
        .isEqualTo(java.time.Instant.parse("2006-03-17T00:00:00Z"));
    assertThat(records.stream().map(SettlementRecord::getSettlementId)).doesNotHaveDuplicates();
    List<SettlementRecord> second =
        new Bai2Parser()
            .parse(Files.readAllBytes(corpus.resolve("bai2/sample2.txt")), "corpus", "f")
            .records();
    assertThat(second)
        .extracting(SettlementRecord::getGrossAmountMinor)
        .containsExactly(450000L, 500000L, 20000000L, 10000000L);
    assertThat(second).allSatisfy(r -> assertThat(r.getCurrency()).isEqualTo("USD"));
  }

  @Test
  void processorReportsGiveSignedTypedAmountsInMinorUnits() throws Exception {
    ParsedFile paypal = parse("smashpig/PayPal/stl.csv");
    // T0006 CR 52.00 AUD, fee DR 2.25; T1107 refund DR 1.34 GBP, fee CR 0.47 returned
    assertThat(paypal.records())
        .extracting(
            SettlementRecord::getSettlementId,
            SettlementRecord::getRecordType,
            SettlementRecord::getGrossAmountMinor,
            SettlementRecord::getFeeAmountMinor,
            SettlementRecord::getNetAmountMinor,
            SettlementRecord::getCurrency)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "5678", SettlementRecordType.PAYMENT, 5200L, 225L, 4975L, "AUD"),
            org.assertj.core.groups.Tuple.tuple(
                "6789", SettlementRecordType.PAYMENT, 535L, 75L, 460L, "AUD"),
            org.assertj.core.groups.Tuple.tuple(
                "68C7", SettlementRecordType.PAYMENT, 834L, 87L, 747L, "GBP"),
            org.assertj.core.groups.Tuple.tuple(
                "6899", SettlementRecordType.REFUND, -134L, -47L, -87L, "GBP"),
            org.assertj.core.groups.Tuple.tuple(
                "3MG88942N0662370U", SettlementRecordType.OTHER, -100L, 0L, -100L, "GBP"));
    assertThat(paypal.records().get(0).getSettledAt())
        .isEqualTo(java.time.Instant.parse("2026-01-06T08:00:30Z"));
    assertThat(parse("smashpig/PayPal/stl_chargeback_with_fee.csv").records())
        .extracting(SettlementRecord::getRecordType)
        .containsExactly(SettlementRecordType.CHARGEBACK, SettlementRecordType.FEE);

    ParsedFile stripe = parse("smashpig/Stripe/settlement_report.csv");
    assertThat(stripe.records())
        .extracting(SettlementRecord::getRecordType)
        .containsExactly(
            SettlementRecordType.PAYMENT,
            SettlementRecordType.REFUND,
            SettlementRecordType.PAYMENT,
            SettlementRecordType.FEE,
            SettlementRecordType.FEE,
            SettlementRecordType.REVERSAL);
    assertThat(stripe.records().get(0).getPaymentReference()).isEqualTo("24315.1");
    assertThat(stripe.rejections())
        .containsExactly(new RejectedLine(8, "net: 23.05 is not gross - fee = 24.00"));

    // 30-column layout: net 0.76 + scheme fees 0.02 + interchange 0.22 = gross 1.00 USD, PST
    SettlementRecord adyen =
        parse("smashpig/Adyen/settlement_detail_report_donation.csv").records().get(0);
    assertThat(
            List.of(
                adyen.getGrossAmountMinor(), adyen.getFeeAmountMinor(), adyen.getNetAmountMinor()))
        .containsExactly(100L, 24L, 76L);
    assertThat(adyen.getSettledAt()).isEqualTo(java.time.Instant.parse("2016-02-19T00:10:51Z"));
    assertThat(adyen.getMerchantId()).isEqualTo("WikimediaCOM");
    // 49-column layout, PDT
    assertThat(parse("smashpig/Adyen/settlement_detail_report_deposit_correction.csv").records())
        .extracting(SettlementRecord::getNetAmountMinor)
        .containsExactly(-50000L, 30000L);
  }

  @Test
  void theBalanceChangeMappingReadsTheActivityReportAlike() throws Exception {
    byte[] content = Files.readAllBytes(corpus.resolve("smashpig/Stripe/payments_activity.csv"));
    List<SettlementRecord> asBalanceChange =
        SettlementFormats.parser("stripe-balance-change").parse(content, "corpus", "f").records();
    assertThat(asBalanceChange)
        .extracting(SettlementRecord::getRecordType)
        .containsExactly(SettlementRecordType.PAYMENT, SettlementRecordType.CHARGEBACK);
    assertThat(asBalanceChange)
        .extracting(SettlementRecord::getNetAmountMinor)
        .containsExactly(2880L, -4500L);
    assertThat(asBalanceChange)
        .isEqualTo(SettlementFormats.detect(content).parse(content, "corpus", "f").records());
  }

  private ParsedFile parse(String name) throws Exception {
    byte[] content = Files.readAllBytes(corpus.resolve(name));
    return SettlementFormats.detect(content).parse(content, "corpus", "f");
  }

  private List<Path> files() throws IOException {
    try (Stream<Path> walk = Files.walk(corpus)) {
      return walk.filter(Files::isRegularFile)
          .filter(p -> !p.getFileName().toString().equals("README.md"))
          .filter(p -> !p.toString().contains("expected-genkgo-json"))
          .sorted()
          .toList();
    }
  }
}
