package io.settleflow.feeds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.settleflow.avro.SettlementRecord;
import io.settleflow.embedded.KafkaBroker;
import io.settleflow.embedded.SchemaRegistryServer;
import io.settleflow.embedded.TopicContents;
import io.settleflow.schemas.ConfluentRegistryClient;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.Topics;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The importer against a real KRaft broker and a real Apicurio registry (Confluent API). */
@Tag("integration")
class SettlementImporterIT {
  static final Duration START_TIMEOUT = Duration.ofSeconds(120);
  static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

  @TempDir static Path dir;
  static KafkaBroker broker;
  static SchemaRegistryServer registry;
  static Producer<String, byte[]> producer;

  /** One marker reader for the class, as one import run keeps one for all its files. */
  static KafkaImportMarkers markers;

  @BeforeAll
  static void start() {
    broker = KafkaBroker.start(dir.resolve("kafka"), 0, 0, "384m");
    broker.createTopics(
        List.of(Topics.SETTLEMENTS_RAW, Topics.SETTLEMENTS_REJECTED, Topics.SETTLEMENTS_IMPORTS),
        2,
        Set.of(Topics.SETTLEMENTS_IMPORTS));
    registry = SchemaRegistryServer.start(dir.resolve("registry"), 0, false);
    producer = SettlementProducers.createTransactional(broker.bootstrapServers(), "it-shared");
    markers = new KafkaImportMarkers(broker.bootstrapServers());
  }

  static SettlementImporter importer(Producer<String, byte[]> producer) {
    return new SettlementImporter(
        producer,
        new ConfluentWireFormat(new ConfluentRegistryClient(registry.confluentUrl())),
        markers);
  }

