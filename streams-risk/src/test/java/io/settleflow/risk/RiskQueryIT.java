package io.settleflow.risk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.settleflow.avro.PaymentEvent;
import io.settleflow.embedded.KafkaBroker;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.InMemorySchemaRegistry;
import io.settleflow.schemas.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interactive queries with two instances on 2-partition topics (one real KRaft broker): each
 * instance answers for every merchant and payment, forwarding to the owner when needed; after one
 * instance stops, the other owns and answers everything. Registry in memory: both instances share
 * this JVM, and the registry is not what is under test here.
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RiskQueryIT {
  private static final String APP_ID = "risk-query-it";
  private static final int PARTITIONS = 2;
  private static final int MERCHANTS = 6;
  private static final int PAYMENTS = 30;
  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration RESULT_TIMEOUT = Duration.ofSeconds(90);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  static KafkaBroker broker;
  static final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
  static final RiskConfig config = RiskConfig.defaults();
  static Instance a;
  static Instance b;
  static final HttpClient http = HttpClient.newHttpClient();

  /** One risk engine instance: its Streams client and its query server. */
  record Instance(KafkaStreams streams, RiskQueryServer queries) implements AutoCloseable {
    static Instance start(String name) throws Exception {
      RiskQueryServer queries = RiskQueryServer.start("127.0.0.1", 0);
      HostInfo self = new HostInfo("127.0.0.1", queries.port());
      Properties props =
          RiskStreamsConfig.properties(
              APP_ID,
              broker.bootstrapServers(),
              dir.resolve(name),
              1,
              config,
              "127.0.0.1:" + queries.port());
      KafkaStreams streams =
          new KafkaStreams(RiskTopology.build(config, registry, PARTITIONS), props);
      queries.attach(streams, self, config, registry, Clock.systemUTC());
      streams.start();
      return new Instance(streams, queries);
    }

    String url(String path) {
      return "http://127.0.0.1:" + queries.port() + path;
    }

    @Override
    public void close() {
      streams.close(
          new KafkaStreams.CloseOptions().timeout(Duration.ofSeconds(30)).leaveGroup(true));
      queries.close();
    }
  }

  @BeforeAll
  static void start() throws Exception {
    broker = KafkaBroker.start(dir.resolve("kafka"), 0, 0, "384m");
    broker.createTopics(
        List.of(
            Topics.PAYMENTS_AUTHORIZED,
            Topics.PAYMENTS_CAPTURED,
            Topics.PAYMENTS_REFUNDED,
            Topics.PAYMENTS_CANCELLED,
            Topics.SETTLEMENTS_RAW,
            Topics.RISK_DECISIONS,
            Topics.RISK_DLQ),
        PARTITIONS,
        Set.of());
    broker.createTopics(List.of(Topics.RISK_RULES), 1, Set.of(Topics.RISK_RULES));
    a = Instance.start("a");
    b = Instance.start("b");
    await()
        .atMost(START_TIMEOUT)
        .until(
            () ->
                a.streams().state() == KafkaStreams.State.RUNNING
                    && b.streams().state() == KafkaStreams.State.RUNNING);
  }

  @AfterAll
  static void stop() {
    for (Instance i : new Instance[] {a, b}) {
      if (i != null) {
        i.close();
      }
    }
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  @Order(1)
  void eachInstanceAnswersForEveryMerchantAndPaymentForwardingToTheOwner() throws Exception {
    Map<String, Integer> paymentsPerMerchant = produce();

    // decisions are committed and read back into the decision store: wait until all are served
    await()
        .atMost(RESULT_TIMEOUT)
        .pollInterval(Duration.ofMillis(500))
        .until(() -> allAnswered(a, paymentsPerMerchant) && allAnswered(b, paymentsPerMerchant));

    Set<String> servedBy = new HashSet<>();
    for (Instance asked : List.of(a, b)) {
      for (int p = 0; p < PAYMENTS; p++) {
        JsonNode d = get(asked, "/risk/payments/p-" + p + "/decision");
        assertThat(d.get("payment_id").asText()).isEqualTo("p-" + p);
        assertThat(d.get("merchant_id").asText()).isEqualTo(merchantOf(p));
        assertThat(d.get("outcome").asText()).isEqualTo("APPROVE");
        servedBy.add(d.get("served_by").asText());
      }
      for (Map.Entry<String, Integer> m : paymentsPerMerchant.entrySet()) {
        JsonNode f = get(asked, "/risk/merchants/" + m.getKey() + "/features");
        assertThat(f.get("windows").get("24h").get("count").asLong())
            .as(m.getKey())
            .isEqualTo(m.getValue().longValue());
        assertThat(f.get("open_exposure_minor").get("EUR").asLong())
            .isEqualTo(1_000L * m.getValue());
        servedBy.add(f.get("served_by").asText());
      }
    }
    // both instances own some keys: the other one's answers were forwarded
    assertThat(servedBy)
        .containsExactlyInAnyOrder(
            "127.0.0.1:" + a.queries().port(), "127.0.0.1:" + b.queries().port());
    assertThat(status(a, "/risk/payments/p-unknown/decision")).isEqualTo(404);
  }

  @Test
  @Order(2)
  void afterOneInstanceStopsTheOtherAnswersForAllKeysFromItsOwnStores() throws Exception {
    Map<String, Integer> paymentsPerMerchant = expectedPerMerchant();
    b.close();
    b = null;

    await()
        .atMost(RESULT_TIMEOUT)
        .pollInterval(Duration.ofMillis(500))
        .until(
            () ->
                a.streams().state() == KafkaStreams.State.RUNNING
                    && allAnswered(a, paymentsPerMerchant));
    for (int p = 0; p < PAYMENTS; p++) {
      JsonNode d = get(a, "/risk/payments/p-" + p + "/decision");
      assertThat(d.get("served_by").asText()).isEqualTo("127.0.0.1:" + a.queries().port());
    }
    for (Map.Entry<String, Integer> m : paymentsPerMerchant.entrySet()) {
      JsonNode f = get(a, "/risk/merchants/" + m.getKey() + "/features");
      assertThat(f.get("windows").get("24h").get("count").asLong())
          .isEqualTo(m.getValue().longValue());
    }
  }

  private static Map<String, Integer> produce() throws Exception {
    ConfluentWireFormat wire = new ConfluentWireFormat(registry);
    Instant base = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(120);
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < PAYMENTS; i++) {
        PaymentEvent e =
            Payments.event("e-" + i, "p-" + i, merchantOf(i), 1_000, base.plusMillis(i));
        producer
            .send(
                new ProducerRecord<>(
                    Topics.PAYMENTS_AUTHORIZED,
                    null,
                    e.getOccurredAt().toEpochMilli(),
                    e.getPaymentId(),
                    wire.encode(Topics.PAYMENTS_AUTHORIZED, e)))
            .get();
      }
    }
    return expectedPerMerchant();
  }

  private static Map<String, Integer> expectedPerMerchant() {
    Map<String, Integer> perMerchant = new HashMap<>();
    for (int i = 0; i < PAYMENTS; i++) {
      perMerchant.merge(merchantOf(i), 1, Integer::sum);
    }
    return perMerchant;
  }

  private static String merchantOf(int payment) {
    return "merchant-" + (payment % MERCHANTS);
  }

  private static boolean allAnswered(Instance asked, Map<String, Integer> perMerchant)
      throws Exception {
    for (int p = 0; p < PAYMENTS; p++) {
      if (status(asked, "/risk/payments/p-" + p + "/decision") != 200) {
        return false;
      }
    }
    for (Map.Entry<String, Integer> m : perMerchant.entrySet()) {
      HttpResponse<String> r = send(asked, "/risk/merchants/" + m.getKey() + "/features");
      if (r.statusCode() != 200
          || JSON.readTree(r.body()).get("windows").get("24h").get("count").asLong()
              != m.getValue()) {
        return false;
      }
    }
    return true;
  }

  private static JsonNode get(Instance asked, String path) throws Exception {
    HttpResponse<String> r = send(asked, path);
    assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  private static int status(Instance asked, String path) throws Exception {
    return send(asked, path).statusCode();
  }

  private static HttpResponse<String> send(Instance asked, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(asked.url(path)))
            .timeout(Duration.ofSeconds(10))
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
