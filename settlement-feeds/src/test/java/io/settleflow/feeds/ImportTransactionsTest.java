package io.settleflow.feeds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.InMemorySchemaRegistry;
import io.settleflow.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Chunked transactions, import markers and resuming, against a transactional mock producer. */
class ImportTransactionsTest {
  @TempDir Path dir;
  final ConfluentWireFormat wire = new ConfluentWireFormat(new InMemorySchemaRegistry());

  /** A mock broker that refuses the send number {@code failAt} (1-based, markers included) once. */
  static final class FlakyProducer extends MockProducer<String, byte[]> {
    int sends;
    int failAt;

    FlakyProducer(int failAt) {
      super(true, null, new StringSerializer(), new ByteArraySerializer());
      this.failAt = failAt;
      initTransactions();
    }

    @Override
    public synchronized Future<RecordMetadata> send(
        ProducerRecord<String, byte[]> record, Callback callback) {
      if (++sends == failAt) {
        throw new KafkaException("broker gone");
      }
      return super.send(record, callback);
    }
  }

  Path csv(int lines) throws Exception {
    StringBuilder text = new StringBuilder(SettleflowCsvParserTest.HEADER).append('\n');
    for (int i = 1; i <= lines; i++) {
      text.append(SettleflowCsvParserTest.line("settlement_id=s-" + i)).append('\n');
    }
    return Files.writeString(dir.resolve("file.csv"), text, StandardCharsets.UTF_8);
  }

  static List<ProducerRecord<String, byte[]>> on(
      MockProducer<String, byte[]> producer, String topic) {
    return producer.history().stream().filter(r -> r.topic().equals(topic)).toList();
  }

  @Test
  void entriesAreCommittedInChunksEachClosedByAMarkerCoveringEveryEntrySoFar() throws Exception {
    Path file = csv(5);
    FlakyProducer producer = new FlakyProducer(-1);

    new SettlementImporter(producer, wire, SettlementImporterTest.markersOf(producer), null, 2, 0)
        .importFile(file, "acme");

    assertThat(producer.commitCount()).isEqualTo(3);
    List<ProducerRecord<String, byte[]>> markers = on(producer, Topics.SETTLEMENTS_IMPORTS);
    String fileId = SettlementIds.fileId(Files.readAllBytes(file));
    assertThat(markers)
        .extracting(ProducerRecord::key)
        .containsOnly(ImportMarkers.key("acme", "settleflow-csv", fileId));
    assertThat(markers)
        .extracting(r -> ImportMarkers.entriesOf(r.value()))
        .containsExactly(2L, 4L, 5L);
    assertThat(SettlementImporterTest.parseJson(markers.get(2).value()).path("done").asBoolean())
        .isTrue();
    assertThat(SettlementImporterTest.parseJson(markers.get(1).value()).path("done").asBoolean())
        .isFalse();
  }

  @Test
  void aFileEndingExactlyAtAChunkBoundaryStillGetsADoneMarker() throws Exception {
    Path file = csv(4);
    FlakyProducer producer = new FlakyProducer(-1);

    new SettlementImporter(producer, wire, SettlementImporterTest.markersOf(producer), null, 2, 0)
        .importFile(file, "acme");

    List<ProducerRecord<String, byte[]>> markers = on(producer, Topics.SETTLEMENTS_IMPORTS);
    assertThat(markers)
        .extracting(r -> ImportMarkers.entriesOf(r.value()))
        .containsExactly(2L, 4L, 4L);
    assertThat(SettlementImporterTest.parseJson(markers.get(2).value()).path("done").asBoolean())
        .isTrue();
  }

  @Test
  void aFailedChunkIsAbortedAndTheNextImportResumesAfterTheLastCommittedOne() throws Exception {
    Path file = csv(5);
    // sends: s-1, s-2, marker, s-3, s-4, marker, s-5 (7th) fails
    FlakyProducer producer = new FlakyProducer(7);
    SettlementImporter importer =
        new SettlementImporter(
            producer, wire, SettlementImporterTest.markersOf(producer), null, 2, 0);

    assertThatThrownBy(() -> importer.importFile(file, "acme"))
        .isInstanceOf(SettlementPublishException.class)
        .hasMessage("publishing file.csv failed: broker gone");
    assertThat(producer.transactionAborted()).isTrue();
    assertThat(on(producer, Topics.SETTLEMENTS_RAW))
        .extracting(ProducerRecord::key)
        .containsExactly("s-1", "s-2", "s-3", "s-4");

    ImportSummary resumed = importer.importFile(file, "acme");

    assertThat(resumed.skipped()).isEqualTo(4);
    assertThat(resumed.published()).isEqualTo(1);
    assertThat(on(producer, Topics.SETTLEMENTS_RAW))
        .extracting(ProducerRecord::key)
        .containsExactly("s-1", "s-2", "s-3", "s-4", "s-5");
  }

  @Test
  void aChunkFailingAfterSomeSendsIsAbortedSoNoneOfItsEntriesAreCommitted() throws Exception {
    Path file = csv(5);
    // sends: s-1, s-2, marker, s-3, s-4 (5th) fails while s-3 is in the open transaction
    FlakyProducer producer = new FlakyProducer(5);
    SettlementImporter importer =
        new SettlementImporter(
            producer, wire, SettlementImporterTest.markersOf(producer), null, 2, 0);

    assertThatThrownBy(() -> importer.importFile(file, "acme"))
        .isInstanceOf(SettlementPublishException.class);

    assertThat(producer.transactionAborted()).isTrue();
    assertThat(on(producer, Topics.SETTLEMENTS_RAW))
        .extracting(ProducerRecord::key)
        .containsExactly("s-1", "s-2");
    ImportSummary resumed = importer.importFile(file, "acme");
    assertThat(resumed.skipped()).isEqualTo(2);
    assertThat(on(producer, Topics.SETTLEMENTS_RAW))
        .extracting(ProducerRecord::key)
        .containsExactly("s-1", "s-2", "s-3", "s-4", "s-5");
  }

  @Test
  void theSameFileReadAsAnotherFormatIsAnotherImport() {
    assertThat(ImportMarkers.key("acme", "camt", "f"))
        .isNotEqualTo(ImportMarkers.key("acme", "settleflow-csv", "f"));
    assertThat(ImportMarkers.key("acme", "camt", "f"))
        .isNotEqualTo(ImportMarkers.key("other", "camt", "f"));
  }

  @Test
  void markerValuesThatAreNotOursCountAsNothingCommitted() {
    assertThat(ImportMarkers.entriesOf(null)).isZero();
    assertThat(ImportMarkers.entriesOf("not json".getBytes(StandardCharsets.UTF_8))).isZero();
    assertThat(ImportMarkers.entriesOf("{\"entries\":-3}".getBytes(StandardCharsets.UTF_8)))
        .isZero();
    assertThat(ImportMarkers.entriesOf(ImportMarkers.value("f", "s", "camt", "id", 42, false)))
        .isEqualTo(42);
  }
}
