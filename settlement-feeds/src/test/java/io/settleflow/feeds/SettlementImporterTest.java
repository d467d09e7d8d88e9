package io.settleflow.feeds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.settleflow.avro.SettlementRecord;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.InMemorySchemaRegistry;
import io.settleflow.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The importer's wiring against a mock producer and an in-memory registry. */
class SettlementImporterTest {
  static final String HEADER = SettleflowCsvParserTest.HEADER;

  @TempDir Path dir;
  final ConfluentWireFormat wire = new ConfluentWireFormat(new InMemorySchemaRegistry());
  final MockProducer<String, byte[]> producer =
      transactional(
          new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer()));
  final SettlementImporter importer = new SettlementImporter(producer, wire, markersOf(producer));

  static MockProducer<String, byte[]> transactional(MockProducer<String, byte[]> producer) {
    producer.initTransactions();
    return producer;
  }

  /**
   * The markers the importer committed through {@code producer}, as the Kafka reader would see
   * them.
   */
  static ImportMarkers markersOf(MockProducer<String, byte[]> producer) {
    return key -> {
      long entries = 0;
      for (ProducerRecord<String, byte[]> r : producer.history()) {
        if (r.topic().equals(Topics.SETTLEMENTS_IMPORTS) && key.equals(r.key())) {
          entries = ImportMarkers.entriesOf(r.value());
        }
      }
      return entries;
    };
  }

  /** What was committed on one topic, in order. */
  java.util.List<ProducerRecord<String, byte[]>> committed(String topic) {
    return producer.history().stream().filter(r -> r.topic().equals(topic)).toList();
  }

  @Test
  void recordsGoToRawKeyedBySettlementIdAndBadLinesToRejectedKeyedByFileAndLine() throws Exception {
    Path file =
        write(
            "batch.csv",
            HEADER
                + "\n"
                + SettleflowCsvParserTest.line("")
                + "\n"
                + SettleflowCsvParserTest.line("settlement_id=s-2;currency=ZZZ")
                + "\n"
                + SettleflowCsvParserTest.line(
                    "settlement_id=s-3;type=refund;gross_amount=-1.00;fee_amount=0;net_amount=")
                + "\n");

    ImportSummary summary = importer.importFile(file, "acme");

    assertThat(producer.flushed()).isTrue();
    assertThat(summary.linesRead()).isEqualTo(3);
    assertThat(summary.published()).isEqualTo(2);
    assertThat(summary.rejected()).isEqualTo(1);
    String fileId = SettlementIds.fileId(Files.readAllBytes(file));
    assertThat(summary.fileId()).isEqualTo(fileId);

    var raw = committed(Topics.SETTLEMENTS_RAW);
    assertThat(raw).extracting(ProducerRecord::key).containsExactly("s-1", "s-3");
    SettlementRecord decoded = wire.decode(raw.get(1).value(), SettlementRecord.class);
    assertThat(decoded.getGrossAmountMinor()).isEqualTo(-100);
    assertThat(decoded.getFileId()).isEqualTo(fileId);

    var rejected = committed(Topics.SETTLEMENTS_REJECTED);
    assertThat(rejected)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.key()).isEqualTo(fileId + ":3");
              JsonNode json = parseJson(r.value());
              assertThat(json.path("file").asText()).isEqualTo("batch.csv");
              assertThat(json.path("line").asInt()).isEqualTo(3);
              assertThat(json.path("reason").asText())
                  .isEqualTo("currency: 'ZZZ' is not an ISO 4217 code");
              assertThat(json.path("field").asText()).isEqualTo("currency");
              assertThat(json.path("problem").asText()).isEqualTo("'ZZZ' is not an ISO 4217 code");
              assertThat(json.get("xml_path").isNull()).isTrue();
              assertThat(json.path("file_id").asText()).isEqualTo(fileId);
              assertThat(json.path("source").asText()).isEqualTo("acme");
            });
  }

  @Test
  void missingFileIsAOneLineErrorAndPublishesNothing() {
    assertThatThrownBy(() -> importer.importFile(dir.resolve("nope.csv"), "acme"))
        .isInstanceOf(UnreadableFileException.class)
        .hasMessage("no such file: " + dir.resolve("nope.csv"));
    assertThat(producer.history()).isEmpty();
  }

  @Test
  void directoryIsAOneLineError() {
    assertThatThrownBy(() -> importer.importFile(dir, "acme"))
        .isInstanceOf(UnreadableFileException.class)
        .hasMessage(dir + " is a directory, not a file");
  }

  @Test
  void fileMissingAColumnPublishesNothing() throws Exception {
    Path file =
        write(
            "no-currency.csv",
            "settlement_id,payment_reference,merchant_id,type,gross_amount,settled_at\ns,p,m,PAYMENT,1,2026-11-25\n");

    assertThatThrownBy(() -> importer.importFile(file, "acme"))
        .isInstanceOf(UnreadableFileException.class)
        .hasMessage("not a settleflow-csv file: header lacks required column currency");
    assertThat(producer.history()).isEmpty();
  }

  @Test
  void brokerRefusingALineIsReportedAsAPublishFailure() throws Exception {
    MockProducer<String, byte[]> failing =
        transactional(
            new MockProducer<>(false, null, new StringSerializer(), new ByteArraySerializer()) {
              @Override
              public synchronized void flush() {
                errorNext(new TimeoutException("broker unavailable"));
                super.flush();
              }
            });
    Path file = write("one.csv", HEADER + "\n" + SettleflowCsvParserTest.line("") + "\n");

    assertThatThrownBy(
            () ->
                new SettlementImporter(failing, wire, ImportMarkers.NONE).importFile(file, "acme"))
        .isInstanceOf(SettlementPublishException.class)
        .hasMessage("publishing one.csv failed: broker unavailable");
  }

  /**
   * camt's fast reader hands on hundreds of entries before the last one leaves its subset (a CDATA
   * section); Woodstox then reads the file again: every entry is published once, in file order.
   */
  @Test
  void aCamtStatementThatLeavesTheFastReadersSubsetLateIsPublishedOnceEachEntry() throws Exception {
    int entries = 1_500; // about three hand-off batches before the fallback
    StringBuilder body = new StringBuilder();
    for (int i = 1; i < entries; i++) {
      body.append(CamtParserTest.good(i)).append('\n');
    }
    body.append(
        CamtParserTest.good(entries)
            .replace("</Ntry>", "<AddtlNtryInf><![CDATA[note]]></AddtlNtryInf></Ntry>"));
    Path file = write("late-cdata.xml", provenStatement("0.00", entries + ".00", body.toString()));

    ImportSummary summary = importer.importFile(file, "bank");

    assertThat(summary.published()).isEqualTo(entries);
    assertThat(summary.warnings()).isEmpty();
    assertThat(committed(Topics.SETTLEMENTS_RAW))
        .extracting(ProducerRecord::key)
        .containsExactlyElementsOf(
            java.util.stream.IntStream.rangeClosed(1, entries)
                .mapToObj(i -> "S:REF-" + i)
                .toList());
  }

  /** A camt.053.001.08 statement in EUR with opening and closing booked balances (credit). */
  private static String provenStatement(String opening, String closing, String entries) {
    return CamtParserTest.statement(
        "08",
        CamtParserTest.bal("OPBD", "EUR", opening, "CRDT")
            + CamtParserTest.bal("CLBD", "EUR", closing, "CRDT")
            + entries);
  }

  @Test
  void aCamtStatementIsDetectedStreamedAndPublishedWithItsProofWarningInTheSummary()
      throws Exception {
    Path file =
        write(
            "statement.xml",
            provenStatement(
                "10.00",
                "12.00",
                CamtParserTest.good(1) + CamtParserTest.entry("REF-2", "1.00", "CRDT", "PDNG")));

    ImportSummary summary = importer.importFile(file, "bank");

    String fileId = SettlementIds.fileId(Files.readAllBytes(file));
    assertThat(summary.format()).isEqualTo("camt");
    assertThat(summary.fileId()).isEqualTo(fileId);
    assertThat(summary.published()).isEqualTo(1);
    assertThat(summary.rejected()).isEqualTo(1);
    assertThat(summary.warnings())
        .extracting(FileWarning::reason)
        .containsExactly(
            "statement S: balance proof failed: OPBD 10.00 + booked entries 1.00 = 11.00 EUR, but CLBD is 12.00");
    assertThat(summary.render())
        .contains("1 warning\n")
        .contains("warnings (records published, check them):");
    assertThat(committed(Topics.SETTLEMENTS_REJECTED))
        .singleElement()
        .satisfies(
            r -> {
              JsonNode json = parseJson(r.value());
              assertThat(json.path("xml_path").asText())
                  .isEqualTo("/Document/BkToCstmrStmt/Stmt[1]/Ntry[2]");
              assertThat(json.path("field").asText()).isEqualTo("Ntry/Sts");
              assertThat(json.path("problem").asText()).isEqualTo("'PDNG' entry is not booked");
              assertThat(json.path("line").asInt()).isEqualTo(2);
            });
    var raw = committed(Topics.SETTLEMENTS_RAW);
    assertThat(raw)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.key()).isEqualTo("S:REF-1");
              assertThat(wire.decode(r.value(), SettlementRecord.class).getFileId())
                  .isEqualTo(fileId);
              // the proof fails at the statement's end; the streamed record still carries the flag
              assertThat(wire.decode(r.value(), SettlementRecord.class).getStatementProofFailed())
                  .isTrue();
            });
  }

  @Test
  void aTruncatedStatementPublishesNothing() throws Exception {
    String whole = CamtParserTest.statement("08", CamtParserTest.good(1) + CamtParserTest.good(2));
    Path file = write("cut.xml", whole.substring(0, whole.length() - 20));

    assertThatThrownBy(() -> importer.importFile(file, "bank"))
        .isInstanceOf(UnreadableFileException.class)
        .hasMessageStartingWith("not well-formed XML at line 3: ");
    assertThat(producer.history()).isEmpty();
  }

  @Test
  void anExplicitFormatOverridesDetection() throws Exception {
    Path file = write("statement.csv", CamtParserTest.statement("02", CamtParserTest.good(1)));
    assertThatThrownBy(() -> importer.importFile(file, "bank", "settleflow-csv"))
        .isInstanceOf(UnreadableFileException.class)
        .hasMessageStartingWith("not a settleflow-csv file");
    assertThat(importer.importFile(file, "bank", "CAMT").published()).isEqualTo(1);
    assertThatThrownBy(() -> importer.importFile(file, "bank", "mt940"))
        .isInstanceOf(UnreadableFileException.class)
        .hasMessageStartingWith("unknown format 'mt940'; known: settleflow-csv, camt");
  }

  @Test
  void aProcessorReportIsDetectedAndIdenticalLinesArePublishedAsDistinctRecords() throws Exception {
    String line = "po_1,,fee,-1.50,0,-1.50,EUR,2026-11-25 12:00:00,,";
    Path file =
        write(
            "payout.csv",
            ReportCsvParserTest.STRIPE_HEADER + "\r\n" + line + "\r\n" + line + "\r\n");

    ImportSummary first = importer.importFile(file, "stripe");
    ImportSummary again = importer.importFile(file, "stripe");

    assertThat(first.format()).isEqualTo("stripe-payout-reconciliation");
    assertThat(first.published()).isEqualTo(2);
    var keys = committed(Topics.SETTLEMENTS_RAW).stream().map(ProducerRecord::key).toList();
    // identical lines stay two records; the re-import publishes neither again
    assertThat(keys).hasSize(2);
    assertThat(keys.get(1)).isEqualTo(keys.get(0) + "#2");
    assertThat(again.fileId()).isEqualTo(first.fileId());
    assertThat(again.published()).isZero();
    assertThat(again.skipped()).isEqualTo(2);
  }

  @Test
  void aStreamedEntryThatCannotBeEncodedFailsTheImportAndPublishesNothing() throws Exception {
    // Encoding runs on the spool writer's thread: its failure must still stop the import.
    StreamingSettlementParser parser =
        new StreamingSettlementParser() {
          @Override
          public String format() {
            return "test-stream";
          }

          @Override
          public void parse(
              java.io.InputStream content,
              String source,
              String fileId,
              ParsedLineSink sink,
              java.util.BitSet failedProofs) {
            for (int i = 1; i <= 3_000; i++) {
              sink.accept(
                  new ParsedRecord(
                      i,
                      SettlementRecord.newBuilder()
                          .setEventId(SettlementIds.eventId(source, "s-" + i))
                          .setSettlementId("s-" + i)
                          .setSource(source)
                          .setFileId(fileId)
                          .setLineNumber(i)
                          .setRecordType(io.settleflow.avro.SettlementRecordType.PAYMENT)
                          .setGrossAmountMinor(100)
                          .setNetAmountMinor(100)
                          .setCurrency("EUR")
                          .setSettledAt(java.time.Instant.EPOCH)
                          .build()));
            }
            sink.accept(new ParsedRecord(3_001, new SettlementRecord())); // required fields null
            sink.statementEnded(1);
          }
        };
    SettlementImporter streaming =
        new SettlementImporter(producer, wire, markersOf(producer), parser);
    Path file = write("stream.bin", "the parser above ignores these bytes");

    assertThatThrownBy(() -> streaming.importFile(file, "acme"))
        .isInstanceOf(RuntimeException.class);
    assertThat(committed(Topics.SETTLEMENTS_RAW)).isEmpty();
    assertThat(committed(Topics.SETTLEMENTS_IMPORTS)).isEmpty();
  }

  Path write(String name, String text) throws Exception {
    return Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
  }

  static JsonNode parseJson(byte[] bytes) {
    try {
      return new ObjectMapper().readTree(bytes);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }
}
