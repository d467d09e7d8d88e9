package io.settleflow.risk;

import io.settleflow.avro.PaymentEvent;
import io.settleflow.avro.RiskDecision;
import java.time.Duration;
import java.util.AbstractMap;
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
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Scores payments keyed by merchant id. The merchant's payments sit in a window store (one entry
 * per payment, stamped with occurred_at); the features for a payment at time t are the entries in
 * the sliding event-time window (t - window, t], read before the payment itself is added.
 *
 * <p>Rules are read from the global rules store on every payment, so a version published on
 * risk.rules applies from the next payment this task scores.
 */
final class MerchantWindowScorer implements FixedKeyProcessor<String, PaymentEvent, RiskDecision> {
  /**
   * Bounds the work per payment for a merchant far above any velocity limit: past this many
   * entries the rules have long fired, so the rest of the window is not read.
   */
  static final int MAX_ENTRIES_READ_PER_PAYMENT = 10_000;

  private final String storeName;
  private final long windowMs;
  private final RiskScorer scorer;
  private final String rulesStoreName;
  private final RiskCounters counters;
  private final PublishedRules published;
  private FixedKeyProcessorContext<String, RiskDecision> context;
  private WindowStore<String, MerchantPayment> payments;
  private ReadOnlyKeyValueStore<String, ValueAndTimestamp<byte[]>> rules;

  MerchantWindowScorer(
      String storeName,
      Duration window,
      String rulesStoreName,
      RiskScorer scorer,
      RiskCounters counters,
      PublishedRules.InvalidRuleListener invalidRules) {
    this.storeName = storeName;
    this.windowMs = window.toMillis();
    this.rulesStoreName = rulesStoreName;
    this.scorer = scorer;
    this.counters = counters;
    this.published = new PublishedRules(invalidRules);
  }

  @Override
  public void init(FixedKeyProcessorContext<String, RiskDecision> context) {
    this.context = context;
    this.payments = context.getStateStore(storeName);
    this.rules = context.getStateStore(rulesStoreName);
  }

  @Override
  public void process(FixedKeyRecord<String, PaymentEvent> record) {
    PaymentEvent event = record.value();
    long t = event.getOccurredAt().toEpochMilli();
    MerchantActivity before = activity(record.key(), event.getCurrency(), t);
    RiskAssessment assessment =
        scorer.score(currentRules(), event.getAmountMinor(), event.getCurrency(), before);
    payments.put(record.key(), new MerchantPayment(event.getAmountMinor(), event.getCurrency()), t);
    counters.decided();
    context.forward(record.withValue(RiskDecisions.of(event, assessment)).withTimestamp(t));
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

  private MerchantActivity activity(String merchantId, String currency, long t) {
    int all = 0;
    int same = 0;
    long sameAmount = 0;
    try (WindowStoreIterator<MerchantPayment> it =
        payments.fetch(merchantId, Math.max(0, t - windowMs + 1), t)) {
      while (it.hasNext() && all < MAX_ENTRIES_READ_PER_PAYMENT) {
        KeyValue<Long, MerchantPayment> entry = it.next();
        all++;
        if (entry.value.currency().equals(currency)) {
          same++;
          sameAmount = saturatingAdd(sameAmount, entry.value.amountMinor());
        }
      }
    }
    return new MerchantActivity(all, same, sameAmount);
  }

  private static long saturatingAdd(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }
}
