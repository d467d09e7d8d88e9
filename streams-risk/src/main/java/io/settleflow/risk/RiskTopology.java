package io.settleflow.risk;

import io.settleflow.avro.PaymentEvent;
import io.settleflow.avro.RiskDecision;
import io.settleflow.schemas.AvroSerde;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.SchemaRegistry;
import io.settleflow.schemas.Topics;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.kstream.Materialized;
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
            Stores.persistentWindowStore(DEDUPE_STORE, config.dedupeRetention(), DEDUPE_WINDOW_SIZE, false),
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

    AvroSerde<PaymentEvent> paymentSerde = new AvroSerde<>(registry, PaymentEvent.class);
    AvroSerde<RiskDecision> decisionSerde = new AvroSerde<>(registry, RiskDecision.class);
    ConfluentWireFormat wire = new ConfluentWireFormat(registry);
    RiskScorer scorer = new RiskScorer(config.rules());
    // raw bytes: a global store is restored from its topic without any processor, so validation
    // happens where the rules are read
    builder.globalTable(
        Topics.RISK_RULES,
        Consumed.with(Serdes.String(), Serdes.ByteArray()),
        Materialized.as(Stores.inMemoryKeyValueStore(RULES_STORE)));
    PublishedRules.InvalidRuleListener invalidRules =
        (key, errors) -> {
          LOG.warn("ignoring invalid document on {} under key {}: {}", Topics.RISK_RULES, key, errors);
          counters.invalidRuleIgnored();
        };

    Map<String, KStream<String, DecodedPayment>> decoded =
        builder.stream(Topics.PAYMENTS_AUTHORIZED, Consumed.with(Serdes.String(), Serdes.ByteArray()))
            .processValues(() -> new PaymentDecoder(wire), Named.as("decode-payment"))
            .split(Named.as(BRANCH_PREFIX))
            .branch((k, v) -> !v.isValid(), Branched.as(INVALID))
            .defaultBranch(Branched.as(VALID));

    decoded.get(BRANCH_PREFIX + INVALID)
        .processValues(
            () -> new DeadLetterStamp(Topics.PAYMENTS_AUTHORIZED, counters), Named.as("dead-letter"))
        .to(Topics.RISK_DLQ, Produced.with(Serdes.String(), Serdes.ByteArray()));

    decoded.get(BRANCH_PREFIX + VALID)
        .mapValues(DecodedPayment::event, Named.as("payment-event"))
        .processValues(
            () -> new EventDeduplicator(DEDUPE_STORE, config.dedupeRetention(), counters),
            Named.as("dedupe-by-event-id"),
            DEDUPE_STORE)
        .selectKey((paymentId, event) -> event.getMerchantId(), Named.as("key-by-merchant"))
        .repartition(
            Repartitioned.<String, PaymentEvent>as(BY_MERCHANT)
                .withKeySerde(Serdes.String())
                .withValueSerde(paymentSerde))
        .processValues(
            () ->
                new MerchantWindowScorer(
                    MERCHANT_STORE, config.velocityWindow(), RULES_STORE, scorer, counters, invalidRules),
            Named.as("score-payment"),
            MERCHANT_STORE)
        // the sink partitions by this key; no repartition topic is needed for a sink
        .selectKey((merchantId, decision) -> decision.getPaymentId(), Named.as("key-by-payment"))
        .to(Topics.RISK_DECISIONS, Produced.with(Serdes.String(), decisionSerde));

    return builder.build();
  }
}
