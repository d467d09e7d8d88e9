package io.settleflow.risk;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Turns the histories of a merchant and of a card at it into {@link FeatureInputs}: for the scoring
 * processor (its in-task histories) and for the features endpoint (entries read from the store).
 */
final class FeatureState {
  private final RiskConfig config;

  FeatureState(RiskConfig config) {
    this.config = config;
  }

  /** Store keys of one entity; length-prefixed so "a|b" + "c" never meets "a" + "b|c". */
  static String merchantKey(String merchantId) {
    return "m|" + merchantId;
  }

  static String cardKey(String merchantId, String cardToken) {
    return "c|" + merchantId.length() + "|" + merchantId + "|" + cardToken;
  }

  /** The inputs for a payment at event time t, all of them. */
  FeatureInputs read(EntityHistory merchant, EntityHistory card, String currency, long t) {
    return read(merchant, card, currency, t, EnumSet.allOf(RiskFeature.class));
  }

  /**
   * Only what the {@code needed} features are computed from: the rest is left unknown (null), so a
   * payment does not pay for summing windows no rule in force looks at.
   *
   * @param merchant the merchant's history, never null (empty for a first payment)
   * @param card the card's history at the merchant, empty for a first payment, null without token
   */
  FeatureInputs read(
      EntityHistory merchant,
      EntityHistory card,
      String currency,
      long t,
      Set<RiskFeature> needed) {
    boolean merchantWindows = containsAny(needed, MERCHANT_WINDOWED);
    boolean cardWindows = card != null && containsAny(needed, CARD_WINDOWED);
    boolean velocity = containsAny(needed, VELOCITY);
    boolean refunds = needed.contains(RiskFeature.MERCHANT_REFUND_RATIO_24H);
    boolean exposure =
        needed.contains(RiskFeature.MERCHANT_OPEN_EXPOSURE)
            || needed.contains(RiskFeature.MERCHANT_EXPOSURE_TO_LIMIT);
    boolean seen = card != null && needed.contains(RiskFeature.CARD_FIRST_SEEN_AT_MERCHANT);
    return new FeatureInputs(
        velocity
            ? merchant.velocity(t, config.velocityWindow().toMillis(), currency)
            : MerchantActivity.NONE,
        merchantWindows ? merchant.windows(t) : null,
        cardWindows ? card.windows(t) : null,
        seen ? card.seenWithin(t, config.cardMemory().toMillis()) : null,
        refunds ? merchant.captures24h(t) : null,
        refunds ? merchant.refunds24h(t) : null,
        exposure
            ? merchant.openExposure(t, config.exposureHorizon().toMillis()).in(currency).sumMinor()
            : null,
        config.exposureLimitMinor());
  }

  private static boolean containsAny(Set<RiskFeature> needed, Set<RiskFeature> any) {
    for (RiskFeature f : any) {
      if (needed.contains(f)) {
        return true;
      }
    }
    return false;
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

  /**
   * @param merchant the merchant's history, or null when the store holds none
   */
  MerchantSnapshot snapshot(EntityHistory merchant, long t) {
    EntityHistory h = merchant == null ? new EntityHistory(EntityHistory.Kind.MERCHANT) : merchant;
    return new MerchantSnapshot(
        h.windows(t),
        h.openExposure(t, config.exposureHorizon().toMillis()),
        h.captures24h(t),
        h.refunds24h(t));
  }
}
