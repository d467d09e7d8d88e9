package io.settleflow.risk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.settleflow.avro.PaymentEvent;
import io.settleflow.avro.RiskDecision;
import io.settleflow.avro.RiskOutcome;
import io.settleflow.schemas.AvroSerde;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.InMemorySchemaRegistry;
import io.settleflow.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The topology on one partition, event time driven by occurred_at. See RiskTopologyIT for 3. */
class RiskTopologyTest {
  private static final Instant T = Instant.parse("2026-11-25T10:00:00Z");
  private static final int VELOCITY_MAX = 3;
  private static final Duration WINDOW = Duration.ofSeconds(60);
  private static final Duration DEDUPE_RETENTION = Duration.ofMinutes(10);
  private static final RiskConfig CONFIG =
      new RiskConfig(
          500_000,
          VELOCITY_MAX,
          WINDOW,
          5,
          2,
          DEDUPE_RETENTION,
          RiskConfig.DEFAULT_ROCKSDB_BLOCK_CACHE_BYTES,
          RiskConfig.DEFAULT_ROCKSDB_WRITE_BUFFER_BYTES);

  @TempDir Path stateDir;
  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
  private final ConfluentWireFormat wire = new ConfluentWireFormat(registry);
  private final CountingCounters counters = new CountingCounters();
  private TopologyTestDriver driver;
  private TestInputTopic<String, byte[]> payments;
  private TestOutputTopic<String, RiskDecision> decisions;
  private TestOutputTopic<String, byte[]> deadLetters;
  private TestInputTopic<String, byte[]> rules;

