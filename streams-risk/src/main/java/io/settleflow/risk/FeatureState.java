package io.settleflow.risk;

import java.time.Instant;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Reads the merchant-keyed feature stores into {@link FeatureInputs}: by the scoring processor
 * (read-write stores) and by the features endpoint (interactive-query views of the same stores).
 */
final class FeatureState {
  /**
   * Bounds the work per payment for a merchant far above any velocity limit: past this many entries
   * the rules have long fired, so the rest of the window is not read.
   */
  static final int MAX_ENTRIES_READ_PER_PAYMENT = 10_000;

  private final ReadOnlyWindowStore<String, MerchantPayment> payments;
  private final Map<FeatureWindow, ? extends ReadOnlyWindowStore<String, ActivityBucket>> activity;
  private final ReadOnlyWindowStore<String, ActivityBucket> exposure;
  private final ReadOnlyWindowStore<String, Long> cardSeen;
  private final RiskConfig config;

  FeatureState(
      ReadOnlyWindowStore<String, MerchantPayment> payments,
      Map<FeatureWindow, ? extends ReadOnlyWindowStore<String, ActivityBucket>> activity,
      ReadOnlyWindowStore<String, ActivityBucket> exposure,
      ReadOnlyWindowStore<String, Long> cardSeen,
      RiskConfig config) {
    this.payments = payments;
    this.activity = activity;
    this.exposure = exposure;
    this.cardSeen = cardSeen;
    this.config = config;
  }

  /** Store keys of one entity; length-prefixed so "a|b" + "c" never meets "a" + "b|c". */
  static String merchantKey(String merchantId) {
    return "m|" + merchantId;
  }

  static String cardKey(String merchantId, String cardToken) {
    return "c|" + merchantId.length() + "|" + merchantId + "|" + cardToken;
  }

  static String capturesKey(String merchantId) {
    return "cap|" + merchantId;
  }

  static String refundsKey(String merchantId) {
    return "ref|" + merchantId;
  }

  /**
   * The inputs for a payment of this merchant (and card, may be null) at event time t: all of them.
   */
  FeatureInputs read(String merchantId, String cardToken, String currency, long t) {
    return read(merchantId, cardToken, currency, t, EnumSet.allOf(RiskFeature.class));
  }

  /**
   * Only what the {@code needed} features are computed from: the rest is left unknown (null), so a
   * payment does not pay for reading windows no rule in force looks at.
   */
  FeatureInputs read(
      String merchantId, String cardToken, String currency, long t, Set<RiskFeature> needed) {
    boolean merchantWindows = needed.stream().anyMatch(MERCHANT_WINDOWED::contains);
    boolean cardWindows = cardToken != null && needed.stream().anyMatch(CARD_WINDOWED::contains);
    boolean velocity = needed.stream().anyMatch(VELOCITY::contains);
    boolean refunds = needed.contains(RiskFeature.MERCHANT_REFUND_RATIO_24H);
    boolean exposure =
        needed.contains(RiskFeature.MERCHANT_OPEN_EXPOSURE)
            || needed.contains(RiskFeature.MERCHANT_EXPOSURE_TO_LIMIT);
    boolean seen = cardToken != null && needed.contains(RiskFeature.CARD_FIRST_SEEN_AT_MERCHANT);
    ReadOnlyWindowStore<String, ActivityBucket> day = activity.get(FeatureWindow.ONE_DAY);
    long dayFrom = FeatureWindow.ONE_DAY.firstBucketStart(t);
    return new FeatureInputs(
        velocity ? velocity(merchantId, currency, t) : MerchantActivity.NONE,
        merchantWindows ? windows(merchantKey(merchantId), t) : null,
        cardWindows ? windows(cardKey(merchantId, cardToken), t) : null,
        seen ? lastCardSeen(merchantId, cardToken, t) != null : null,
        refunds ? sum(day, dayKey(capturesKey(merchantId)), dayFrom, t).count() : null,
        refunds ? sum(day, dayKey(refundsKey(merchantId)), dayFrom, t).count() : null,
        exposure ? openExposure(merchantId, t).in(currency).sumMinor() : null,
        config.exposureLimitMinor());
  }

