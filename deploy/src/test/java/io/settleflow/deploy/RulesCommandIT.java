package io.settleflow.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.settleflow.avro.PaymentEvent;
import io.settleflow.avro.PaymentEventType;
import io.settleflow.embedded.KafkaBroker;
import io.settleflow.embedded.SchemaRegistryServer;
import io.settleflow.embedded.TopicContents;
import io.settleflow.schemas.ConfluentRegistryClient;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.Topics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * ./settleflow rules against a real broker (and registry): publish, list, refuse invalid files,
 * delete, backtest over a time range of the ledger topics.
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RulesCommandIT {
  private static final String RULE =
      "{\"id\": \"big-ticket\", \"version\": 2, \"status\": \"SHADOW\", \"feature\": \"amount_minor\", \"comparison\": \">\", \"threshold\": 50000, \"score\": 50, \"action\": \"REVIEW\"}";

  @TempDir static Path dir;
  static KafkaBroker broker;
  static SchemaRegistryServer registry;

  @BeforeAll
  static void start() {
    broker = KafkaBroker.start(dir.resolve("kafka"), 0, 0, "256m");
    registry = SchemaRegistryServer.start(dir.resolve("registry"), 0, false);
    broker.createTopics(List.of(Topics.RISK_RULES), 1, Set.of(Topics.RISK_RULES));
    broker.createTopics(Topics.LEDGER_EVENTS, 2, Set.of());
    new StackEndpoints(
            null,
            null,
            0,
            broker.bootstrapServers(),
            registry.confluentUrl(),
            null,
            null,
            null,
            null,
            dir.toString())
        .write(dir);
  }

  @AfterAll
  static void stop() {
    if (registry != null) {
      registry.close();
    }
    broker.close();
  }

  @Test
  @Order(1)
  void publishedRulesAreListedAndAnInvalidFilePublishesNothing() throws Exception {
    Path good = Files.writeString(dir.resolve("good.json"), "[" + RULE + "]");
    Path bad =
        Files.writeString(
            dir.resolve("bad.json"),
            "["
                + RULE.replace("big-ticket", "other").replace("\"score\": 50", "\"score\": 500")
                + "]");

    assertThat(run("rules", "publish", good.toString(), "--run-dir", dir.toString()))
        .startsWith("0:")
        .contains("published 1 rule");
    assertThat(run("rules", "list", "--run-dir", dir.toString())).contains("\"big-ticket\"");
    // versions only go up: the same version again is refused before anything is sent
    assertThat(run("rules", "publish", good.toString(), "--run-dir", dir.toString()))
        .startsWith("1:")
        .contains("rule big-ticket: version must be above 2")
        .contains("nothing published");

    int before = TopicContents.readAll(broker.bootstrapServers(), Topics.RISK_RULES).size();
    String refused = run("rules", "publish", bad.toString(), "--run-dir", dir.toString());
    assertThat(refused)
        .startsWith("1:")
        .contains("other")
        .contains("score")
        .contains("nothing published");
    assertThat(TopicContents.readAll(broker.bootstrapServers(), Topics.RISK_RULES)).hasSize(before);

    assertThat(run("rules", "delete", "big-ticket", "--run-dir", dir.toString())).startsWith("0:");
    assertThat(run("rules", "list", "--run-dir", dir.toString())).contains("no rules published");
  }

  private static final Instant T = Instant.parse("2026-11-25T10:00:00Z");

  @Test
  @Order(2)
  void aBacktestOverATimeRangeOfTheLedgerTopicsComparesWithTheRulesOnRiskRules() throws Exception {
    ConfluentWireFormat wire =
        new ConfluentWireFormat(new ConfluentRegistryClient(registry.confluentUrl()));
    try (KafkaProducer<String, byte[]> producer = producer(null)) {
      send(producer, wire, authorized("p-0", 900_000, T.minus(Duration.ofHours(1)))); // before
      send(producer, wire, authorized("p-1", 1_000, T.plusSeconds(1)));
      send(producer, wire, authorized("p-2", 20_000, T.plusSeconds(2)));
      send(producer, wire, authorized("p-3", 600_000, T.plusSeconds(3)));
      send(producer, wire, authorized("p-4", 30_000, T.plusSeconds(4)));
      PaymentEvent refund =
          PaymentEvent.newBuilder(authorized("p-2", 5_000, T.plusSeconds(5)))
              .setEventId("e-p-2-refund")
              .setEventType(PaymentEventType.REFUNDED)
              .build();
      send(producer, wire, refund);
      producer
          .send(
              new ProducerRecord<>(
                  Topics.PAYMENTS_AUTHORIZED,
                  null,
                  T.plusSeconds(6).toEpochMilli(),
                  "garbage",
                  "not avro".getBytes(StandardCharsets.UTF_8)))
          .get();
    }
    // an aborted transaction inside the range is never read (read_committed)
    try (KafkaProducer<String, byte[]> tx = producer("backtest-it-aborted")) {
      tx.initTransactions();
      tx.beginTransaction();
      PaymentEvent aborted = authorized("p-x", 800_000, T.plusSeconds(7));
      tx.send(
              new ProducerRecord<>(
                  Topics.PAYMENTS_AUTHORIZED,
                  null,
                  aborted.getOccurredAt().toEpochMilli(),
                  aborted.getPaymentId(),
                  wire.encode(Topics.PAYMENTS_AUTHORIZED, aborted)))
          .get();
      tx.abortTransaction();
    }
    // after the range (record time grows with the offsets, as the CDC relay's does)
    try (KafkaProducer<String, byte[]> producer = producer(null)) {
      send(producer, wire, authorized("p-5", 700_000, T.plus(Duration.ofHours(2))));
    }
    Path inForce =
        Files.writeString(
            dir.resolve("in-force.json"),
            "["
                + RULE.replace("big-ticket", "in-force-limit")
                    .replace("SHADOW", "ACTIVE")
                    .replace("50000", "500000")
                    .replace("\"score\": 50", "\"score\": 80")
                + "]");
    assertThat(run("rules", "publish", inForce.toString(), "--run-dir", dir.toString()))
        .startsWith("0:");
    Path candidates =
        Files.writeString(
            dir.resolve("candidates.json"),
            "["
                + RULE.replace("SHADOW", "ACTIVE")
                    .replace("\"version\": 2", "\"version\": 1")
                    .replace("50000", "10000")
                    .replace("\"score\": 50", "\"score\": 60")
                + "]");
    Path labels = Files.writeString(dir.resolve("labels.txt"), "p-4\n");
    String[] args = {
      "rules",
      "backtest",
      "--rules",
      candidates.toString(),
      "--from",
      T + ".." + T.plus(Duration.ofHours(1)),
      "--labels",
      labels.toString(),
      "--run-dir",
      dir.toString()
    };

    PrintStream err = System.err;
    ByteArrayOutputStream progress = new ByteArrayOutputStream();
    System.setErr(new PrintStream(progress, true, StandardCharsets.UTF_8));
    String first;
    String second;
    try {
      first = run(args);
      second = run(args);
    } finally {
      System.setErr(err);
    }

    assertThat(first)
        .startsWith("0:")
        .contains("rules in force: 1 valid rule(s) on risk.rules")
        .contains("history: 5 events from 6 records")
        .contains("skipped 1: not a PaymentEvent")
        .contains("authorizations decided: 4")
        // p-2, p-3, p-4 flagged; only p-3 by the rule in force; p-4 is the chargeback
        .containsPattern("big-ticket@1\\s+ACTIVE\\s+3\\s+1\\s+0\\.333\\s+1\\.000\\s+1")
        .contains("decisions changed vs the rules in force: 3 of 4")
        .containsPattern("APPROVE -> REVIEW\\s+2")
        .containsPattern("DECLINE -> REVIEW\\s+1");
    assertThat(second).isEqualTo(first);
    assertThat(progress.toString(StandardCharsets.UTF_8))
        .contains("reading payments.*")
        .contains("[########################] pass 2/2 (candidate rules): 5/5 events (100%)");
  }

  private static PaymentEvent authorized(String paymentId, long amountMinor, Instant at) {
    return PaymentEvent.newBuilder()
        .setEventId("e-" + paymentId)
        .setEventType(PaymentEventType.AUTHORIZED)
        .setPaymentId(paymentId)
        .setMerchantId("m-1")
        .setAmountMinor(amountMinor)
        .setCurrency("EUR")
        .setCardToken("tok-1")
        .setCardLast4("4242")
        .setOccurredAt(at)
        .build();
  }

  private static void send(
      KafkaProducer<String, byte[]> producer, ConfluentWireFormat wire, PaymentEvent e)
      throws Exception {
    String topic =
        e.getEventType() == PaymentEventType.AUTHORIZED
            ? Topics.PAYMENTS_AUTHORIZED
            : Topics.PAYMENTS_REFUNDED;
    producer
        .send(
            new ProducerRecord<>(
                topic,
                null,
                e.getOccurredAt().toEpochMilli(),
                e.getPaymentId(),
                wire.encode(topic, e)))
        .get();
  }

  private static KafkaProducer<String, byte[]> producer(String transactionalId) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    if (transactionalId != null) {
      p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    }
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  /** Runs the CLI, returning "exit:" followed by what it printed. */
  private static String run(String... args) {
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      int exit = SettleflowCli.commandLine().execute(args);
      return exit + ":" + captured.toString(StandardCharsets.UTF_8);
    } finally {
      System.setOut(original);
    }
  }
}
