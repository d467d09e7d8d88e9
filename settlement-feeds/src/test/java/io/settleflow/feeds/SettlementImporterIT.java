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
import org.apache.kafka.clients.producer.Producer;
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

  @BeforeAll
  static void start() {
    broker = KafkaBroker.start(dir.resolve("kafka"), 0, 0, "384m");
    broker.createTopics(List.of(Topics.SETTLEMENTS_RAW, Topics.SETTLEMENTS_REJECTED), 2, Set.of());
    registry = SchemaRegistryServer.start(dir.resolve("registry"), 0, false);
    producer = SettlementProducers.create(broker.bootstrapServers());
  }

  @AfterAll
  static void stop() {
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
    ConfluentWireFormat wire = new ConfluentWireFormat(new ConfluentRegistryClient(registry.confluentUrl()));

    ImportSummary summary = new SettlementImporter(producer, wire).importFile(file, "example-psp");

    assertThat(summary.linesRead()).isEqualTo(7);
    assertThat(summary.published()).isEqualTo(5);
    assertThat(summary.rejected()).isEqualTo(2);
    String fileId = summary.fileId();

    // A separate client decodes what the importer wrote, resolving ids through the registry.
    ConfluentWireFormat reader = new ConfluentWireFormat(new ConfluentRegistryClient(registry.confluentUrl()));
    List<ConsumerRecord<String, byte[]>> raw =
        readUntil(Topics.SETTLEMENTS_RAW, r -> "example-psp".equals(reader.decode(r.value(), SettlementRecord.class).getSource()), 5);
    Map<String, SettlementRecord> byKey =
        raw.stream().collect(Collectors.toMap(ConsumerRecord::key, r -> reader.decode(r.value(), SettlementRecord.class)));
    assertThat(byKey).containsOnlyKeys("stl-0001", "stl-0002", "stl-0003", "stl-0004", "stl-0005");
    assertThat(byKey.values()).allSatisfy(r -> assertThat(r.getFileId()).isEqualTo(fileId));
    assertThat(byKey.get("stl-0001").getNetAmountMinor()).isEqualTo(11652);
    assertThat(byKey.get("stl-0002").getGrossAmountMinor()).isEqualTo(-2000);
    assertThat(byKey.get("stl-0003").getGrossAmountMinor()).isEqualTo(5000);
    assertThat(byKey.get("stl-0004").getGrossAmountMinor()).isEqualTo(12345);
    assertThat(byKey.get("stl-0004").getSettledAt()).hasToString("2026-11-25T10:00:00Z");
    assertThat(byKey.get("stl-0005").getPaymentReference()).isNull();
    assertThat(byKey.get("stl-0002").getEventId()).isEqualTo(SettlementIds.eventId("example-psp", "stl-0002"));

    List<ConsumerRecord<String, byte[]>> rejected =
        readUntil(Topics.SETTLEMENTS_REJECTED, r -> "example-psp".equals(json(r.value()).path("source").asText()), 2);
    assertThat(rejected).extracting(ConsumerRecord::key).containsExactlyInAnyOrder(fileId + ":7", fileId + ":8");
    List<String> reasons = rejected.stream().map(r -> json(r.value()).path("reason").asText()).toList();
    assertThat(reasons)
        .containsExactlyInAnyOrder(
            "gross_amount: '10.005' has more than 2 decimal places for EUR",
            "settlement_id: 'stl-0002' duplicates line 3 of this file");
  }

  @Test
  void importingTheSameFileTwiceRepeatsTheSameEventIds() throws Exception {
    Path file = dir.resolve("twice.csv");
    Files.writeString(
        file,
        SettleflowCsvParserTest.HEADER + "\r\n"
            + SettleflowCsvParserTest.line("settlement_id=twice-1") + "\r\n"
            + SettleflowCsvParserTest.line("settlement_id=twice-2;currency=JPY;gross_amount=700;fee_amount=7;net_amount=693") + "\r\n"
            + SettleflowCsvParserTest.line("settlement_id=twice-3;type=nope") + "\r\n");
    SettlementImporter importer =
        new SettlementImporter(producer, new ConfluentWireFormat(new ConfluentRegistryClient(registry.confluentUrl())));

    ImportSummary first = importer.importFile(file, "twice-psp");
    ImportSummary second = importer.importFile(file, "twice-psp");

    assertThat(second.fileId()).isEqualTo(first.fileId());
    ConfluentWireFormat reader = new ConfluentWireFormat(new ConfluentRegistryClient(registry.confluentUrl()));
    List<SettlementRecord> records =
        readUntil(Topics.SETTLEMENTS_RAW, r -> r.key().startsWith("twice-"), 4).stream()
            .map(r -> reader.decode(r.value(), SettlementRecord.class))
            .toList();
    Map<String, Set<String>> eventIdsBySettlement =
        records.stream().collect(Collectors.groupingBy(SettlementRecord::getSettlementId,
            Collectors.mapping(SettlementRecord::getEventId, Collectors.toSet())));
    assertThat(records).hasSize(4);
    assertThat(eventIdsBySettlement).containsOnlyKeys("twice-1", "twice-2");
    assertThat(eventIdsBySettlement.values()).allSatisfy(ids -> assertThat(ids).hasSize(1));
    assertThat(readUntil(Topics.SETTLEMENTS_REJECTED, r -> r.key().startsWith(first.fileId() + ":"), 2))
        .extracting(ConsumerRecord::key)
        .containsOnly(first.fileId() + ":4");
  }

  @Test
  void commandLineImportsAFileAndPrintsItsSummary() throws Exception {
    Path file = copyFixture("example-settlement.csv", "cli-example.csv");
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    io.settleflow.runtime.ServiceConfig config =
        new io.settleflow.runtime.ServiceConfig(Map.of(
            "SETTLEFLOW_KAFKA_BOOTSTRAP", broker.bootstrapServers(),
            "SETTLEFLOW_REGISTRY_URL", registry.confluentUrl()));

    int exit =
        SettlementImportCli.run(
            List.of("cli-psp", file.toString()), config, SettlementProducers::create,
            new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8),
            new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));

    assertThat(exit).as(err.toString(java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(SettlementImportCli.OK);
    assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8))
        .startsWith(file + " (source cli-psp, file id ")
        .contains("7 lines read, 5 published, 2 rejected")
        .contains("line 7: gross_amount: '10.005' has more than 2 decimal places for EUR");
    String eventId = SettlementIds.eventId("cli-psp", "stl-0001");
    ConfluentWireFormat reader = new ConfluentWireFormat(new ConfluentRegistryClient(registry.confluentUrl()));
    assertThat(readUntil(Topics.SETTLEMENTS_RAW,
        r -> eventId.equals(reader.decode(r.value(), SettlementRecord.class).getEventId()), 1)).hasSize(1);
  }

  /** The matching records committed on the topic, once there are at least {@code count} of them. */
  static List<ConsumerRecord<String, byte[]>> readUntil(
      String topic, Predicate<ConsumerRecord<String, byte[]>> matching, int count) {
    return await()
        .atMost(READ_TIMEOUT)
        .until(
            () -> TopicContents.readAll(broker.bootstrapServers(), topic).stream().filter(matching).toList(),
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