  @AfterAll
  static void stop() {
    if (markers != null) {
      markers.close();
    }
    if (producer != null) {
      producer.close(Duration.ofSeconds(10));
    }
    if (registry != null) {
      registry.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void exampleFileIsPublishedAsRecordsAndRejections() throws Exception {
    Path file = copyFixture("example-settlement.csv", "example.csv");

    ImportSummary summary = importer(producer).importFile(file, "example-psp");

    assertThat(summary.linesRead()).isEqualTo(7);
    assertThat(summary.published()).isEqualTo(5);
    assertThat(summary.rejected()).isEqualTo(2);
    String fileId = summary.fileId();

    // A separate client decodes what the importer wrote, resolving ids through the registry.
    ConfluentWireFormat reader =
        new ConfluentWireFormat(new ConfluentRegistryClient(registry.confluentUrl()));
    List<ConsumerRecord<String, byte[]>> raw =
        readUntil(
            Topics.SETTLEMENTS_RAW,
            r -> "example-psp".equals(reader.decode(r.value(), SettlementRecord.class).getSource()),
            5);
    Map<String, SettlementRecord> byKey =
        raw.stream()
            .collect(
                Collectors.toMap(
                    ConsumerRecord::key, r -> reader.decode(r.value(), SettlementRecord.class)));
    assertThat(byKey).containsOnlyKeys("stl-0001", "stl-0002", "stl-0003", "stl-0004", "stl-0005");
    assertThat(byKey.values()).allSatisfy(r -> assertThat(r.getFileId()).isEqualTo(fileId));
    assertThat(byKey.get("stl-0001").getNetAmountMinor()).isEqualTo(11652);
    assertThat(byKey.get("stl-0002").getGrossAmountMinor()).isEqualTo(-2000);
    assertThat(byKey.get("stl-0003").getGrossAmountMinor()).isEqualTo(5000);
    assertThat(byKey.get("stl-0004").getGrossAmountMinor()).isEqualTo(12345);
    assertThat(byKey.get("stl-0004").getSettledAt()).hasToString("2026-11-25T10:00:00Z");
    assertThat(byKey.get("stl-0005").getPaymentReference()).isNull();
    assertThat(byKey.get("stl-0002").getEventId())
        .isEqualTo(SettlementIds.eventId("example-psp", "stl-0002"));

    List<ConsumerRecord<String, byte[]>> rejected =
        readUntil(
            Topics.SETTLEMENTS_REJECTED,
            r -> "example-psp".equals(json(r.value()).path("source").asText()),
            2);
    assertThat(rejected)
        .extracting(ConsumerRecord::key)
        .containsExactlyInAnyOrder(fileId + ":7", fileId + ":8");
    List<String> reasons =
        rejected.stream().map(r -> json(r.value()).path("reason").asText()).toList();
    assertThat(reasons)
        .containsExactlyInAnyOrder(
            "gross_amount: '10.005' has more than 2 decimal places for EUR",
            "settlement_id: 'stl-0002' duplicates line 3 of this file");
  }

  @Test
  void reImportingAFilePublishesNothingNewAndSaysHowManyEntriesItSkipped() throws Exception {
    Path file = copyFixture("bai2/two-accounts.txt", "again.bai2");
    SettlementImporter importer = importer(producer);

    ImportSummary first = importer.importFile(file, "again-bank");
    ImportSummary second = importer.importFile(file, "again-bank");

    assertThat(first.published()).isEqualTo(7);
    assertThat(first.skipped()).isZero();
    assertThat(second.fileId()).isEqualTo(first.fileId());
    assertThat(second.published()).isZero();
    assertThat(second.rejected()).isZero();
    assertThat(second.skipped()).isEqualTo(7);
    assertThat(second.render())
        .contains("7 lines read, 0 published, 0 rejected, 7 skipped as already imported");
    ConfluentWireFormat reader =
        new ConfluentWireFormat(new ConfluentRegistryClient(registry.confluentUrl()));
    List<String> keys =
        readUntil(
                Topics.SETTLEMENTS_RAW,
                r ->
                    "again-bank"
                        .equals(reader.decode(r.value(), SettlementRecord.class).getSource()),
                7)
            .stream()
            .map(ConsumerRecord::key)
            .toList();
    // seven entries once each; the two identical INCOMING WIRE lines stay two records
    assertThat(keys).hasSize(7).doesNotHaveDuplicates();
    assertThat(keys).filteredOn(k -> k.endsWith("#2")).hasSize(1);
    // the same file from another source is another import
    assertThat(importer.importFile(file, "other-bank").published()).isEqualTo(7);
  }

  @Test
  void theMarkerReaderKeptBetweenFilesSeesMarkersCommittedSinceItsLastRead() throws Exception {
    Path file = copyFixture("bai2/two-accounts.txt", "kept-reader.bai2");
    String key =
        ImportMarkers.key(
            "kept-bank", Bai2Parser.FORMAT, SettlementIds.fileId(Files.readAllBytes(file)));
    assertThat(markers.committedEntries(key)).isZero();

    assertThat(importer(producer).importFile(file, "kept-bank").published()).isEqualTo(7);

    // the same consumer reads the topic again, to its new end (the commit markers land on the
    // partitions shortly after commitTransaction returns)
    await()
        .atMost(READ_TIMEOUT)
        .untilAsserted(() -> assertThat(markers.committedEntries(key)).isEqualTo(7));
    // a new importer knows nothing it committed itself: it skips the file by the markers alone
    ImportSummary again = importer(producer).importFile(file, "kept-bank");
    assertThat(again.skipped()).isEqualTo(7);
    assertThat(again.published()).isZero();
  }

  @Test
  void anImportThatDiedMidFileResumesAfterItsLastCommittedChunkWithoutDuplicates()
      throws Exception {
    Path file = copyFixture("bai2/two-accounts.txt", "crash.bai2");
    ConfluentWireFormat wire =
        new ConfluentWireFormat(new ConfluentRegistryClient(registry.confluentUrl()));
    // Chunks of 2 entries; the process "dies" (an Error, nothing aborts) while sending the 6th
    // entry. Sends: e1 e2 marker e3 e4 marker e5 | e6 -> entries 1-4 committed, e5 left open.
    java.util.Properties config = SettlementProducers.config(broker.bootstrapServers());
    config.put(
        org.apache.kafka.clients.producer.ProducerConfig.TRANSACTIONAL_ID_CONFIG,
        SettlementProducers.transactionalId("crash-bank"));
    KafkaProducer<String, byte[]> dying =
        new KafkaProducer<>(config) {
          int sends;

          @Override
          public java.util.concurrent.Future<RecordMetadata> send(
              ProducerRecord<String, byte[]> record, Callback callback) {
            if (++sends == 8) {
              throw new ProcessDied();
            }
            return super.send(record, callback);
          }
        };
    dying.initTransactions();
    SettlementImporter crashing =
        new SettlementImporter(dying, wire, markers, new Bai2Parser(), 2, 0);
    try {
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> crashing.importFile(file, "crash-bank"))
          .isInstanceOf(ProcessDied.class);
    } finally {
      dying.close(Duration.ZERO); // its open transaction (entry 5) is left dangling on the broker
    }

    // The next import of that source fences the dead one and aborts its open transaction.
    try (Producer<String, byte[]> next =
        SettlementProducers.createTransactional(broker.bootstrapServers(), "crash-bank")) {
      ImportSummary resumed = importer(next).importFile(file, "crash-bank");

      assertThat(resumed.skipped()).isEqualTo(4);
      assertThat(resumed.published()).isEqualTo(3);
    }
    ConfluentWireFormat reader =
        new ConfluentWireFormat(new ConfluentRegistryClient(registry.confluentUrl()));
    List<String> keys =
        readUntil(
                Topics.SETTLEMENTS_RAW,
                r ->
                    "crash-bank"
                        .equals(reader.decode(r.value(), SettlementRecord.class).getSource()),
                7)
            .stream()
            .map(ConsumerRecord::key)
            .toList();
    assertThat(keys).hasSize(7).doesNotHaveDuplicates();
  }

  @Test
  void aFileFoundMalformedAtItsEndShowsReadCommittedReadersNothingAndAValidOneIsPublishedOnce()
      throws Exception {
    // one transaction per file, sent while parsing: the cut file's first statement was sent, then
    // its transaction aborted
    String whole = OneTransactionImportTest.statements(2, 0);
    Path cut =
        Files.writeString(dir.resolve("cut-tx.xml"), whole.substring(0, whole.length() - 40));
    Path good = Files.writeString(dir.resolve("good-tx.xml"), whole);
    int entries = 2 * OneTransactionImportTest.ENTRIES_PER_STATEMENT;
    ImportSummary first;
    ImportSummary again;
    try (Producer<String, byte[]> txProducer =
        SettlementProducers.createTransactional(broker.bootstrapServers(), "tx-bank")) {
      SettlementImporter importer = importer(txProducer);
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> importer.importFile(cut, "tx-bank"))
          .isInstanceOf(UnreadableFileException.class);
      first = importer.importFile(good, "tx-bank");
      again = importer(txProducer).importFile(good, "tx-bank");
    }
    assertThat(first.published()).isEqualTo(entries);
    assertThat(again.published()).isZero();
    assertThat(again.skipped()).isEqualTo(entries);

    ConfluentWireFormat reader =
        new ConfluentWireFormat(new ConfluentRegistryClient(registry.confluentUrl()));
    List<SettlementRecord> records =
        readUntil(
                Topics.SETTLEMENTS_RAW,
                r -> "tx-bank".equals(reader.decode(r.value(), SettlementRecord.class).getSource()),
                entries)
            .stream()
            .map(r -> reader.decode(r.value(), SettlementRecord.class))
            .toList();
    assertThat(records).hasSize(entries);
    assertThat(records).extracting(SettlementRecord::getSettlementId).doesNotHaveDuplicates();
    assertThat(records)
        .extracting(SettlementRecord::getFileId)
        .containsOnly(SettlementIds.fileId(Files.readAllBytes(good)));
  }

