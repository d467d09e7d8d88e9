package io.settleflow.risk;

import io.settleflow.avro.RiskDecision;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.Topics;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The merchant-keyed half of the topology. Every money movement of a merchant updates its feature
 * stores; an authorization is first scored on what the stores held before it (event time
 * occurred_at), then added. Captures and refunds feed the refund ratio; cancellations, refunds and
 * settlements reduce the open exposure.
 *
 * <p>Rules are read from the global rules store on every payment, so a version published on
 * risk.rules applies from the next payment this task scores.
 */
final class MerchantWindowScorer implements Processor<String, MerchantEvent, String, byte[]> {
  /** The card store keeps one entry per card, merchant and this much event time (a day). */
  static final Duration CARD_SEEN_REFRESH = Duration.ofDays(1);

  private final RiskConfig config;
  private final RiskScorer scorer;
  private final RiskCounters counters;
  private final PublishedRules.InvalidRuleListener invalidRules;
  private PublishedRules published;
  private final ConfluentWireFormat wire;
  private ProcessorContext<String, byte[]> context;
  private WindowStore<String, byte[]> decisions;
  private WindowStore<String, MerchantPayment> payments;
  private final Map<FeatureWindow, WindowStore<String, ActivityBucket>> activity =
      new EnumMap<>(FeatureWindow.class);
  private WindowStore<String, ActivityBucket> exposure;
  private WindowStore<String, Long> cardSeen;
  private ReadOnlyKeyValueStore<String, ValueAndTimestamp<byte[]>> rules;
  private FeatureState state;

  MerchantWindowScorer(
      RiskConfig config,
      RiskScorer scorer,
      RiskCounters counters,
      PublishedRules.InvalidRuleListener invalidRules,
      ConfluentWireFormat wire) {
    this.wire = wire;
    this.config = config;
    this.scorer = scorer;
    this.counters = counters;
    this.invalidRules = invalidRules;
  }

  @Override
  public void init(ProcessorContext<String, byte[]> context) {
    this.context = context;
    this.decisions = context.getStateStore(RiskTopology.DECISIONS_STORE);
    this.payments = context.getStateStore(RiskTopology.MERCHANT_STORE);
    for (FeatureWindow w : FeatureWindow.values()) {
      activity.put(w, context.getStateStore(w.storeName()));
    }
    this.exposure = context.getStateStore(RiskTopology.EXPOSURE_STORE);
    this.cardSeen = context.getStateStore(RiskTopology.CARD_SEEN_STORE);
    this.rules = context.getStateStore(RiskTopology.RULES_STORE);
    this.state = new FeatureState(payments, activity, exposure, cardSeen, config);
    this.published = rememberedRules(context.getStateStore(RiskTopology.RULE_MEMORY_STORE));
    // a task that scores no payment still learns each new version (and so refuses an older one
    // published later, even after a restart) within this period
    context.schedule(RULE_REFRESH_INTERVAL, PunctuationType.WALL_CLOCK_TIME, now -> currentRules());
  }

  /** How often the rules are re-read while no payment arrives. */
  static final Duration RULE_REFRESH_INTERVAL = Duration.ofSeconds(1);

  /**
   * Versions only go up across restarts: the highest version and the document in force per rule id
   * live in a changelogged store of this task, restored before the task runs again.
   */
  private PublishedRules rememberedRules(KeyValueStore<String, byte[]> memory) {
    Map<String, PublishedRules.Remembered> restored = new HashMap<>();
    try (KeyValueIterator<String, byte[]> all = memory.all()) {
      while (all.hasNext()) {
        KeyValue<String, byte[]> kv = all.next();
        restored.put(kv.key, PublishedRules.Remembered.decode(kv.value));
      }
    }
    return new PublishedRules(
        invalidRules,
        restored,
        new PublishedRules.Memory() {
          @Override
          public void remember(String key, PublishedRules.Remembered r) {
            memory.put(key, r.encode());
          }

          @Override
          public void forget(String key) {
            memory.delete(key);
          }
        });
  }