  private static final Set<RiskFeature> VELOCITY =
      EnumSet.of(
          RiskFeature.MERCHANT_COUNT_WINDOW,
          RiskFeature.MERCHANT_SUM_WINDOW,
          RiskFeature.AMOUNT_TO_MERCHANT_MEAN);
  private static final Set<RiskFeature> MERCHANT_WINDOWED =
      EnumSet.of(
          RiskFeature.MERCHANT_COUNT_1M,
          RiskFeature.MERCHANT_COUNT_1H,
          RiskFeature.MERCHANT_COUNT_24H,
          RiskFeature.MERCHANT_SUM_1M,
          RiskFeature.MERCHANT_SUM_1H,
          RiskFeature.MERCHANT_SUM_24H,
          RiskFeature.AMOUNT_ZSCORE);
  private static final Set<RiskFeature> CARD_WINDOWED =
      EnumSet.of(
          RiskFeature.CARD_COUNT_1M,
          RiskFeature.CARD_COUNT_1H,
          RiskFeature.CARD_COUNT_24H,
          RiskFeature.CARD_SUM_1M,
          RiskFeature.CARD_SUM_1H,
          RiskFeature.CARD_SUM_24H);

  /** What the features endpoint shows for a merchant at time t (no payment being scored). */
  record MerchantSnapshot(
      Map<FeatureWindow, ActivityBucket> windows,
      ActivityBucket openExposure,
      long captures24h,
      long refunds24h) {}

  MerchantSnapshot snapshot(String merchantId, long t) {
    ReadOnlyWindowStore<String, ActivityBucket> day = activity.get(FeatureWindow.ONE_DAY);
    long from = FeatureWindow.ONE_DAY.firstBucketStart(t);
    return new MerchantSnapshot(
        windows(merchantKey(merchantId), t),
        openExposure(merchantId, t),
        sum(day, dayKey(capturesKey(merchantId)), from, t).count(),
        sum(day, dayKey(refundsKey(merchantId)), from, t).count());
  }

  /** Net open exposure per currency: day buckets within the horizon. */
  ActivityBucket openExposure(String merchantId, long t) {
    return sum(exposure, merchantId, Math.max(0, t - config.exposureHorizon().toMillis() + 1), t);
  }

  /** When the card token last paid the merchant within the card memory, or null. */
  Long lastCardSeen(String merchantId, String cardToken, long t) {
    try (WindowStoreIterator<Long> it =
        cardSeen.backwardFetch(
            cardKey(merchantId, cardToken),
            at(Math.max(0, t - config.cardMemory().toMillis() + 1)),
            at(t))) {
      return it.hasNext() ? it.next().key : null;
    }
  }

  private Map<FeatureWindow, ActivityBucket> windows(String key, long t) {
    Map<FeatureWindow, ActivityBucket> m = new EnumMap<>(FeatureWindow.class);
    for (FeatureWindow w : FeatureWindow.values()) {
      m.put(w, sum(activity.get(w), w.key(key), w.firstBucketStart(t), t));
    }
    return m;
  }

  private static String dayKey(String entityKey) {
    return FeatureWindow.ONE_DAY.key(entityKey);
  }

  private static ActivityBucket sum(
      ReadOnlyWindowStore<String, ActivityBucket> store, String key, long from, long to) {
    ActivityBucket total = ActivityBucket.EMPTY;
    try (WindowStoreIterator<ActivityBucket> it = store.fetch(key, at(Math.max(0, from)), at(to))) {
      while (it.hasNext()) {
        total = total.plus(it.next().value);
      }
    }
    return total;
  }

  private static Instant at(long ms) {
    return Instant.ofEpochMilli(ms);
  }

  private MerchantActivity velocity(String merchantId, String currency, long t) {
    int all = 0;
    int same = 0;
    long sameAmount = 0;
    try (WindowStoreIterator<MerchantPayment> it =
        payments.fetch(
            merchantId, at(Math.max(0, t - config.velocityWindow().toMillis() + 1)), at(t))) {
      while (it.hasNext() && all < MAX_ENTRIES_READ_PER_PAYMENT) {
        KeyValue<Long, MerchantPayment> entry = it.next();
        all++;
        if (entry.value.currency().equals(currency)) {
          same++;
          sameAmount = ActivityBucket.saturatingAdd(sameAmount, entry.value.amountMinor());
        }
      }
    }
    return new MerchantActivity(all, same, sameAmount);
  }
}