  @BeforeEach
  void start() {
    driver =
        new TopologyTestDriver(
            RiskTopology.build(CONFIG, registry, counters, 1),
            RiskStreamsConfig.properties("risk-test", "unused:9092", stateDir, 1, CONFIG));
    payments =
        driver.createInputTopic(
            Topics.PAYMENTS_AUTHORIZED, new StringSerializer(), new ByteArraySerializer());
    decisions =
        driver.createOutputTopic(
            Topics.RISK_DECISIONS,
            new StringDeserializer(),
            new AvroSerde<>(registry, RiskDecision.class).deserializer());
    deadLetters =
        driver.createOutputTopic(
            Topics.RISK_DLQ, new StringDeserializer(), new ByteArrayDeserializer());
    rules =
        driver.createInputTopic(
            Topics.RISK_RULES, new StringSerializer(), new ByteArraySerializer());
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  @Test
  void anEventDeliveredThreeTimesIsDecidedOnce() {
    PaymentEvent e = Payments.event("e-1", "p-1", "m-1", 1_000, T);

    send(e, T);
    send(e, T.plusSeconds(1));
    send(e, T.plusSeconds(30)); // CDC replay after a crash, later on the wire

    List<TestRecord<String, RiskDecision>> out = decisions.readRecordsToList();
    assertThat(out).hasSize(1);
    assertThat(out.get(0).key()).isEqualTo("p-1");
    assertThat(out.get(0).value().getSourceEventId()).isEqualTo("e-1");
    assertThat(counters.duplicates.get()).isEqualTo(2);
    assertThat(counters.decisions.get()).isEqualTo(1);
  }

  @Test
  void distinctEventsOfOnePaymentAreEachDecided() {
    send(Payments.event("e-1", "p-1", "m-1", 1_000, T), T);
    send(Payments.event("e-2", "p-1", "m-1", 1_000, T.plusSeconds(1)), T.plusSeconds(1));
    send(Payments.event("e-1", "p-1", "m-1", 1_000, T), T.plusSeconds(2));

    assertThat(decisions.readValuesToList())
        .extracting(RiskDecision::getSourceEventId)
        .containsExactly("e-1", "e-2");
  }

  @Test
  void aDecisionCarriesDeterministicIdsAndTheEventTime() {
    Instant occurred = T.plusMillis(123);
    send(Payments.event("e-7", "p-7", "m-1", 2_500, occurred), occurred.plusSeconds(2));

    TestRecord<String, RiskDecision> out = decisions.readRecord();
    RiskDecision d = out.value();
    assertThat(out.key()).isEqualTo("p-7");
    assertThat(out.getRecordTime()).isEqualTo(occurred);
    assertThat(d.getEventId())
        .isEqualTo(UUID.nameUUIDFromBytes("risk:e-7".getBytes(StandardCharsets.UTF_8)).toString());
    assertThat(d.getDecidedAt()).isEqualTo(occurred);
    assertThat(d.getPaymentId()).isEqualTo("p-7");
    assertThat(d.getMerchantId()).isEqualTo("m-1");
    assertThat(d.getAmountMinor()).isEqualTo(2_500);
    assertThat(d.getCurrency()).isEqualTo("EUR");
    assertThat(d.getOutcome()).isEqualTo(RiskOutcome.APPROVE);
    assertThat(d.getScore()).isZero();
    assertThat(d.getRuleVersions())
        .containsExactlyElementsOf(
            List.of("amount-limit@1", "merchant-velocity@1", "merchant-mean-multiple@1"));
  }

  @Test
  void garbageGoesToTheDeadLetterTopicAndTheNextRecordIsStillDecided() {
    Headers cdcHeaders = new RecordHeaders().add("id", "outbox-1".getBytes(StandardCharsets.UTF_8));
    byte[] garbage = "not avro at all".getBytes(StandardCharsets.UTF_8);
    payments.pipeInput(new TestRecord<>("p-bad", garbage, cdcHeaders, T));
    send(Payments.event("e-1", "p-1", "m-1", 1_000, T), T);

    List<TestRecord<String, byte[]>> dead = deadLetters.readRecordsToList();
    assertThat(dead).hasSize(1);
    TestRecord<String, byte[]> d = dead.get(0);
    assertThat(d.key()).isEqualTo("p-bad");
    assertThat(d.value()).isEqualTo(garbage);
    assertThat(header(d, "error.class")).isEqualTo("io.settleflow.schemas.WireFormatException");
    assertThat(header(d, "error.message")).contains("magic byte");
    assertThat(header(d, "source.topic")).isEqualTo(Topics.PAYMENTS_AUTHORIZED);
    assertThat(header(d, "id")).isEqualTo("outbox-1");
    assertThat(decisions.readValuesToList())
        .extracting(RiskDecision::getSourceEventId)
        .containsExactly("e-1");
    assertThat(counters.deadLetters.get()).isEqualTo(1);
  }

  @Test
  void unknownSchemaIdsAndContractBreachesAreDeadLettered() {
    byte[] unknownSchema = {0, 0, 0, 0, 99, 1, 2, 3};
    payments.pipeInput(new TestRecord<>("p-x", unknownSchema, new RecordHeaders(), T));
    PaymentEvent wrongKey = Payments.event("e-2", "p-2", "m-1", 1_000, T);
    payments.pipeInput(new TestRecord<>("p-other", encode(wrongKey), new RecordHeaders(), T));
    PaymentEvent negative = Payments.event("e-3", "p-3", "m-1", -1, T);
    payments.pipeInput(new TestRecord<>("p-3", encode(negative), new RecordHeaders(), T));
    payments.pipeInput(new TestRecord<>("p-4", (byte[]) null, new RecordHeaders(), T));

    List<TestRecord<String, byte[]>> dead = deadLetters.readRecordsToList();
    assertThat(dead).extracting(TestRecord::key).containsExactly("p-x", "p-other", "p-3", "p-4");
    assertThat(dead)
        .extracting(r -> header(r, "error.class"))
        .containsExactly(
            "io.settleflow.schemas.SchemaRegistryException",
            InvalidPaymentEventException.class.getName(),
            InvalidPaymentEventException.class.getName(),
            "io.settleflow.schemas.WireFormatException");
    assertThat(header(dead.get(1), "error.message"))
        .isEqualTo("record key does not match payment_id");
    assertThat(decisions.isEmpty()).isTrue();
  }

  @Test
  void velocityFiresOnTheFourthPaymentWithinTheWindowAndNotOnceTheWindowHasPassed() {
    for (int i = 0; i < VELOCITY_MAX + 1; i++) {
      Instant at = T.plusSeconds(i);
      send(Payments.event("e-" + i, "p-" + i, "m-busy", 1_000, at), at);
    }
    // a later payment whose window (t - 60 s, t] holds only the 4th: no velocity
    Instant later = T.plusSeconds(VELOCITY_MAX).plus(WINDOW).minusMillis(1);
    send(Payments.event("e-later", "p-later", "m-busy", 1_000, later), later);
    // another merchant is not affected by m-busy's traffic
    send(Payments.event("e-calm", "p-calm", "m-calm", 1_000, T.plusSeconds(5)), T.plusSeconds(5));

    List<RiskDecision> out = decisions.readValuesToList();
    assertThat(out)
        .extracting(RiskDecision::getSourceEventId, RiskDecision::getOutcome)
        .containsExactly(
            tuple("e-0", RiskOutcome.APPROVE),
            tuple("e-1", RiskOutcome.APPROVE),
            tuple("e-2", RiskOutcome.APPROVE),
            tuple("e-3", RiskOutcome.REVIEW),
            tuple("e-later", RiskOutcome.APPROVE),
            tuple("e-calm", RiskOutcome.APPROVE));
    assertThat(out.get(3).getReasons())
        .singleElement()
        .asString()
        .startsWith("merchant-velocity@1:");
    assertThat(out.get(4).getReasons()).isEmpty();
  }

  @Test
  void anAmountFarAboveTheMerchantMeanIsSentToReview() {
    send(Payments.event("e-1", "p-1", "m-1", 1_000, T), T);
    send(Payments.event("e-2", "p-2", "m-1", 1_000, T.plusSeconds(1)), T.plusSeconds(1));
    send(Payments.event("e-3", "p-3", "m-1", 5_001, T.plusSeconds(2)), T.plusSeconds(2));

    RiskDecision last = decisions.readValuesToList().get(2);
    assertThat(last.getOutcome()).isEqualTo(RiskOutcome.REVIEW);
    assertThat(last.getReasons())
        .singleElement()
        .asString()
        .startsWith("merchant-mean-multiple@1:");
  }

  @Test
  void anEventIdIsRememberedWithinTheRetentionAndForgottenAfterIt() {
    PaymentEvent first = Payments.event("e-1", "p-1", "m-1", 1_000, T);
    send(first, T);
    Instant withinRetention = T.plus(DEDUPE_RETENTION).minusSeconds(60);
    send(Payments.event("e-2", "p-1", "m-1", 1_000, withinRetention), withinRetention);
    send(first, withinRetention);
    assertThat(decisions.readValuesToList())
        .extracting(RiskDecision::getSourceEventId)
        .containsExactly("e-1", "e-2");

    // event time moves well past the retention: the id (and its state) is gone
    Instant muchLater = T.plus(DEDUPE_RETENTION.multipliedBy(3));
    send(Payments.event("e-3", "p-1", "m-1", 1_000, muchLater), muchLater);
    send(first, muchLater);
    assertThat(decisions.readValuesToList())
        .extracting(RiskDecision::getSourceEventId)
        .containsExactly("e-3", "e-1");
  }

  @Test
  void theMerchantStoreKeepsOnlyTheWindowPlusLateness() {
    send(Payments.event("e-1", "p-1", "m-1", 1_000, T), T);
    Instant later =
        T.plus(WINDOW).plus(RiskTopology.MERCHANT_WINDOW_LATENESS).plus(Duration.ofMinutes(10));
    send(Payments.event("e-2", "p-2", "m-1", 1_000, later), later);

    ReadOnlyKeyValueStore<String, byte[]> store = merchantHistories();
    EntityHistory kept = EntityHistory.decode(store.get(FeatureState.merchantKey("m-1")));
    // over a whole day back from the later payment, only it is left in the exact window's log
    assertThat(kept.velocity(later.toEpochMilli(), Duration.ofDays(1).toMillis(), "EUR"))
        .isEqualTo(new MerchantActivity(1, 1, 1_000));
  }

  /** The merchants' entries as committed (the driver commits after every record). */
  @SuppressWarnings("unchecked")
  private ReadOnlyKeyValueStore<String, byte[]> merchantHistories() {
    // not a KeyValueStore (an EntityHistoryStore), which the driver's typed getters refuse
    return (ReadOnlyKeyValueStore<String, byte[]>)
        driver.getAllStateStores().get(RiskTopology.HISTORY_STORE);
  }

  @Test
  void expiredMerchantAndCardEntriesAreSweptFromTheirStores() {
    // a sweep every 2 scored events instead of 256: each record commits (and flushes RocksDB) here
    driver.close();
    driver =
        new TopologyTestDriver(
            RiskTopology.build(CONFIG, registry, counters, 2, 1),
            RiskStreamsConfig.properties("risk-test", "unused:9092", stateDir, 1, CONFIG));
    payments =
        driver.createInputTopic(
            Topics.PAYMENTS_AUTHORIZED, new StringSerializer(), new ByteArraySerializer());
    ReadOnlyKeyValueStore<String, byte[]> merchants = merchantHistories();
    KeyValueStore<String, byte[]> cards = driver.getKeyValueStore(RiskTopology.CARD_HISTORY_STORE);
    send(Payments.event("e-0", "p-0", "m-1", 1_000, T), T);
    assertThat(merchants.get(FeatureState.merchantKey("m-1"))).isNotNull();
    assertThat(cards.get(FeatureState.cardKey("m-1", "tok_p-0"))).isNotNull();

    // past every memory (30 d exposure horizon and card memory): the next sweep deletes m-1's
    Instant later = T.plus(Duration.ofDays(400));
    send(Payments.event("e-1", "p-1", "m-2", 1_000, later), later);

    assertThat(merchants.get(FeatureState.merchantKey("m-1"))).isNull();
    assertThat(cards.get(FeatureState.cardKey("m-1", "tok_p-0"))).isNull();
    assertThat(merchants.get(FeatureState.merchantKey("m-2"))).isNotNull();
    assertThat(cards.get(FeatureState.cardKey("m-2", "tok_p-1"))).isNotNull();
  }

  // rules from risk.rules (CONFIG's defaults: amount limit 500000, velocity 3, mean 5x of 2)

  @Test
  void aPublishedRuleFiresOnTheNextPaymentAndReplacesTheDefaults() {
    publish(
        "big-ticket", rule("big-ticket", 1, "ACTIVE", "amount_minor", ">", 10_000, 60, "REVIEW"));
    send(Payments.event("e-1", "p-1", "m-1", 20_000, T), T);

    RiskDecision d = decisions.readValue();
    assertThat(d.getOutcome()).isEqualTo(RiskOutcome.REVIEW);
    assertThat(d.getScore()).isEqualTo(60);
    assertThat(d.getReasons()).containsExactly("big-ticket@1: amount_minor 20000 EUR > 10000");
    assertThat(d.getRuleVersions()).containsExactly("big-ticket@1");
  }

  @Test
  void aNewVersionAppliesToTheNextPaymentWithoutRestartAndATombstoneRemovesIt() {
    publish(
        "big-ticket", rule("big-ticket", 1, "ACTIVE", "amount_minor", ">", 10_000, 60, "REVIEW"));
    send(Payments.event("e-1", "p-1", "m-1", 20_000, T), T);
    publish(
        "big-ticket", rule("big-ticket", 2, "ACTIVE", "amount_minor", ">", 50_000, 60, "REVIEW"));
    send(Payments.event("e-2", "p-2", "m-1", 20_000, T.plusSeconds(1)), T.plusSeconds(1));
    send(Payments.event("e-3", "p-3", "m-1", 60_000, T.plusSeconds(2)), T.plusSeconds(2));
    rules.pipeInput("big-ticket", null); // tombstone: back to the defaults
    send(Payments.event("e-4", "p-4", "m-2", 60_000, T.plusSeconds(3)), T.plusSeconds(3));

    List<RiskDecision> out = decisions.readValuesToList();
    assertThat(out)
        .extracting(
            RiskDecision::getSourceEventId, RiskDecision::getOutcome, d -> d.getRuleVersions())
        .containsExactly(
            tuple("e-1", RiskOutcome.REVIEW, List.of("big-ticket@1")),
            tuple("e-2", RiskOutcome.APPROVE, List.of("big-ticket@2")),
            tuple("e-3", RiskOutcome.REVIEW, List.of("big-ticket@2")),
            tuple(
                "e-4",
                RiskOutcome.APPROVE,
                List.of("amount-limit@1", "merchant-velocity@1", "merchant-mean-multiple@1")));
    assertThat(out.get(2).getReasons())
        .containsExactly("big-ticket@2: amount_minor 60000 EUR > 50000");
  }

  @Test
  void anOutOfOrderOlderVersionNeverRollsTheRuleBack() {
    publish(
        "big-ticket", rule("big-ticket", 2, "ACTIVE", "amount_minor", ">", 50_000, 60, "REVIEW"));
    send(Payments.event("e-1", "p-1", "m-1", 20_000, T), T);
    // version 1 arrives late (a retried publish, a second analyst): ignored and counted
    publish(
        "big-ticket", rule("big-ticket", 1, "ACTIVE", "amount_minor", ">", 10_000, 60, "REVIEW"));
    send(Payments.event("e-2", "p-2", "m-1", 20_000, T.plusSeconds(1)), T.plusSeconds(1));
    publish(
        "big-ticket", rule("big-ticket", 3, "ACTIVE", "amount_minor", ">", 10_000, 60, "REVIEW"));
    send(Payments.event("e-3", "p-3", "m-1", 20_000, T.plusSeconds(2)), T.plusSeconds(2));

    assertThat(decisions.readValuesToList())
        .extracting(
            RiskDecision::getSourceEventId, RiskDecision::getOutcome, d -> d.getRuleVersions())
        .containsExactly(
            tuple("e-1", RiskOutcome.APPROVE, List.of("big-ticket@2")),
            tuple("e-2", RiskOutcome.APPROVE, List.of("big-ticket@2")),
            tuple("e-3", RiskOutcome.REVIEW, List.of("big-ticket@3")));
    assertThat(counters.staleRules.get()).isEqualTo(1);
    assertThat(counters.invalidRules.get()).isZero();
  }

  @Test
  void aShadowRuleIsRecordedApartAndNeverChangesTheOutcome() {
    publish(
        "amount-limit",
        rule("amount-limit", 2, "ACTIVE", "amount_minor", ">", 500_000, 60, "REVIEW"));
    publish(
        "strict-limit",
        rule("strict-limit", 1, "SHADOW", "amount_minor", ">", 1_000, 100, "DECLINE"));
    send(Payments.event("e-1", "p-1", "m-1", 20_000, T), T);

    RiskDecision d = decisions.readValue();
    assertThat(d.getOutcome()).isEqualTo(RiskOutcome.APPROVE);
    assertThat(d.getScore()).isZero();
    assertThat(d.getReasons()).isEmpty();
    assertThat(d.getShadowReasons())
        .containsExactly("strict-limit@1: amount_minor 20000 EUR > 1000");
    assertThat(d.getRuleVersions()).containsExactly("amount-limit@2", "strict-limit@1");
  }

  @Test
  void aDisabledRuleIsNotEvaluated() {
    publish(
        "big-ticket", rule("big-ticket", 1, "ACTIVE", "amount_minor", ">", 10_000, 60, "REVIEW"));
    publish(
        "any-amount", rule("any-amount", 1, "DISABLED", "amount_minor", ">", 0, 100, "DECLINE"));
    send(Payments.event("e-1", "p-1", "m-1", 5_000, T), T);

    RiskDecision d = decisions.readValue();
    assertThat(d.getOutcome()).isEqualTo(RiskOutcome.APPROVE);
    assertThat(d.getRuleVersions()).containsExactly("big-ticket@1");
  }

  @Test
  void anInvalidDocumentIsIgnoredAndCountedAndTheTopologyKeepsDeciding() {
    rules.pipeInput("broken", "{not json".getBytes(StandardCharsets.UTF_8));
    publish("too-much", rule("too-much", 1, "ACTIVE", "amount_minor", ">", 0, 500, "DECLINE"));
    // nothing valid on the topic: the defaults decide
    send(Payments.event("e-1", "p-1", "m-1", 600_000, T), T);
    publish(
        "big-ticket", rule("big-ticket", 1, "ACTIVE", "amount_minor", ">", 10_000, 60, "REVIEW"));
    send(Payments.event("e-2", "p-2", "m-1", 20_000, T.plusSeconds(1)), T.plusSeconds(1));

    List<RiskDecision> out = decisions.readValuesToList();
    assertThat(out.get(0).getOutcome()).isEqualTo(RiskOutcome.REVIEW);
    assertThat(out.get(0).getReasons()).singleElement().asString().startsWith("amount-limit@1:");
    assertThat(out.get(1).getRuleVersions()).containsExactly("big-ticket@1");
    assertThat(counters.invalidRules.get()).isEqualTo(2);
    assertThat(deadLetters.isEmpty()).isTrue();
  }

  private void publish(String key, String document) {
    rules.pipeInput(key, document.getBytes(StandardCharsets.UTF_8));
  }

  private static String rule(
      String id,
      long version,
      String status,
      String feature,
      String cmp,
      long threshold,
      int score,
      String action) {
    return String.format(
        "{\"id\": \"%s\", \"version\": %d, \"status\": \"%s\", \"feature\": \"%s\","
            + " \"comparison\": \"%s\", \"threshold\": %d, \"score\": %d, \"action\": \"%s\"}",
        id, version, status, feature, cmp, threshold, score, action);
  }

  @Test
  void scoringInPlaceAndAfterTheRepartitionIsOneSubTopology() {
    TopologyDescription d = RiskTopology.build(CONFIG, registry, counters, 3).describe();
    assertThat(d.subtopologies()).hasSize(1);
    assertThat(d.subtopologies().iterator().next().nodes())
        .filteredOn(n -> n instanceof TopologyDescription.Source)
        .flatExtracting(n -> ((TopologyDescription.Source) n).topicSet())
        .containsExactlyInAnyOrder(
            Topics.PAYMENTS_AUTHORIZED,
            Topics.PAYMENTS_CAPTURED,
            Topics.PAYMENTS_REFUNDED,
            Topics.PAYMENTS_CANCELLED,
            Topics.SETTLEMENTS_RAW,
            RiskTopology.BY_MERCHANT + "-repartition");
  }

  /**
   * With 4 scoring partitions this (partition-0) task owns a quarter of the merchants: their events
   * are scored in place, everyone else's cross the repartition topic first (as records a producer
   * did not partition by merchant do) — and every decision is the one a single partition gives.
   */
  @Test
  void eventsOfMerchantsThisTaskDoesNotOwnTakeTheRepartitionAndAreDecidedTheSame() {
    List<String> merchants = new java.util.ArrayList<>();
    for (int i = 0; i < 8; i++) {
      merchants.add("m-" + i);
    }
    List<String> owned = merchants.stream().filter(m -> RiskTopology.scoresHere(m, 4, 0)).toList();
    assertThat(owned).isNotEmpty().hasSizeLessThan(merchants.size());

    List<String> inPlace = decide(merchants, 1, new java.util.ArrayList<>());
    List<String> repartitioned = new java.util.ArrayList<>();
    List<String> fourPartitions = decide(merchants, 4, repartitioned);

    assertThat(fourPartitions).hasSize(merchants.size() * 4).isEqualTo(inPlace);
    assertThat(repartitioned)
        .as("merchants whose events crossed the repartition topic")
        .doesNotContainAnyElementsOf(owned)
        .containsExactlyInAnyOrderElementsOf(
            merchants.stream().filter(m -> !owned.contains(m)).toList());
  }

  /**
   * Each merchant's 4 authorizations (the 4th over the velocity limit), the first delivered twice;
   * returns the decisions as text, and fills {@code repartitioned} with the merchants seen on the
   * repartition topic.
   */
  private List<String> decide(
      List<String> merchants, int scoringPartitions, List<String> repartitioned) {
    String app = "risk-partitions-" + scoringPartitions;
    try (TopologyTestDriver d =
        new TopologyTestDriver(
            RiskTopology.build(CONFIG, registry, new CountingCounters(), scoringPartitions),
            RiskStreamsConfig.properties(app, "unused:9092", stateDir.resolve(app), 1, CONFIG))) {
      TestInputTopic<String, byte[]> in =
          d.createInputTopic(
              Topics.PAYMENTS_AUTHORIZED, new StringSerializer(), new ByteArraySerializer());
      for (int i = 0; i < 4; i++) {
        for (String m : merchants) {
          Instant at = T.plusSeconds(i);
          PaymentEvent e = Payments.event(m + "-e" + i, m + "-p" + i, m, 1_000 + 100 * i, at);
          in.pipeInput(e.getPaymentId(), encode(e), at);
          if (i == 0) {
            in.pipeInput(e.getPaymentId(), encode(e), at.plusMillis(5)); // a CDC copy
          }
        }
      }
      if (d.producedTopicNames().contains(app + "-" + RiskTopology.BY_MERCHANT + "-repartition")) {
        d.createOutputTopic(
                app + "-" + RiskTopology.BY_MERCHANT + "-repartition",
                new StringDeserializer(),
                new ByteArrayDeserializer())
            .readKeyValuesToList()
            .forEach(kv -> repartitioned.add(kv.key));
        List<String> distinct = repartitioned.stream().distinct().toList();
        repartitioned.clear();
        repartitioned.addAll(distinct);
      }
      return d
          .createOutputTopic(
              Topics.RISK_DECISIONS,
              new StringDeserializer(),
              new AvroSerde<>(registry, RiskDecision.class).deserializer())
          .readValuesToList()
          .stream()
          .map(
              r ->
                  r.getPaymentId()
                      + " "
                      + r.getOutcome()
                      + " "
                      + r.getScore()
                      + " "
                      + r.getReasons())
          .sorted()
          .toList();
    }
  }

  private void send(PaymentEvent event, Instant recordTime) {
    payments.pipeInput(
        new TestRecord<>(event.getPaymentId(), encode(event), new RecordHeaders(), recordTime));
  }

  private byte[] encode(PaymentEvent event) {
    return wire.encode(Topics.PAYMENTS_AUTHORIZED, event);
  }

  private static String header(TestRecord<String, byte[]> r, String name) {
    var h = r.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }
}
