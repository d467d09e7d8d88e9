package io.settleflow.risk;

import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.MerchantPartitioning;
import io.settleflow.schemas.SchemaRegistry;
import io.settleflow.schemas.Topics;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
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
 * payments.authorized (bytes) → decode + validate → dead letters to risk.dlq, the rest (with the
 * other ledger events and settled payments): scored in place when read from the partition of its
 * merchant (producers partition by merchant), else repartitioned by merchant_id → in the scoring
 * task, dedupe by event_id (every copy of an event has the same merchant, so it meets its first one
 * there) → score against the merchant's and card's {@link EntityHistory} → risk.decisions keyed by
 * payment id. Rules: the compacted risk.rules as a global table, read by the scorer on every
 * payment (built-in defaults while it holds no valid rule).
 */
public final class RiskTopology {
  private static final Logger LOG = LoggerFactory.getLogger(RiskTopology.class);

  /** Global store of the raw rule documents on risk.rules, keyed by rule id. */
  public static final String RULES_STORE = "risk-rules";

  /**
   * Event ids of the movements other than authorizations (those are found by their decision), in
   * the scoring task, stamped with occurred_at.
   */
  public static final String DEDUPE_STORE = "dedupe-event-ids";

  /**
   * One entry per merchant ({@link FeatureState#merchantKey}): the {@link EntityHistory} the
   * merchant's features are read from; an {@link EntityHistoryStore} (changed by every payment of
   * the merchant, encoded once per commit).
   */
  public static final String HISTORY_STORE = "feature-history";

  /**
   * One entry per card at a merchant ({@link FeatureState#cardKey}): the card's {@link
   * EntityHistory}. Not cached: most card entries are touched once in a while, so a record cache
   * would only hold (and sort, and flush) one-off keys.
   */
  public static final String CARD_HISTORY_STORE = "card-history";

  /**
   * Decisions by payment id (Confluent-wire bytes, as on risk.decisions), written by the scoring
   * task, for GET /risk/payments/{id}/decision.
   */
  public static final String DECISIONS_STORE = "decisions-by-payment";

  /** Every store the scoring processor uses, besides the global rules store. */
  static final List<String> FEATURE_STORES = List.of(HISTORY_STORE, CARD_HISTORY_STORE);

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

  /** Processor-name prefix of the one source and decoder of the four ledger topics. */
  private static final String LEDGER_EVENTS_NAME = "payments";

  private static final String SCORING_PREFIX = "scored-";
  private static final String HERE = "here";
  private static final String ELSEWHERE = "elsewhere";

  private static final String INVALID = "invalid";
  private static final String VALID = "valid";

  private RiskTopology() {}

  /**
   * @param scoringPartitions the partition count of the merchant-keyed scoring (the repartition
   *     topic's, created with it): the largest of the input topics' counts, {@link
   *     #scoringPartitions(Admin)}; 1 in a TopologyTestDriver
   */
  public static Topology build(RiskConfig config, SchemaRegistry registry, int scoringPartitions) {
    return build(config, registry, RiskCounters.NONE, scoringPartitions);
  }

  public static Topology build(
      RiskConfig config, SchemaRegistry registry, RiskCounters counters, int scoringPartitions) {
    return build(
        config, registry, counters, MerchantWindowScorer.SWEEP_EVERY_EVENTS, scoringPartitions);
  }

