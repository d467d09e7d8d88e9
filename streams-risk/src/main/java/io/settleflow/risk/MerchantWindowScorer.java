package io.settleflow.risk;

import io.settleflow.avro.PaymentEvent;
import io.settleflow.avro.RiskDecision;
import java.time.Duration;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Scores payments keyed by merchant id. The merchant's payments sit in a window store (one entry
 * per payment, stamped with occurred_at); the features for a payment at time t are the entries in
 * the sliding event-time window (t - window, t], read before the payment itself is added.
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
  private final RiskCounters counters;
  private FixedKeyProcessorContext<String, RiskDecision> context;
  private WindowStore<String, MerchantPayment> payments;

  MerchantWindowScorer(String storeName, Duration window, RiskScorer scorer, RiskCounters counters) {
    this.storeName = storeName;
    this.windowMs = window.toMillis();
    this.scorer = scorer;
    this.counters = counters;
  }

  @Override
  public void init(FixedKeyProcessorContext<String, RiskDecision> context) {
    this.context = context;
    this.payments = context.getStateStore(storeName);
  }

  @Override
  public void process(FixedKeyRecord<String, PaymentEvent> record) {
    PaymentEvent event = record.value();
    long t = event.getOccurredAt().toEpochMilli();
    MerchantActivity before = activity(record.key(), event.getCurrency(), t);
    RiskAssessment assessment = scorer.score(event.getAmountMinor(), event.getCurrency(), before);
    payments.put(record.key(), new MerchantPayment(event.getAmountMinor(), event.getCurrency()), t);
    counters.decided();
    context.forward(record.withValue(RiskDecisions.of(event, assessment)).withTimestamp(t));
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