  /** Stands for a process killed mid-file: not an exception the importer cleans up after. */
  static final class ProcessDied extends Error {
    ProcessDied() {
      super("killed");
    }
  }

  @Test
  void commandLineImportsAFileAndPrintsItsSummary() throws Exception {
    Path file = copyFixture("example-settlement.csv", "cli-example.csv");
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    io.settleflow.runtime.ServiceConfig config =
        new io.settleflow.runtime.ServiceConfig(
            Map.of(
                "SETTLEFLOW_KAFKA_BOOTSTRAP", broker.bootstrapServers(),
                "SETTLEFLOW_REGISTRY_URL", registry.confluentUrl()));

    int exit =
        SettlementImportCli.run(
            List.of("cli-psp", file.toString()),
            config,
            SettlementProducers::createTransactional,
            new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8),
            new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));

    assertThat(exit)
        .as(err.toString(java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo(SettlementImportCli.OK);
    assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8))
        .startsWith(file + " (source cli-psp, file id ")
        .contains("7 lines read, 5 published, 2 rejected")
        .contains("line 7: gross_amount: '10.005' has more than 2 decimal places for EUR");
    String eventId = SettlementIds.eventId("cli-psp", "stl-0001");
    ConfluentWireFormat reader =
        new ConfluentWireFormat(new ConfluentRegistryClient(registry.confluentUrl()));
    assertThat(
            readUntil(
                Topics.SETTLEMENTS_RAW,
                r -> eventId.equals(reader.decode(r.value(), SettlementRecord.class).getEventId()),
                1))
        .hasSize(1);
  }

  /** The matching records committed on the topic, once there are at least {@code count} of them. */
  static List<ConsumerRecord<String, byte[]>> readUntil(
      String topic, Predicate<ConsumerRecord<String, byte[]>> matching, int count) {
    return await()
        .atMost(READ_TIMEOUT)
        .until(
            () ->
                TopicContents.readAll(broker.bootstrapServers(), topic).stream()
                    .filter(matching)
                    .toList(),
            found -> found.size() >= count);
  }

  static Path copyFixture(String name, String as) throws Exception {
    Path target = dir.resolve(as);
    try (InputStream in = SettlementImporterIT.class.getResourceAsStream("/fixtures/" + name)) {
      Files.copy(in, target);
    }
    return target;
  }

  static JsonNode json(byte[] bytes) {
    return SettlementImporterTest.parseJson(bytes);
  }
}