  /**
   * @param sweepEveryEvents scored events between two sweeps of the history stores (tests shorten
   *     it)
   */
  static Topology build(
      RiskConfig config,
      SchemaRegistry registry,
      RiskCounters counters,
      int sweepEveryEvents,
      int scoringPartitions) {
    if (scoringPartitions < 1) {
      throw new IllegalArgumentException(
          "scoringPartitions must be at least 1, got " + scoringPartitions);
    }
    StreamsBuilder builder = new StreamsBuilder();
    builder.addStateStore(
        Stores.windowStoreBuilder(
            Stores.persistentWindowStore(
                DEDUPE_STORE, config.dedupeRetention(), DEDUPE_WINDOW_SIZE, false),
            Serdes.String(),
            Serdes.Long()));
    // One entry per merchant holding all its windows, kept decoded by the scorer and encoded into
    // RocksDB and the changelog once per commit (no record cache: it would only copy the bytes)
    builder.addStateStore(
        EntityHistoryStore.builder(
            Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(HISTORY_STORE), Serdes.String(), Serdes.ByteArray()),
            MerchantWindowScorer.HOT_ENTITIES));
    // cards: new keys most of the time, so straight to RocksDB and the changelog (no cache)
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(CARD_HISTORY_STORE),
            Serdes.String(),
            Serdes.ByteArray()));

    // in the scoring task (partitioned by merchant), so queries by payment id ask every instance
    builder.addStateStore(
        Stores.windowStoreBuilder(
            Stores.persistentWindowStore(
                DECISIONS_STORE,
                // the scorer also finds replayed authorizations here (their decision)
                max(config.decisionRetention(), config.dedupeRetention()),
                DEDUPE_WINDOW_SIZE,
                false),
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
    RuleDocumentsStore ruleDocuments = new RuleDocumentsStore();
    builder.globalTable(
        Topics.RISK_RULES,
        Consumed.with(Serdes.String(), Serdes.ByteArray()),
        // uncached: a write must reach the counting store (and be counted) as it becomes visible
        Materialized.<String, byte[]>as(ruleDocuments.supplier(RULES_STORE)).withCachingDisabled());
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

    // one source node for the four ledger topics (same format): a record crosses no merge node
    // per topic on its way to the repartition; dead letters name their topic from the record
    KStream<String, DecodedPayment> movements =
        deadLetterInvalid(
            builder.stream(
                    Topics.LEDGER_EVENTS,
                    Consumed.with(Serdes.String(), Serdes.ByteArray())
                        .withName(LEDGER_EVENTS_NAME + "-source"))
                .processValues(
                    () -> new PaymentDecoder(wire, scoringPartitions),
                    Named.as("decode-" + LEDGER_EVENTS_NAME)),
            LEDGER_EVENTS_NAME,
            Topics.PAYMENTS_AUTHORIZED,
            counters);
    KStream<String, DecodedPayment> settled =
        deadLetterInvalid(
            builder.stream(
                    Topics.SETTLEMENTS_RAW,
                    Consumed.with(Serdes.String(), Serdes.ByteArray())
                        .withName(Topics.SETTLEMENTS_RAW + "-source"))
                .processValues(
                    () -> new SettlementDecoder(wire, scoringPartitions),
                    Named.as("decode-" + Topics.SETTLEMENTS_RAW)),
            Topics.SETTLEMENTS_RAW,
            Topics.SETTLEMENTS_RAW,
            counters);

    // A movement read from the partition its merchant's scoring task owns (the producer partitioned
    // by merchant: the CDC relay, MerchantPartitioning) is scored right here; any other goes
    // through the repartition topic to that task, so correctness never depends on producers. Both
    // paths end in the same processor, so this is one sub-topology: a task reads partition p of
    // the inputs and of the repartition topic, and owns the merchants of partition p.
    Map<String, KStream<String, DecodedPayment>> byTask =
        movements
            .merge(settled, Named.as("merge-" + Topics.SETTLEMENTS_RAW))
            .split(Named.as(SCORING_PREFIX))
            .branch((k, v) -> v.inScoringTask(), Branched.as(HERE))
            .defaultBranch(Branched.as(ELSEWHERE));
    KStream<String, MerchantEvent> here =
        byTask
            .get(SCORING_PREFIX + HERE)
            .mapValues(DecodedPayment::event, Named.as("movement-" + HERE));
    KStream<String, MerchantEvent> moved =
        byTask
            .get(SCORING_PREFIX + ELSEWHERE)
            .map(
                (id, decoded) -> KeyValue.pair(decoded.event().merchantId(), decoded.event()),
                Named.as("key-by-merchant"))
            .repartition(
                Repartitioned.<String, MerchantEvent>as(BY_MERCHANT)
                    .withKeySerde(Serdes.String())
                    .withValueSerde(MerchantEvent.serde())
                    // fixed: which task owns a merchant must not depend on who created the topic
                    .withNumberOfPartitions(scoringPartitions));
    here.merge(moved, Named.as("merge-" + BY_MERCHANT))
        .process(
            () ->
                new MerchantWindowScorer(
                    config,
                    scorer,
                    counters,
                    invalidRules,
                    wire,
                    sweepEveryEvents,
                    ruleDocuments::writes),
            Named.as("score-payment"),
            Stream.concat(
                    FEATURE_STORES.stream(),
                    Stream.of(RULE_MEMORY_STORE, DECISIONS_STORE, DEDUPE_STORE))
                .toArray(String[]::new))
        // keyed by payment id by the scorer: the sink partitions by it
        .to(Topics.RISK_DECISIONS, Produced.with(Serdes.String(), Serdes.ByteArray()));

    return builder.build();
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  /**
   * Sends the records that could not be decoded to risk.dlq and returns the rest.
   *
   * @param name prefix of the processor names
   * @param fallbackTopic the source.topic header when a record's own topic is unknown
   */
  private static KStream<String, DecodedPayment> deadLetterInvalid(
      KStream<String, DecodedPayment> decoded,
      String name,
      String fallbackTopic,
      RiskCounters counters) {
    Map<String, KStream<String, DecodedPayment>> branches =
        decoded
            .split(Named.as(name + "-" + BRANCH_PREFIX))
            .branch((k, v) -> !v.isValid(), Branched.as(INVALID))
            .defaultBranch(Branched.as(VALID));
    branches
        .get(name + "-" + BRANCH_PREFIX + INVALID)
        .processValues(
            () -> new DeadLetterStamp(fallbackTopic, counters), Named.as("dead-letter-" + name))
        .to(Topics.RISK_DLQ, Produced.with(Serdes.String(), Serdes.ByteArray()));
    return branches.get(name + "-" + BRANCH_PREFIX + VALID);
  }

  /**
   * Whether the task reading partition {@code taskPartition} owns the merchant: the partition of
   * the repartition topic (key = merchant id, default partitioner) its movements go to.
   */
  static boolean scoresHere(String merchantId, int scoringPartitions, int taskPartition) {
    return MerchantPartitioning.partitionFor(merchantId, scoringPartitions) == taskPartition;
  }

  /** Every topic the scoring reads, besides its own repartition topic. */
  static final List<String> SCORED_TOPICS =
      Stream.concat(Topics.LEDGER_EVENTS.stream(), Stream.of(Topics.SETTLEMENTS_RAW)).toList();

  /**
   * The partition count to build the topology with: the largest of the input topics' (what Kafka
   * Streams would give the repartition topic itself, and what interactive queries assume). When the
   * ledger topics have it too, a producer that partitions by merchant puts every event where it is
   * scored.
   *
   * @throws IllegalStateException naming the topics that do not exist
   */
  public static int scoringPartitions(Admin admin) {
    Map<String, TopicDescription> topics;
    try {
      topics = admin.describeTopics(SCORED_TOPICS).allTopicNames().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "cannot read the partition counts of "
              + SCORED_TOPICS
              + " (they must exist before streams-risk starts): "
              + e.getCause().getMessage(),
          e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "cannot read the partition counts of " + SCORED_TOPICS + ": no answer in 60 s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted reading topic partition counts", e);
    }
    Map<String, Integer> counts = new TreeMap<>();
    topics.forEach((name, d) -> counts.put(name, d.partitions().size()));
    int scoring = counts.values().stream().max(Integer::compare).orElseThrow();
    Set<Integer> ledger = new HashSet<>();
    Topics.LEDGER_EVENTS.forEach(t -> ledger.add(counts.get(t)));
    if (ledger.size() != 1 || !ledger.contains(scoring)) {
      LOG.warn(
          "input partition counts {}: the ledger topics do not all have {} partitions, so their"
              + " events take the repartition hop even when produced by merchant",
          counts,
          scoring);
    } else {
      LOG.info("scoring over {} partitions (input topics {})", scoring, counts);
    }
    return scoring;
  }
}
