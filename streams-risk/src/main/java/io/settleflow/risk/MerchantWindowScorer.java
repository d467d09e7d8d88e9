package io.settleflow.risk;

import io.settleflow.avro.RiskDecision;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueIterator;
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
final class MerchantWindowScorer implements FixedKeyProcessor<String, MerchantEvent, RiskDecision> {
  /** The card store keeps one entry per card, merchant and this much event time (a day). */
  static final Duration CARD_SEEN_REFRESH = Duration.ofDays(1);

  private final RiskConfig config;
  private final RiskScorer scorer;
  private final RiskCounters counters;
  private final PublishedRules published;
  private FixedKeyProcessorContext<String, RiskDecision> context;
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
      PublishedRules.InvalidRuleListener invalidRules) {
    this.config = config;
    this.scorer = scorer;
    this.counters = counters;
    this.published = new PublishedRules(invalidRules);
  }

  @Override
  public void init(FixedKeyProcessorContext<String, RiskDecision> context) {
    this.context = context;
    this.payments = context.getStateStore(RiskTopology.MERCHANT_STORE);
    for (FeatureWindow w : FeatureWindow.values()) {
      activity.put(w, context.getStateStore(w.storeName()));
    }
    this.exposure = context.getStateStore(RiskTopology.EXPOSURE_STORE);
    this.cardSeen = context.getStateStore(RiskTopology.CARD_SEEN_STORE);
    this.rules = context.getStateStore(RiskTopology.RULES_STORE);
    this.state = new FeatureState(payments, activity, exposure, cardSeen, config);
  }

  @Override
  public void process(FixedKeyRecord<String, MerchantEvent> record) {
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
      FixedKeyRecord<String, MerchantEvent> record, String merchant, MerchantEvent e, long t) {
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
    context.forward(record.withValue(RiskDecisions.of(e, assessment)).withTimestamp(t));
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
    ActivityBucket old = store.fetch(key, start);
    ActivityBucket delta = ActivityBucket.of(currency, amountMinor);
    store.put(key, old == null ? delta : old.plus(delta), start);
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
