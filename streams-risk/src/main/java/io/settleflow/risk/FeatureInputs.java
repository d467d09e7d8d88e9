package io.settleflow.risk;

import java.util.Map;

/**
 * What the features of one authorization are computed from, read from state before the payment
 * itself is added. A null field is not known (e.g. no card token, or a caller that only has the
 * velocity window); the features built on it are then undefined and their rules do not fire.
 *
 * @param velocity the merchant's earlier payments in the configured exact window
 * @param merchant the merchant's earlier authorizations per {@link FeatureWindow}
 * @param card the same for this card token at this merchant (null without a token)
 * @param cardSeenBefore whether this card token paid this merchant within the card memory
 * @param captures24h the merchant's captures in the day window
 * @param refunds24h the merchant's refunds in the day window
 * @param openExposureMinor the merchant's open exposure in the payment's currency before it
 * @param exposureLimitMinor the configured limit the exposure is compared with
 */
record FeatureInputs(
    MerchantActivity velocity,
    Map<FeatureWindow, ActivityBucket> merchant,
    Map<FeatureWindow, ActivityBucket> card,
    Boolean cardSeenBefore,
    Long captures24h,
    Long refunds24h,
    Long openExposureMinor,
    long exposureLimitMinor) {

  /** Only the exact velocity window is known: the bucketed features are undefined. */
  static FeatureInputs velocityOnly(MerchantActivity velocity) {
    return new FeatureInputs(velocity, null, null, null, null, null, null, 0);
  }
}
