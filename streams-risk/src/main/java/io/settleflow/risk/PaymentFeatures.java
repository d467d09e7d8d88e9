package io.settleflow.risk;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/** The features of one payment, computed from its amount and what state held before it. Pure. */
final class PaymentFeatures {
  /** z-scores are exact to this many decimals (a square root is not a fraction). */
  static final int ZSCORE_DECIMALS = 6;

  private static final MathContext SQRT_PRECISION = new MathContext(34);

  private final Map<RiskFeature, FeatureValue> values;

  private PaymentFeatures(Map<RiskFeature, FeatureValue> values) {
    this.values = values;
  }

  /**
   * @param meanMinPayments {@link RiskFeature#AMOUNT_TO_MERCHANT_MEAN} is undefined with fewer
   *     earlier same-currency payments than this (a mean of one or two payments says little)
   */
  static PaymentFeatures of(long amountMinor, MerchantActivity before, int meanMinPayments) {
    return of(amountMinor, "", FeatureInputs.velocityOnly(before), meanMinPayments);
  }

  static PaymentFeatures of(
      long amountMinor, String currency, FeatureInputs in, int meanMinPayments) {
    Map<RiskFeature, FeatureValue> v = new EnumMap<>(RiskFeature.class);
    MerchantActivity before = in.velocity();
    v.put(RiskFeature.AMOUNT_MINOR, FeatureValue.of(amountMinor));
    v.put(RiskFeature.MERCHANT_COUNT_WINDOW, FeatureValue.of(before.paymentsInWindow() + 1L));
    v.put(
        RiskFeature.MERCHANT_SUM_WINDOW,
        new FeatureValue(
            BigInteger.valueOf(before.sameCurrencyAmountMinor())
                .add(BigInteger.valueOf(amountMinor)),
            BigInteger.ONE));
    if (before.sameCurrencyPayments() >= meanMinPayments
        && before.sameCurrencyPayments() > 0
        && before.sameCurrencyAmountMinor() > 0) {
      // amount / (sum / n) = amount * n / sum
      v.put(
          RiskFeature.AMOUNT_TO_MERCHANT_MEAN,
          new FeatureValue(
              BigInteger.valueOf(amountMinor)
                  .multiply(BigInteger.valueOf(before.sameCurrencyPayments())),
              BigInteger.valueOf(before.sameCurrencyAmountMinor())));
    }
    if (in.merchant() != null) {
      windowed(
          v,
          in.merchant(),
          amountMinor,
          currency,
          RiskFeature.MERCHANT_COUNT_1M,
          RiskFeature.MERCHANT_COUNT_1H,
          RiskFeature.MERCHANT_COUNT_24H,
          RiskFeature.MERCHANT_SUM_1M,
          RiskFeature.MERCHANT_SUM_1H,
          RiskFeature.MERCHANT_SUM_24H);
      zScore(
              in.merchant().getOrDefault(FeatureWindow.ONE_DAY, ActivityBucket.EMPTY).in(currency),
              amountMinor,
              meanMinPayments)
          .ifPresent(z -> v.put(RiskFeature.AMOUNT_ZSCORE, z));
    }
    if (in.card() != null) {
      windowed(
          v,
          in.card(),
          amountMinor,
          currency,
          RiskFeature.CARD_COUNT_1M,
          RiskFeature.CARD_COUNT_1H,
          RiskFeature.CARD_COUNT_24H,
          RiskFeature.CARD_SUM_1M,
          RiskFeature.CARD_SUM_1H,
          RiskFeature.CARD_SUM_24H);
    }
    if (in.cardSeenBefore() != null) {
      v.put(RiskFeature.CARD_FIRST_SEEN_AT_MERCHANT, FeatureValue.of(in.cardSeenBefore() ? 0 : 1));
    }
    if (in.captures24h() != null && in.refunds24h() != null && in.captures24h() > 0) {
      v.put(
          RiskFeature.MERCHANT_REFUND_RATIO_24H,
          new FeatureValue(
              BigInteger.valueOf(in.refunds24h()), BigInteger.valueOf(in.captures24h())));
    }
    if (in.openExposureMinor() != null) {
      // settlements of authorizations older than the horizon can push the net below zero
      BigInteger exposure =
          BigInteger.valueOf(Math.max(0, in.openExposureMinor()))
              .add(BigInteger.valueOf(amountMinor));
      v.put(RiskFeature.MERCHANT_OPEN_EXPOSURE, new FeatureValue(exposure, BigInteger.ONE));
      if (in.exposureLimitMinor() > 0) {
        v.put(
            RiskFeature.MERCHANT_EXPOSURE_TO_LIMIT,
            new FeatureValue(exposure, BigInteger.valueOf(in.exposureLimitMinor())));
      }
    }
    return new PaymentFeatures(v);
  }

  private static void windowed(
      Map<RiskFeature, FeatureValue> v,
      Map<FeatureWindow, ActivityBucket> before,
      long amountMinor,
      String currency,
      RiskFeature count1m,
      RiskFeature count1h,
      RiskFeature count24h,
      RiskFeature sum1m,
      RiskFeature sum1h,
      RiskFeature sum24h) {
    for (FeatureWindow w : FeatureWindow.values()) {
      RiskFeature[] names =
          switch (w) {
            case ONE_MINUTE -> new RiskFeature[] {count1m, sum1m};
            case ONE_HOUR -> new RiskFeature[] {count1h, sum1h};
            case ONE_DAY -> new RiskFeature[] {count24h, sum24h};
          };
      ActivityBucket b = before.getOrDefault(w, ActivityBucket.EMPTY);
      v.put(names[0], FeatureValue.of(ActivityBucket.saturatingAdd(b.count(), 1)));
      v.put(
          names[1],
          new FeatureValue(
              BigInteger.valueOf(b.in(currency).sumMinor()).add(BigInteger.valueOf(amountMinor)),
              BigInteger.ONE));
    }
  }

  /** (n·x − S) / sqrt(n·Q − S²): the population z-score of x against n earlier amounts. */
  static Optional<FeatureValue> zScore(
      ActivityBucket.Totals earlier, long amountMinor, int minPayments) {
    long n = earlier.count();
    if (n < Math.max(2, minPayments)) {
      return Optional.empty();
    }
    BigInteger bn = BigInteger.valueOf(n);
    BigInteger s = BigInteger.valueOf(earlier.sumMinor());
    BigInteger spread = bn.multiply(earlier.sumOfSquares()).subtract(s.multiply(s));
    if (spread.signum() <= 0) {
      return Optional.empty();
    }
    BigDecimal root = new BigDecimal(spread).sqrt(SQRT_PRECISION);
    BigDecimal z =
        new BigDecimal(bn.multiply(BigInteger.valueOf(amountMinor)).subtract(s))
            .divide(root, ZSCORE_DECIMALS, RoundingMode.HALF_EVEN);
    return Optional.of(new FeatureValue(z.unscaledValue(), BigInteger.TEN.pow(ZSCORE_DECIMALS)));
  }

  Optional<FeatureValue> value(RiskFeature feature) {
    return Optional.ofNullable(values.get(feature));
  }

  /** Every defined feature, in declaration order (for the features endpoint). */
  Map<RiskFeature, FeatureValue> all() {
    return Collections.unmodifiableMap(values);
  }
}
