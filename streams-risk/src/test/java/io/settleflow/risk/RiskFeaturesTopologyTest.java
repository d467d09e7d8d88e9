package io.settleflow.risk;

import static org.assertj.core.api.Assertions.assertThat;

import io.settleflow.avro.PaymentEvent;
import io.settleflow.avro.PaymentEventType;
import io.settleflow.avro.RiskDecision;
import io.settleflow.avro.SettlementRecord;
import io.settleflow.avro.SettlementRecordType;
import io.settleflow.schemas.AvroSerde;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.InMemorySchemaRegistry;
import io.settleflow.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each stateful feature as a table: a story of money movements on the real input topics, then the
 * feature's value at the last authorization. Every feature is published as a SHADOW rule that
 * always fires, so the decision's shadow_reasons carry each value the topology computed.
 */
class RiskFeaturesTopologyTest {
  private static final Instant T = Instant.parse("2026-11-25T10:00:00Z");
  private static final long EXPOSURE_LIMIT = 10_000;
  private static final RiskConfig CONFIG =
      new RiskConfig(
              500_000,
              100,
              Duration.ofSeconds(60),
              5,
              3,
              Duration.ofDays(2),
              RiskConfig.DEFAULT_ROCKSDB_BLOCK_CACHE_BYTES,
              RiskConfig.DEFAULT_ROCKSDB_WRITE_BUFFER_BYTES)
          .withExposureLimit(EXPOSURE_LIMIT);

  @TempDir Path stateDir;
  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
  private final ConfluentWireFormat wire = new ConfluentWireFormat(registry);
  private final CountingCounters counters = new CountingCounters();
  private TopologyTestDriver driver;
  private final Map<String, TestInputTopic<String, byte[]>> inputs = new HashMap<>();
  private TestOutputTopic<String, RiskDecision> decisions;
  private int sequence;

  /** One money movement of the story: when (after T), what, whose. */
  record Step(
      Duration at,
      PaymentEventType type,
      String merchant,
      String card,
      long amountMinor,
      String currency) {
    @Override
    public String toString() {
      return type + " " + merchant + "/" + card + " " + amountMinor + " " + currency + " @" + at;
    }
  }