  @Override
  public void process(Record<String, MerchantEvent> record) {
    MerchantEvent e = record.value();
    long t = e.occurredAtMs();
    String merchant = record.key();
    switch (e.kind()) {
      case AUTHORIZED -> authorized(record, merchant, e, t);
      case CAPTURED ->
          add(
              activity.get(FeatureWindow.ONE_DAY),
              FeatureWindow.ONE_DAY,
              FeatureState.capturesKey(merchant),
              e.currency(),
              e.amountMinor(),
              t);
      case REFUNDED -> {
        add(
            activity.get(FeatureWindow.ONE_DAY),
            FeatureWindow.ONE_DAY,
            FeatureState.refundsKey(merchant),
            e.currency(),
            e.amountMinor(),
            t);
        addExposure(merchant, e.currency(), -e.amountMinor(), t);
      }
      case CANCELLED, SETTLED -> addExposure(merchant, e.currency(), -e.amountMinor(), t);
    }
  }

  private void authorized(
      Record<String, MerchantEvent> record, String merchant, MerchantEvent e, long t) {
    List<RiskRule> rules = currentRules();
    FeatureInputs inputs =
        state.read(merchant, e.cardToken(), e.currency(), t, scorer.featuresUsed(rules));
    RiskAssessment assessment = scorer.score(rules, e.amountMinor(), e.currency(), inputs);
    payments.put(merchant, new MerchantPayment(e.amountMinor(), e.currency()), t);
    for (FeatureWindow w : FeatureWindow.values()) {
      add(activity.get(w), w, FeatureState.merchantKey(merchant), e.currency(), e.amountMinor(), t);
      if (e.cardToken() != null) {
        add(
            activity.get(w),
            w,
            FeatureState.cardKey(merchant, e.cardToken()),
            e.currency(),
            e.amountMinor(),
            t);
      }
    }
    addExposure(merchant, e.currency(), e.amountMinor(), t);
    if (e.cardToken() != null) {
      // one entry per card, merchant and day, overwritten in place: no read on the write path
      long day = Math.floorDiv(t, CARD_SEEN_REFRESH.toMillis()) * CARD_SEEN_REFRESH.toMillis();
      cardSeen.put(FeatureState.cardKey(merchant, e.cardToken()), day, day);
    }
    counters.decided();
    RiskDecision decision = RiskDecisions.of(e, assessment);
    // encoded once: the same bytes go to risk.decisions and to the decision store the queries read
    // (kept here rather than read back from risk.decisions: no second consumer of every decision)
    byte[] bytes = wire.encode(Topics.RISK_DECISIONS, decision);
    decisions.put(decision.getPaymentId(), bytes, t);
    // keyed by payment id: the sink partitions by it (a sink needs no repartition topic)
    context.forward(new Record<>(decision.getPaymentId(), bytes, t, record.headers()));
  }

  private void addExposure(String merchant, String currency, long signedAmountMinor, long t) {
    long day = Math.floorDiv(t, Duration.ofDays(1).toMillis()) * Duration.ofDays(1).toMillis();
    ActivityBucket old = exposure.fetch(merchant, day);
    ActivityBucket delta = ActivityBucket.of(currency, signedAmountMinor);
    exposure.put(merchant, old == null ? delta : old.plus(delta), day);
  }

  private static void add(
      WindowStore<String, ActivityBucket> store,
      FeatureWindow w,
      String key,
      String currency,
      long amountMinor,
      long t) {
    long start = w.bucketStart(t);
    String windowKey = w.key(key);
    ActivityBucket old = store.fetch(windowKey, start);
    ActivityBucket delta = ActivityBucket.of(currency, amountMinor);
    store.put(windowKey, old == null ? delta : old.plus(delta), start);
  }

  private List<RiskRule> currentRules() {
    try (KeyValueIterator<String, ValueAndTimestamp<byte[]>> all = rules.all()) {
      Iterator<Map.Entry<String, byte[]>> documents =
          new Iterator<>() {
            @Override
            public boolean hasNext() {
              return all.hasNext();
            }

            @Override
            public Map.Entry<String, byte[]> next() {
              KeyValue<String, ValueAndTimestamp<byte[]>> kv = all.next();
              return new AbstractMap.SimpleImmutableEntry<>(
                  kv.key, kv.value == null ? null : kv.value.value());
            }
          };
      return published.refresh(documents);
    }
  }
}
