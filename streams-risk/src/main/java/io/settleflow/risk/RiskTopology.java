package io.settleflow.risk;

import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.SchemaRegistry;
import io.settleflow.schemas.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * payments.authorized (bytes) → decode + validate → dead letters to risk.dlq, the rest: dedupe by
 * event_id (still keyed by payment id, so every copy meets its first one in the same task) →
 * repartition by merchant_id → score against the merchant's sliding window → risk.decisions keyed
 * by payment id. Rules: the compacted risk.rules as a global table, read by the scorer on every
 * payment (built-in defaults while it holds no valid rule).
 */
public final class RiskTopology {
  private static final Logger LOG = LoggerFactory.getLogger(RiskTopology.class);

  /** Global store of the raw rule documents on risk.rules, keyed by rule id. */
  public static final String RULES_STORE = "risk-rules";

  public static final String DEDUPE_STORE = "dedupe-event-ids";
  public static final String MERCHANT_STORE = "merchant-payments";

  /**
   * The 1 min / 1 h / 24 h activity buckets of merchants, cards at merchants, captures and refunds;
   * keys are {@link FeatureWindow#key}.
   */
  public static final String ACTIVITY_STORE = "activity";

  /** Day buckets of each merchant's net open exposure per currency. */
  public static final String EXPOSURE_STORE = "merchant-exposure";

  /** When a card token last paid a merchant (at most one entry per card, merchant and day). */
  public static final String CARD_SEEN_STORE = "card-seen";

  /**
   * Decisions by payment id (Confluent-wire bytes, as on risk.decisions), written by the scoring
   * task, for GET /risk/payments/{id}/decision.
   */
  public static final String DECISIONS_STORE = "decisions-by-payment";

  /** Every store the scoring processor uses, besides the global rules store. */
  static final List<String> FEATURE_STORES =
      List.of(MERCHANT_STORE, ACTIVITY_STORE, EXPOSURE_STORE, CARD_SEEN_STORE);

  /**
   * Per scoring task: the highest version and the document in force per rule id, so that versions
   * only go up across restarts (the compacted risk.rules may hold an older document published
   * last).
   */
  public static final String RULE_MEMORY_STORE = "rule-versions";

  /** Internal topic {@code <application.id>-payments-by-merchant-repartition}. */
  public static final String BY_MERCHANT = "payments-by-merchant";

  /**
   * How late, in event time, a payment may reach the merchant store and still be seen by later
   * payments' windows; the store keeps window + this much.
   */
  public static final Duration MERCHANT_WINDOW_LATENESS = Duration.ofMinutes(5);

  /** Dedupe entries are points in time; the window size only has to fit in the retention. */
  private static final Duration DEDUPE_WINDOW_SIZE = Duration.ofMillis(1);

  private static final String BRANCH_PREFIX = "decoded-";
  private static final String INVALID = "invalid";
  private static final String VALID = "valid";

  private RiskTopology() {}

  public static Topology build(RiskConfig config, SchemaRegistry registry) {
    return build(config, registry, RiskCounters.NONE);
  }

