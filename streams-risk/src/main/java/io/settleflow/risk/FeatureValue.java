package io.settleflow.risk;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;

/**
 * A feature's value as an exact fraction, so a ratio such as amount / mean compares with a decimal
 * threshold without rounding: {@code numerator / denominator}, denominator > 0.
 */
record FeatureValue(BigInteger numerator, BigInteger denominator) {
  FeatureValue {
    if (denominator.signum() <= 0) {
      throw new IllegalArgumentException("denominator must be positive");
    }
  }

  static FeatureValue of(long value) {
    return new FeatureValue(BigInteger.valueOf(value), BigInteger.ONE);
  }

  /** signum(this - threshold), exactly. */
  int compareTo(BigDecimal threshold) {
    // n/d vs u/10^s  <=>  n * 10^s vs u * d (d > 0); a negative scale folds into u
    BigDecimal t = threshold.scale() < 0 ? threshold.setScale(0) : threshold;
    BigInteger lhs = numerator.multiply(BigInteger.TEN.pow(t.scale()));
    BigInteger rhs = t.unscaledValue().multiply(denominator);
    return lhs.compareTo(rhs);
  }

  /** For reasons: plain, at most 2 decimals. */
  String display() {
    if (denominator.equals(BigInteger.ONE)) {
      return numerator.toString();
    }
    return new BigDecimal(numerator)
        .divide(new BigDecimal(denominator), 2, RoundingMode.HALF_UP)
        .stripTrailingZeros()
        .toPlainString();
  }
}