  static Stream<Arguments> stories() {
    return Stream.of(
        row(
            "1 m count holds the payments of the last 60 one-second buckets",
            RiskFeature.MERCHANT_COUNT_1M,
            "3",
            auth(s(0), "m1", 100),
            auth(s(30), "m1", 100),
            auth(s(59), "m1", 100)),
        row(
            "1 m count has left the bucket 60 s back",
            RiskFeature.MERCHANT_COUNT_1M,
            "1",
            auth(s(0), "m1", 100),
            auth(s(60), "m1", 100)),
        row(
            "1 h count: other merchants do not count",
            RiskFeature.MERCHANT_COUNT_1H,
            "3",
            auth(m(0), "m1", 100),
            auth(m(10), "m2", 100),
            auth(m(30), "m1", 100),
            auth(m(59), "m1", 100)),
        row(
            "1 h count has left the minute 60 min back",
            RiskFeature.MERCHANT_COUNT_1H,
            "1",
            auth(m(0), "m1", 100),
            auth(m(60), "m1", 100)),
        row(
            "1 m sum of the same currency",
            RiskFeature.MERCHANT_SUM_1M,
            "350",
            auth(s(1), "m1", 100),
            step(s(2), PaymentEventType.AUTHORIZED, "m1", "tok", 999, "USD"),
            auth(s(3), "m1", 250)),
        row(
            "1 h sum",
            RiskFeature.MERCHANT_SUM_1H,
            "600",
            auth(m(1), "m1", 100),
            auth(m(50), "m1", 500)),
        row(
            "24 h sum of the same currency, older days left out",
            RiskFeature.MERCHANT_SUM_24H,
            "400",
            auth(h(0), "m1", 7_000),
            auth(h(1), "m1", 100),
            step(h(2), PaymentEventType.AUTHORIZED, "m1", "tok", 200, "USD"),
            auth(h(24), "m1", 300)),
        row(
            "24 h count of any currency",
            RiskFeature.MERCHANT_COUNT_24H,
            "3",
            auth(h(1), "m1", 100),
            step(h(2), PaymentEventType.AUTHORIZED, "m1", "tok", 200, "USD"),
            auth(h(23), "m1", 300)),
        row(
            "card 1 m count: this card at this merchant only",
            RiskFeature.CARD_COUNT_1M,
            "2",
            step(s(0), PaymentEventType.AUTHORIZED, "m1", "tok-a", 100, "EUR"),
            step(s(1), PaymentEventType.AUTHORIZED, "m1", "tok-b", 100, "EUR"),
            step(s(2), PaymentEventType.AUTHORIZED, "m2", "tok-a", 100, "EUR"),
            step(s(3), PaymentEventType.AUTHORIZED, "m1", "tok-a", 100, "EUR")),
        row(
            "card 1 h count",
            RiskFeature.CARD_COUNT_1H,
            "2",
            step(m(0), PaymentEventType.AUTHORIZED, "m1", "tok-a", 100, "EUR"),
            step(m(59), PaymentEventType.AUTHORIZED, "m1", "tok-a", 100, "EUR")),
        row(
            "card 24 h count",
            RiskFeature.CARD_COUNT_24H,
            "1",
            step(h(0), PaymentEventType.AUTHORIZED, "m1", "tok-a", 100, "EUR"),
            step(h(24), PaymentEventType.AUTHORIZED, "m1", "tok-a", 100, "EUR")),
        row(
            "card 1 m sum",
            RiskFeature.CARD_SUM_1M,
            "300",
            step(s(0), PaymentEventType.AUTHORIZED, "m1", "tok-a", 100, "EUR"),
            step(s(5), PaymentEventType.AUTHORIZED, "m1", "tok-a", 200, "EUR")),
        row(
            "card 1 h sum",
            RiskFeature.CARD_SUM_1H,
            "700",
            step(m(0), PaymentEventType.AUTHORIZED, "m1", "tok-a", 300, "EUR"),
            step(m(5), PaymentEventType.AUTHORIZED, "m1", "tok-b", 999, "EUR"),
            step(m(9), PaymentEventType.AUTHORIZED, "m1", "tok-a", 400, "EUR")),
        row(
            "card 24 h sum",
            RiskFeature.CARD_SUM_24H,
            "500",
            step(h(0), PaymentEventType.AUTHORIZED, "m1", "tok-a", 300, "EUR"),
            step(h(20), PaymentEventType.AUTHORIZED, "m1", "tok-a", 200, "EUR")),
        row(
            "a card's first payment at a merchant",
            RiskFeature.CARD_FIRST_SEEN_AT_MERCHANT,
            "1",
            step(h(0), PaymentEventType.AUTHORIZED, "m2", "tok-a", 100, "EUR"),
            step(h(1), PaymentEventType.AUTHORIZED, "m1", "tok-a", 100, "EUR")),
        row(
            "a card seen at the merchant days ago is not new",
            RiskFeature.CARD_FIRST_SEEN_AT_MERCHANT,
            "0",
            step(Duration.ofDays(0), PaymentEventType.AUTHORIZED, "m1", "tok-a", 100, "EUR"),
            step(Duration.ofDays(20), PaymentEventType.AUTHORIZED, "m1", "tok-a", 100, "EUR")),
        row(
            "a card is forgotten after the card memory",
            RiskFeature.CARD_FIRST_SEEN_AT_MERCHANT,
            "1",
            step(Duration.ofDays(0), PaymentEventType.AUTHORIZED, "m1", "tok-a", 100, "EUR"),
            step(Duration.ofDays(31), PaymentEventType.AUTHORIZED, "m1", "tok-a", 100, "EUR")),
        // 100, 200, 300 earlier: mean 200, population sd 81.65
        row(
            "z-score against the merchant's 24 h mean and spread",
            RiskFeature.AMOUNT_ZSCORE,
            "3.67",
            auth(h(0), "m1", 100),
            auth(h(1), "m1", 200),
            auth(h(2), "m1", 300),
            auth(h(3), "m1", 500)),
        row(
            "refund ratio over the day's captures",
            RiskFeature.MERCHANT_REFUND_RATIO_24H,
            "0.25",
            step(h(0), PaymentEventType.CAPTURED, "m1", "tok", 100, "EUR"),
            step(h(1), PaymentEventType.CAPTURED, "m1", "tok", 100, "EUR"),
            step(h(2), PaymentEventType.CAPTURED, "m1", "tok", 100, "EUR"),
            step(h(3), PaymentEventType.CAPTURED, "m1", "tok", 100, "EUR"),
            step(h(4), PaymentEventType.REFUNDED, "m1", "tok", 100, "EUR"),
            auth(h(5), "m1", 100)),
        row(
            "refund ratio forgets captures older than 24 h",
            RiskFeature.MERCHANT_REFUND_RATIO_24H,
            "1",
            step(h(0), PaymentEventType.CAPTURED, "m1", "tok", 100, "EUR"),
            step(h(25), PaymentEventType.CAPTURED, "m1", "tok", 100, "EUR"),
            step(h(25), PaymentEventType.REFUNDED, "m1", "tok", 100, "EUR"),
            auth(h(26), "m1", 100)),
        row(
            "open exposure: authorized minus cancelled, refunded and settled",
            RiskFeature.MERCHANT_OPEN_EXPOSURE,
            "1400",
            auth(h(0), "m1", 1_000),
            auth(h(1), "m1", 2_000),
            step(h(2), PaymentEventType.CANCELLED, "m1", "tok", 500, "EUR"),
            step(h(3), PaymentEventType.REFUNDED, "m1", "tok", 200, "EUR"),
            step(h(4), null, "m1", null, 1_000, "EUR"), // settled PAYMENT line
            step(h(5), PaymentEventType.CAPTURED, "m1", "tok", 2_000, "EUR"), // still open
            auth(h(6), "m1", 100)),
        row(
            "open exposure ends at the horizon",
            RiskFeature.MERCHANT_OPEN_EXPOSURE,
            "100",
            auth(Duration.ofDays(0), "m1", 1_000),
            auth(Duration.ofDays(32), "m1", 100)),
        row(
            "open exposure against the configured limit",
            RiskFeature.MERCHANT_EXPOSURE_TO_LIMIT,
            "0.5",
            auth(h(0), "m1", 2_000),
            auth(h(1), "m1", 3_000)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stories")
  void eachFeatureHasItsValueAtTheLastAuthorization(
      String name, RiskFeature feature, String expected, List<Step> story) {
    start();
    publishAlwaysFiringShadowRules();
    story.forEach(this::send);

    List<RiskDecision> out = decisions.readValuesToList();
    assertThat(out).isNotEmpty();
    assertThat(featureValues(out.get(out.size() - 1)))
        .containsEntry(feature.documentName(), expected);
  }

  @Test
  void everyFeatureCanBeNamedByARuleAndAReplayedMovementCountsOnce() {
    start();
    publishAlwaysFiringShadowRules();
    Step capture = step(h(0), PaymentEventType.CAPTURED, "m1", "tok", 100, "EUR");
    PaymentEvent captured = event(capture, "e-capture", "p-capture");
    pipe(Topics.PAYMENTS_CAPTURED, captured);
    pipe(Topics.PAYMENTS_CAPTURED, captured); // CDC replay
    send(step(h(1), PaymentEventType.REFUNDED, "m1", "tok", 100, "EUR"));
    send(step(h(2), PaymentEventType.AUTHORIZED, "m1", "tok", 100, "EUR"));

    RiskDecision d = decisions.readValue();
    assertThat(d.getRuleVersions()).hasSize(RiskFeature.values().length);
    assertThat(featureValues(d)).containsEntry("merchant_refund_ratio_24h", "1");
    assertThat(counters.duplicates.get()).isEqualTo(1);
  }

  @Test
  void featuresNoRuleReadsAreStillKeptSoARulePublishedLaterSeesTheHistory() {
    start();
    // the built-in rules read no bucketed feature: the buckets are still written
    send(auth(m(0), "m1", 100));
    send(auth(m(1), "m1", 100));
    send(auth(m(2), "m1", 100));
    publishAlwaysFiringShadowRules();
    send(auth(m(3), "m1", 100));

    List<RiskDecision> out = decisions.readValuesToList();
    assertThat(featureValues(out.get(0))).isEmpty();
    assertThat(featureValues(out.get(3)))
        .containsEntry("merchant_count_1h", "4")
        .containsEntry("merchant_open_exposure", "400");
  }

  @AfterEach
  void stop() {
    if (driver != null) {
      driver.close();
    }
  }

  private void start() {
    driver =
        new TopologyTestDriver(
            RiskTopology.build(CONFIG, registry, counters, 1),
            RiskStreamsConfig.properties("risk-features-test", "unused:9092", stateDir, 1, CONFIG));
    for (String topic :
        List.of(
            Topics.PAYMENTS_AUTHORIZED,
            Topics.PAYMENTS_CAPTURED,
            Topics.PAYMENTS_REFUNDED,
            Topics.PAYMENTS_CANCELLED,
            Topics.SETTLEMENTS_RAW,
            Topics.RISK_RULES)) {
      inputs.put(
          topic, driver.createInputTopic(topic, new StringSerializer(), new ByteArraySerializer()));
    }
    decisions =
        driver.createOutputTopic(
            Topics.RISK_DECISIONS,
            new StringDeserializer(),
            new AvroSerde<>(registry, RiskDecision.class).deserializer());
  }

  private void publishAlwaysFiringShadowRules() {
    for (RiskFeature f : RiskFeature.values()) {
      String id = f.documentName().replace('_', '-');
      String doc =
          "{\"id\": \""
              + id
              + "\", \"version\": 1, \"status\": \"SHADOW\", \"feature\": \""
              + f.documentName()
              + "\", \"comparison\": \">=\", \"threshold\": -1000000000000000000, \"score\": 0, \"action\": \"REVIEW\"}";
      inputs.get(Topics.RISK_RULES).pipeInput(id, doc.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** feature name → value, from shadow reasons {@code id@1: feature value [CUR] >= threshold}. */
  private static Map<String, String> featureValues(RiskDecision d) {
    Map<String, String> values = new HashMap<>();
    for (String reason : d.getShadowReasons()) {
      String[] words = reason.split(" ", -1);
      values.put(words[1], words[2]);
    }
    return values;
  }

  private void send(Step step) {
    int n = ++sequence;
    if (step.type() == null) {
      Instant at = T.plus(step.at());
      SettlementRecord s =
          SettlementRecord.newBuilder()
              .setEventId("s-" + n)
              .setSettlementId("line-" + n)
              .setSource("acquirer")
              .setFileId("file")
              .setLineNumber(n)
              .setRecordType(SettlementRecordType.PAYMENT)
              .setPaymentReference("p-" + n)
              .setMerchantId(step.merchant())
              .setGrossAmountMinor(step.amountMinor())
              .setNetAmountMinor(step.amountMinor())
              .setCurrency(step.currency())
              .setSettledAt(at)
              .build();
      inputs
          .get(Topics.SETTLEMENTS_RAW)
          .pipeInput(
              new TestRecord<>(
                  "line-" + n, wire.encode(Topics.SETTLEMENTS_RAW, s), new RecordHeaders(), at));
      return;
    }
    PaymentEvent e = event(step, "e-" + n, "p-" + n);
    String topic =
        switch (step.type()) {
          case AUTHORIZED -> Topics.PAYMENTS_AUTHORIZED;
          case CAPTURED -> Topics.PAYMENTS_CAPTURED;
          case REFUNDED -> Topics.PAYMENTS_REFUNDED;
          case CANCELLED -> Topics.PAYMENTS_CANCELLED;
        };
    pipe(topic, e);
  }

  private void pipe(String topic, PaymentEvent e) {
    inputs
        .get(topic)
        .pipeInput(
            new TestRecord<>(
                e.getPaymentId(), wire.encode(topic, e), new RecordHeaders(), e.getOccurredAt()));
  }

  private static PaymentEvent event(Step step, String eventId, String paymentId) {
    return PaymentEvent.newBuilder(
            Payments.event(
                eventId, paymentId, step.merchant(), step.amountMinor(), T.plus(step.at())))
        .setEventType(step.type())
        .setCurrency(step.currency())
        .setCardToken(step.card())
        .build();
  }

  private static Arguments row(String name, RiskFeature feature, String expected, Step... story) {
    return Arguments.of(name, feature, expected, new ArrayList<>(Arrays.asList(story)));
  }

  private static Step auth(Duration at, String merchant, long amountMinor) {
    return step(at, PaymentEventType.AUTHORIZED, merchant, "tok-" + merchant, amountMinor, "EUR");
  }

  private static Step step(
      Duration at,
      PaymentEventType type,
      String merchant,
      String card,
      long amountMinor,
      String currency) {
    return new Step(at, type, merchant, card, amountMinor, currency);
  }

  private static Duration s(long seconds) {
    return Duration.ofSeconds(seconds);
  }

  private static Duration m(long minutes) {
    return Duration.ofMinutes(minutes);
  }

  private static Duration h(long hours) {
    return Duration.ofHours(hours);
  }
}
