package io.settleflow.risk;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every feature as a pure function of what state held before the payment. */
class PaymentFeaturesTest {
  private static final int MEAN_MIN = 3;
  private static final long LIMIT = 10_000;

  static Stream<Arguments> cases() {
    return Stream.of(
        // name, amount, inputs, feature, expected display (null = undefined)
        row(
            "first payment counts itself in every window",
            500,
            empty(),
            RiskFeature.MERCHANT_COUNT_1M,
            "1"),
        row(
            "1 h count adds earlier ones of any currency",
            500,
            merchant(FeatureWindow.ONE_HOUR, bucket("EUR", 3, 300).plus(bucket("USD", 2, 9_000))),
            RiskFeature.MERCHANT_COUNT_1H,
            "6"),
        row(
            "24 h sum adds only the same currency",
            500,
            merchant(FeatureWindow.ONE_DAY, bucket("EUR", 3, 300).plus(bucket("USD", 2, 9_000))),
            RiskFeature.MERCHANT_SUM_24H,
            "800"),
        row(
            "card 1 m count",
            500,
            card(FeatureWindow.ONE_MINUTE, bucket("EUR", 4, 400)),
            RiskFeature.CARD_COUNT_1M,
            "5"),
        row(
            "card 1 h sum",
            500,
            card(FeatureWindow.ONE_HOUR, bucket("EUR", 4, 400)),
            RiskFeature.CARD_SUM_1H,
            "900"),
        row(
            "no card token: card features undefined",
            500,
            empty(),
            RiskFeature.CARD_COUNT_24H,
            null),
        row(
            "first time a card pays this merchant",
            500,
            seen(false),
            RiskFeature.CARD_FIRST_SEEN_AT_MERCHANT,
            "1"),
        row(
            "a card seen before is not first",
            500,
            seen(true),
            RiskFeature.CARD_FIRST_SEEN_AT_MERCHANT,
            "0"),
        // 100, 200, 300: mean 200, population sd sqrt(20000/3) = 81.65; (500-200)/81.65 = 3.674235
        row(
            "z-score against the 24 h mean and spread",
            500,
            merchant(FeatureWindow.ONE_DAY, amounts(100, 200, 300)),
            RiskFeature.AMOUNT_ZSCORE,
            "3.67"),
        row(
            "z-score below the mean is negative",
            100,
            merchant(FeatureWindow.ONE_DAY, amounts(100, 200, 300)),
            RiskFeature.AMOUNT_ZSCORE,
            "-1.22"),
        row(
            "z-score needs meanMinPayments earlier payments",
            500,
            merchant(FeatureWindow.ONE_DAY, amounts(100, 300)),
            RiskFeature.AMOUNT_ZSCORE,
            null),
        row(
            "z-score undefined without spread",
            500,
            merchant(FeatureWindow.ONE_DAY, amounts(200, 200, 200)),
            RiskFeature.AMOUNT_ZSCORE,
            null),
        row(
            "refund ratio is refunds over captures",
            500,
            refunds(4, 3),
            RiskFeature.MERCHANT_REFUND_RATIO_24H,
            "0.75"),
        row(
            "refund ratio undefined without captures",
            500,
            refunds(0, 2),
            RiskFeature.MERCHANT_REFUND_RATIO_24H,
            null),
        row(
            "open exposure adds this authorization",
            500,
            exposure(2_000),
            RiskFeature.MERCHANT_OPEN_EXPOSURE,
            "2500"),
        row(
            "a negative net (settled before the horizon) counts as zero",
            500,
            exposure(-7_000),
            RiskFeature.MERCHANT_OPEN_EXPOSURE,
            "500"),
        row(
            "exposure against the limit",
            500,
            exposure(9_500),
            RiskFeature.MERCHANT_EXPOSURE_TO_LIMIT,
            "1"),
        row(
            "exposure against the limit, fraction",
            500,
            exposure(2_000),
            RiskFeature.MERCHANT_EXPOSURE_TO_LIMIT,
            "0.25"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void eachFeatureIsComputedFromTheStateBeforeThePayment(
      String name, long amountMinor, FeatureInputs inputs, RiskFeature feature, String expected) {
    PaymentFeatures f = PaymentFeatures.of(amountMinor, "EUR", inputs, MEAN_MIN);

    assertThat(f.value(feature).map(FeatureValue::display).orElse(null)).isEqualTo(expected);
  }

  @Test
  void theZScoreIsExactToSixDecimals() {
    var z = PaymentFeatures.zScore(amounts(100, 200, 300).in("EUR"), 500, MEAN_MIN).orElseThrow();
    assertThat(z.compareTo(new java.math.BigDecimal("3.674234"))).isPositive();
    assertThat(z.compareTo(new java.math.BigDecimal("3.674235"))).isZero();
  }

  @Test
  void bucketsSurviveTheirSerde() {
    ActivityBucket b = amounts(100, 200).plus(bucket("USD", 1, -5));
    var serde = ActivityBucket.serde();
    assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", b)))
        .isEqualTo(b);
  }

  @Test
  void windowsReadTheirLastBucketsIncludingTheCurrentOne() {
    long t = 3_600_000L * 10 + 61_500; // 10:01:01.5
    assertThat(FeatureWindow.ONE_MINUTE.bucketStart(t)).isEqualTo(3_600_000L * 10 + 61_000);
    assertThat(FeatureWindow.ONE_MINUTE.firstBucketStart(t)).isEqualTo(3_600_000L * 10 + 2_000);
    assertThat(FeatureWindow.ONE_HOUR.firstBucketStart(t)).isEqualTo(3_600_000L * 9 + 120_000);
    assertThat(FeatureWindow.ONE_DAY.firstBucketStart(t)).isEqualTo(3_600_000L * -13);
  }

  private static Arguments row(
      String name, long amount, FeatureInputs in, RiskFeature f, String expected) {
    return Arguments.of(name, amount, in, f, expected);
  }

  private static ActivityBucket bucket(String currency, long count, long sum) {
    java.math.BigInteger s = java.math.BigInteger.valueOf(sum);
    return new ActivityBucket(
        Map.of(currency, new ActivityBucket.Totals(count, sum, s.multiply(s))));
  }

  private static ActivityBucket amounts(long... amounts) {
    ActivityBucket b = ActivityBucket.EMPTY;
    for (long a : amounts) {
      b = b.plus(ActivityBucket.of("EUR", a));
    }
    return b;
  }

  private static FeatureInputs empty() {
    return new FeatureInputs(
        MerchantActivity.NONE, new EnumMap<>(FeatureWindow.class), null, null, 0L, 0L, 0L, LIMIT);
  }

  private static FeatureInputs merchant(FeatureWindow w, ActivityBucket b) {
    Map<FeatureWindow, ActivityBucket> m = new EnumMap<>(FeatureWindow.class);
    m.put(w, b);
    return new FeatureInputs(MerchantActivity.NONE, m, null, null, 0L, 0L, 0L, LIMIT);
  }

  private static FeatureInputs card(FeatureWindow w, ActivityBucket b) {
    Map<FeatureWindow, ActivityBucket> m = new EnumMap<>(FeatureWindow.class);
    m.put(w, b);
    return new FeatureInputs(MerchantActivity.NONE, Map.of(), m, false, 0L, 0L, 0L, LIMIT);
  }

  private static FeatureInputs seen(boolean before) {
    return new FeatureInputs(MerchantActivity.NONE, Map.of(), Map.of(), before, 0L, 0L, 0L, LIMIT);
  }

  private static FeatureInputs refunds(long captures, long refunds) {
    return new FeatureInputs(
        MerchantActivity.NONE, Map.of(), null, null, captures, refunds, 0L, LIMIT);
  }

  private static FeatureInputs exposure(long before) {
    return new FeatureInputs(MerchantActivity.NONE, Map.of(), null, null, 0L, 0L, before, LIMIT);
  }
}
