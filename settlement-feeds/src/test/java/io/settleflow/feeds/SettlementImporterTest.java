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
      new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
  final SettlementImporter importer = new SettlementImporter(producer, wire);

  @Test
  void recordsGoToRawKeyedBySettlementIdAndBadLinesToRejectedKeyedByFileAndLine() throws Exception {
    Path file = write("batch.csv",
        HEADER + "\n"
            + SettleflowCsvParserTest.line("") + "\n"
            + SettleflowCsvParserTest.line("settlement_id=s-2;currency=ZZZ") + "\n"
            + SettleflowCsvParserTest.line("settlement_id=s-3;type=refund;gross_amount=-1.00;fee_amount=0;net_amount=") + "\n");

    ImportSummary summary = importer.importFile(file, "acme");

    assertThat(producer.flushed()).isTrue();
    assertThat(summary.linesRead()).isEqualTo(3);
    assertThat(summary.published()).isEqualTo(2);
    assertThat(summary.rejected()).isEqualTo(1);
    String fileId = SettlementIds.fileId(Files.readAllBytes(file));
    assertThat(summary.fileId()).isEqualTo(fileId);

    var raw = producer.history().stream().filter(r -> r.topic().equals(Topics.SETTLEMENTS_RAW)).toList();
    assertThat(raw).extracting(ProducerRecord::key).containsExactly("s-1", "s-3");
    SettlementRecord decoded = wire.decode(raw.get(1).value(), SettlementRecord.class);
    assertThat(decoded.getGrossAmountMinor()).isEqualTo(-100);
    assertThat(decoded.getFileId()).isEqualTo(fileId);

    var rejected = producer.history().stream().filter(r -> r.topic().equals(Topics.SETTLEMENTS_REJECTED)).toList();
    assertThat(rejected).singleElement().satisfies(r -> {
      assertThat(r.key()).isEqualTo(fileId + ":3");
      JsonNode json = parseJson(r.value());
      assertThat(json.path("file").asText()).isEqualTo("batch.csv");
      assertThat(json.path("line").asInt()).isEqualTo(3);
      assertThat(json.path("reason").asText()).isEqualTo("currency: 'ZZZ' is not an ISO 4217 code");
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
    Path file = write("no-currency.csv", "settlement_id,payment_reference,merchant_id,type,gross_amount,settled_at\ns,p,m,PAYMENT,1,2026-11-25\n");

    assertThatThrownBy(() -> importer.importFile(file, "acme"))
        .isInstanceOf(UnreadableFileException.class)
        .hasMessage("not a settleflow-csv file: header lacks required column currency");
    assertThat(producer.history()).isEmpty();
  }

  @Test
  void brokerRefusingALineIsReportedAsAPublishFailure() throws Exception {
    MockProducer<String, byte[]> failing =
        new MockProducer<>(false, null, new StringSerializer(), new ByteArraySerializer()) {
          @Override
          public synchronized void flush() {
            errorNext(new TimeoutException("broker unavailable"));
            super.flush();
          }
        };
    Path file = write("one.csv", HEADER + "\n" + SettleflowCsvParserTest.line("") + "\n");

    assertThatThrownBy(() -> new SettlementImporter(failing, wire).importFile(file, "acme"))
        .isInstanceOf(SettlementPublishException.class)
        .hasMessage("publishing one.csv failed: broker unavailable");
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
