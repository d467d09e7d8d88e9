package io.settleflow.risk;

import java.math.BigInteger;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/** The features of one payment, computed from its amount and the merchant's earlier activity. */
final class PaymentFeatures {
  private final Map<RiskFeature, FeatureValue> values;

  private PaymentFeatures(Map<RiskFeature, FeatureValue> values) {
    this.values = values;
  }

  /**
   * @param meanMinPayments {@link RiskFeature#AMOUNT_TO_MERCHANT_MEAN} is undefined with fewer
   *     earlier same-currency payments than this (a mean of one or two payments says little)
   */
  static PaymentFeatures of(long amountMinor, MerchantActivity before, int meanMinPayments) {
    Map<RiskFeature, FeatureValue> v = new EnumMap<>(RiskFeature.class);
    v.put(RiskFeature.AMOUNT_MINOR, FeatureValue.of(amountMinor));
    v.put(RiskFeature.MERCHANT_COUNT_WINDOW, FeatureValue.of(before.paymentsInWindow() + 1L));
    v.put(
        RiskFeature.MERCHANT_SUM_WINDOW,
        new FeatureValue(
            BigInteger.valueOf(before.sameCurrencyAmountMinor()).add(BigInteger.valueOf(amountMinor)),
            BigInteger.ONE));
    if (before.sameCurrencyPayments() >= meanMinPayments
        && before.sameCurrencyPayments() > 0
        && before.sameCurrencyAmountMinor() > 0) {
      // amount / (sum / n) = amount * n / sum
      v.put(
          RiskFeature.AMOUNT_TO_MERCHANT_MEAN,
          new FeatureValue(
              BigInteger.valueOf(amountMinor).multiply(BigInteger.valueOf(before.sameCurrencyPayments())),
              BigInteger.valueOf(before.sameCurrencyAmountMinor())));
    }
    return new PaymentFeatures(v);
  }

  Optional<FeatureValue> value(RiskFeature feature) {
    return Optional.ofNullable(values.get(feature));
  }
}
