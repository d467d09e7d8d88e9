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
    int scale = t.scale();
    BigInteger u = t.unscaledValue();
    if (scale < POWERS_OF_TEN.length
        && numerator.bitLength() < Long.SIZE
        && denominator.bitLength() < Long.SIZE
        && u.bitLength() < Long.SIZE) {
      // the common case (counts, amounts, thresholds with a few decimals) in longs, when exact
      long n = numerator.longValue();
      long p = POWERS_OF_TEN[scale];
      long un = u.longValue();
      long d = denominator.longValue();
      long lhs = n * p;
      long rhs = un * d;
      if (Math.multiplyHigh(n, p) == (lhs >> 63) && Math.multiplyHigh(un, d) == (rhs >> 63)) {
        return Long.compare(lhs, rhs);
      }
    }
    BigInteger lhs = numerator.multiply(BigInteger.TEN.pow(t.scale()));
    BigInteger rhs = t.unscaledValue().multiply(denominator);
    return lhs.compareTo(rhs);
  }

  /** 10^0 … 10^18: every power of ten a long holds. */
  private static final long[] POWERS_OF_TEN = new long[19];

  static {
    POWERS_OF_TEN[0] = 1;
    for (int i = 1; i < POWERS_OF_TEN.length; i++) {
      POWERS_OF_TEN[i] = POWERS_OF_TEN[i - 1] * 10;
    }
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
