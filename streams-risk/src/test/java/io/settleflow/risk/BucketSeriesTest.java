package io.settleflow.risk;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Sums of squares are kept in a long while they fit and exactly past that: every row is checked
 * against BigInteger arithmetic, before and after an encode/decode round trip.
 */
class BucketSeriesTest {
  private static final long BUCKET = 1_764_064_800_000L;
  private static final long BIG = 3_037_000_499L; // the largest amount whose square fits a long

  static Stream<Arguments> amounts() {
    return Stream.of(
        Arguments.of("small amounts", new long[] {100, 250, 1}),
        Arguments.of("one square at the long's edge", new long[] {BIG}),
        Arguments.of("one square past the long", new long[] {BIG + 1}),
        Arguments.of("the sum overflows the long", new long[] {BIG, BIG, 5}),
        Arguments.of("negative amounts square positive", new long[] {-BIG, -7}),
        Arguments.of("Long.MAX_VALUE", new long[] {Long.MAX_VALUE, 3}),
        Arguments.of("Long.MIN_VALUE", new long[] {Long.MIN_VALUE, Long.MIN_VALUE}),
        Arguments.of("small after big", new long[] {Long.MAX_VALUE, 1, 2, 3}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("amounts")
  void sumOfSquaresIsExact(String name, long[] amounts) {
    BucketSeries s = new BucketSeries(true);
    BigInteger expected = BigInteger.ZERO;
    for (long a : amounts) {
      s.add(BUCKET, "EUR", a);
      expected = expected.add(BigInteger.valueOf(a).multiply(BigInteger.valueOf(a)));
    }
    assertThat(s.total(BUCKET, BUCKET).in("EUR").sumOfSquares()).isEqualTo(expected);

    CompactBytes.Writer w = new CompactBytes.Writer(64);
    s.write(w);
    BucketSeries read = BucketSeries.read(new CompactBytes.Reader(w.toByteArray()), true);
    assertThat(read.total(BUCKET, BUCKET).in("EUR").sumOfSquares()).isEqualTo(expected);
    // and it goes on adding exactly after a decode
    read.add(BUCKET, "EUR", BIG);
    assertThat(read.total(BUCKET, BUCKET).in("EUR").sumOfSquares())
        .isEqualTo(expected.add(BigInteger.valueOf(BIG).pow(2)));
  }
}
