package io.settleflow.risk;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** compareTo is exact whether it takes the long path or BigInteger's. */
class FeatureValueTest {
  private static final BigInteger MAX = BigInteger.valueOf(Long.MAX_VALUE);
  private static final BigInteger MIN = BigInteger.valueOf(Long.MIN_VALUE);

  static Stream<Arguments> comparisons() {
    return Stream.of(
        row("5", "1", "5", 0),
        row("5", "1", "4.999999", 1),
        row("5", "1", "5.000001", -1),
        row("1", "3", "0.333333", 1),
        row("1", "3", "0.333334", -1),
        row("-7", "2", "-3.5", 0),
        row("-7", "2", "-3.4", -1),
        row("10", "1", "1E+1", 0), // negative scale
        row("10", "1", "1E+2", -1),
        row("3", "1", "2.999999999999999999", 1), // scale 18: the last long power of ten
        row("3", "1", "2.9999999999999999999", 1), // scale 19: BigInteger
        row(MAX.toString(), "1", "9223372036854775807", 0),
        row(MAX.toString(), "1", "9223372036854775806.5", 1), // n * 10 overflows a long
        row(MIN.toString(), "1", "-9223372036854775808", 0),
        row(MIN.toString(), "1", "-9223372036854775807.9", -1),
        row("1", MAX.toString(), "0.0000000000000000001", 1),
        row(MAX.multiply(MAX).toString(), "1", "1", 1), // numerator past a long
        row("5", "2", "99999999999999999999", -1)); // threshold past a long
  }

  private static Arguments row(String numerator, String denominator, String threshold, int sign) {
    return Arguments.of(numerator, denominator, threshold, sign);
  }

  @ParameterizedTest(name = "{0}/{1} vs {2}")
  @MethodSource("comparisons")
  void comparesExactly(String numerator, String denominator, String threshold, int sign) {
    FeatureValue v = new FeatureValue(new BigInteger(numerator), new BigInteger(denominator));
    BigDecimal t = new BigDecimal(threshold);
    assertThat(Integer.signum(v.compareTo(t))).isEqualTo(sign);
    // the reference: exact rational comparison in BigDecimal
    BigDecimal lhs = new BigDecimal(v.numerator());
    BigDecimal rhs = t.multiply(new BigDecimal(v.denominator()));
    assertThat(Integer.signum(lhs.compareTo(rhs))).isEqualTo(sign);
  }
}