  public static Topology build(RiskConfig config, SchemaRegistry registry, RiskCounters counters) {
    StreamsBuilder builder = new StreamsBuilder();
    builder.addStateStore(
        Stores.windowStoreBuilder(
            Stores.persistentWindowStore(
                DEDUPE_STORE, config.dedupeRetention(), DEDUPE_WINDOW_SIZE, false),
            Serdes.String(),
            Serdes.Long()));
    builder.addStateStore(
        Stores.windowStoreBuilder(
            // retainDuplicates: one entry per payment, even two at the same millisecond
            Stores.persistentWindowStore(
                MERCHANT_STORE,
                config.velocityWindow().plus(MERCHANT_WINDOW_LATENESS),
                config.velocityWindow(),
                true),
            Serdes.String(),
            MerchantPayment.serde()));
    // One store for the buckets of all three windows (keys carry the window): one changelog
    // instead of three, so each exactly-once commit spans two partitions fewer per task.
    // Cached: a bucket is read and rewritten by every payment in it; the cache absorbs that and
    // writes RocksDB and the changelog once per commit.
    builder.addStateStore(
        Stores.windowStoreBuilder(
                Stores.persistentWindowStore(
                    ACTIVITY_STORE,
                    FeatureWindow.ONE_DAY.size().plus(MERCHANT_WINDOW_LATENESS),
                    Duration.ofMillis(FeatureWindow.ONE_MINUTE.bucketMs()),
                    false),
                Serdes.String(),
                ActivityBucket.serde())
            .withCachingEnabled());
    builder.addStateStore(
        Stores.windowStoreBuilder(
                Stores.persistentWindowStore(
                    EXPOSURE_STORE,
                    config.exposureHorizon().plus(Duration.ofDays(1)),
                    Duration.ofDays(1),
                    false),
                Serdes.String(),
                ActivityBucket.serde())
            .withCachingEnabled());
    builder.addStateStore(
        Stores.windowStoreBuilder(
            Stores.persistentWindowStore(
                CARD_SEEN_STORE, config.cardMemory(), DEDUPE_WINDOW_SIZE, false),
            Serdes.String(),
            Serdes.Long()));

    // in the scoring task (partitioned by merchant), so queries by payment id ask every instance
    builder.addStateStore(
        Stores.windowStoreBuilder(
            Stores.persistentWindowStore(
                DECISIONS_STORE, config.decisionRetention(), DEDUPE_WINDOW_SIZE, false),
            Serdes.String(),
            Serdes.ByteArray()));
    // small (one entry per rule id) and written only when a rule changes: in memory, changelogged
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.inMemoryKeyValueStore(RULE_MEMORY_STORE), Serdes.String(), Serdes.ByteArray()));

    ConfluentWireFormat wire = new ConfluentWireFormat(registry);
    RiskScorer scorer = new RiskScorer(config.rules());
    // raw bytes: a global store is restored from its topic without any processor, so validation
    // happens where the rules are read
    builder.globalTable(
        Topics.RISK_RULES,
        Consumed.with(Serdes.String(), Serdes.ByteArray()),
        Materialized.as(Stores.inMemoryKeyValueStore(RULES_STORE)));
    PublishedRules.InvalidRuleListener invalidRules =
        new PublishedRules.InvalidRuleListener() {
          @Override
          public void invalid(String key, List<String> errors) {
            LOG.warn(
                "ignoring invalid document on {} under key {}: {}", Topics.RISK_RULES, key, errors);
            counters.invalidRuleIgnored();
          }

          @Override
          public void notNewer(String key, long version, long current) {
            LOG.warn(
                "ignoring {}@{} on {}: version {} is already in force (versions only go up)",
                key,
                version,
                Topics.RISK_RULES,
                current);
            counters.staleRuleIgnored();
          }
        };

    KStream<String, MerchantEvent> movements = null;
    for (String topic : Topics.LEDGER_EVENTS) {
      KStream<String, MerchantEvent> valid =
          deadLetterInvalid(
              builder.stream(
                      topic,
                      Consumed.with(Serdes.String(), Serdes.ByteArray())
                          .withName(topic + "-source"))
                  .processValues(() -> new PaymentDecoder(wire), Named.as("decode-" + topic)),
              topic,
              counters);
      movements = movements == null ? valid : movements.merge(valid, Named.as("merge-" + topic));
    }
    KStream<String, MerchantEvent> settled =
        deadLetterInvalid(
            builder.stream(
                    Topics.SETTLEMENTS_RAW,
                    Consumed.with(Serdes.String(), Serdes.ByteArray())
                        .withName(Topics.SETTLEMENTS_RAW + "-source"))
                .processValues(
                    () -> new SettlementDecoder(wire),
                    Named.as("decode-" + Topics.SETTLEMENTS_RAW)),
            Topics.SETTLEMENTS_RAW,
            counters);

    movements
        .merge(settled, Named.as("merge-" + Topics.SETTLEMENTS_RAW))
        .processValues(
            () -> new EventDeduplicator(DEDUPE_STORE, config.dedupeRetention(), counters),
            Named.as("dedupe-by-event-id"),
            DEDUPE_STORE)
        .selectKey((id, event) -> event.merchantId(), Named.as("key-by-merchant"))
        .repartition(
            Repartitioned.<String, MerchantEvent>as(BY_MERCHANT)
                .withKeySerde(Serdes.String())
                .withValueSerde(MerchantEvent.serde()))
        .process(
            () -> new MerchantWindowScorer(config, scorer, counters, invalidRules, wire),
            Named.as("score-payment"),
            Stream.concat(FEATURE_STORES.stream(), Stream.of(RULE_MEMORY_STORE, DECISIONS_STORE))
                .toArray(String[]::new))
        // keyed by payment id by the scorer: the sink partitions by it
        .to(Topics.RISK_DECISIONS, Produced.with(Serdes.String(), Serdes.ByteArray()));

    return builder.build();
  }

  /** Sends the records that could not be decoded to risk.dlq and returns the rest. */
  private static KStream<String, MerchantEvent> deadLetterInvalid(
      KStream<String, DecodedPayment> decoded, String topic, RiskCounters counters) {
    Map<String, KStream<String, DecodedPayment>> branches =
        decoded
            .split(Named.as(topic + "-" + BRANCH_PREFIX))
            .branch((k, v) -> !v.isValid(), Branched.as(INVALID))
            .defaultBranch(Branched.as(VALID));
    branches
        .get(topic + "-" + BRANCH_PREFIX + INVALID)
        .processValues(() -> new DeadLetterStamp(topic, counters), Named.as("dead-letter-" + topic))
        .to(Topics.RISK_DLQ, Produced.with(Serdes.String(), Serdes.ByteArray()));
    return branches
        .get(topic + "-" + BRANCH_PREFIX + VALID)
        .mapValues(DecodedPayment::event, Named.as("movement-" + topic));
  }
}
