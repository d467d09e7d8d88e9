package io.settleflow.risk;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * One entity's time buckets of one granularity, sparse (only buckets that saw a movement), sorted
 * by bucket start then currency: per bucket and currency a count, a signed sum and, if {@code
 * squares}, the sum of squared amounts (for the spread). Mutable; bounded by its owner's pruning.
 * Pure.
 */
final class BucketSeries {
  private static final long[] NO_LONGS = {};
  private static final String[] NO_STRINGS = {};
  private static final BigInteger[] NO_BIGS = {};

  private final boolean squares;
  // allocated on the first bucket: most card entries are created for one payment
  private long[] starts = NO_LONGS;
  private String[] currencies = NO_STRINGS;
  private long[] counts = NO_LONGS;
  private long[] sums = NO_LONGS;

  /**
   * Sums of squares while they fit a long (an authorization's square is added with no allocation);
   * {@link #squareBig} holds the exact sum instead once one does not (then non-null there).
   */
  private long[] squareSums;

  private BigInteger[] squareBig;
  private int size;

  BucketSeries(boolean squares) {
    this.squares = squares;
    this.squareSums = squares ? NO_LONGS : null;
    this.squareBig = squares ? NO_BIGS : null;
  }

  int size() {
    return size;
  }

  /** Adds one movement to the bucket starting at {@code start}. */
  void add(long start, String currency, long amountMinor) {
    int i = size - 1;
    // most movements land in the newest bucket: search from the end
    while (i >= 0
        && (starts[i] > start || (starts[i] == start && currencies[i].compareTo(currency) > 0))) {
      i--;
    }
    if (i >= 0 && starts[i] == start && currencies[i].equals(currency)) {
      counts[i] = ActivityBucket.saturatingAdd(counts[i], 1);
      sums[i] = ActivityBucket.saturatingAdd(sums[i], amountMinor);
      if (squares) {
        addSquare(i, amountMinor);
      }
      return;
    }
    insert(i + 1, start, currency, 1, amountMinor, squares ? BigInteger.ZERO : null);
    if (squares) {
      addSquare(i + 1, amountMinor);
    }
  }

  /** Adds amount² to bucket i's sum of squares, exactly: in a long while it fits. */
  private void addSquare(int i, long amountMinor) {
    if (squareBig[i] == null) {
      long square = amountMinor * amountMinor;
      if (Math.multiplyHigh(amountMinor, amountMinor) == 0 && square >= 0) {
        // both terms ≥ 0: the sum overflowed exactly when it is negative
        long sum = squareSums[i] + square;
        if (sum >= 0) {
          squareSums[i] = sum;
          return;
        }
      }
      squareBig[i] = BigInteger.valueOf(squareSums[i]);
    }
    BigInteger a = BigInteger.valueOf(amountMinor);
    squareBig[i] = squareBig[i].add(a.multiply(a));
  }

  /** Bucket i's exact sum of squares. */
  private BigInteger square(int i) {
    return squareBig[i] != null ? squareBig[i] : BigInteger.valueOf(squareSums[i]);
  }

  private void insert(int at, long start, String currency, long count, long sum, BigInteger sq) {
    if (size == starts.length) {
      int capacity = Math.max(4, size * 2);
      starts = Arrays.copyOf(starts, capacity);
      currencies = Arrays.copyOf(currencies, capacity);
      counts = Arrays.copyOf(counts, capacity);
      sums = Arrays.copyOf(sums, capacity);
      if (squares) {
        squareSums = Arrays.copyOf(squareSums, capacity);
        squareBig = Arrays.copyOf(squareBig, capacity);
      }
    }
    int tail = size - at;
    System.arraycopy(starts, at, starts, at + 1, tail);
    System.arraycopy(currencies, at, currencies, at + 1, tail);
    System.arraycopy(counts, at, counts, at + 1, tail);
    System.arraycopy(sums, at, sums, at + 1, tail);
    if (squares) {
      System.arraycopy(squareSums, at, squareSums, at + 1, tail);
      System.arraycopy(squareBig, at, squareBig, at + 1, tail);
      boolean fits = sq.bitLength() < Long.SIZE;
      squareSums[at] = fits ? sq.longValue() : 0;
      squareBig[at] = fits ? null : sq;
    }
    starts[at] = start;
    currencies[at] = currency;
    counts[at] = count;
    sums[at] = sum;
    size++;
  }

  /** Drops the buckets starting before {@code oldestStart}. */
  void dropBefore(long oldestStart) {
    int n = 0;
    while (n < size && starts[n] < oldestStart) {
      n++;
    }
    if (n == 0) {
      return;
    }
    int rest = size - n;
    System.arraycopy(starts, n, starts, 0, rest);
    System.arraycopy(currencies, n, currencies, 0, rest);
    System.arraycopy(counts, n, counts, 0, rest);
    System.arraycopy(sums, n, sums, 0, rest);
    Arrays.fill(currencies, rest, size, null);
    if (squares) {
      System.arraycopy(squareSums, n, squareSums, 0, rest);
      System.arraycopy(squareBig, n, squareBig, 0, rest);
      Arrays.fill(squareBig, rest, size, null);
    }
    size = rest;
  }

  /** The buckets starting in [from, to], summed per currency. */
  ActivityBucket total(long from, long to) {
    String only = null;
    long count = 0;
    long sum = 0;
    BigInteger sq = BigInteger.ZERO;
    Map<String, ActivityBucket.Totals> several = null;
    for (int i = 0; i < size; i++) {
      if (starts[i] < from || starts[i] > to) {
        continue;
      }
      BigInteger s = squares ? square(i) : BigInteger.ZERO;
      if (several == null && (only == null || only.equals(currencies[i]))) {
        only = currencies[i];
        count = ActivityBucket.saturatingAdd(count, counts[i]);
        sum = ActivityBucket.saturatingAdd(sum, sums[i]);
        sq = sq.add(s);
        continue;
      }
      if (several == null) {
        several = new HashMap<>();
        several.put(only, new ActivityBucket.Totals(count, sum, sq));
      }
      several.merge(
          currencies[i],
          new ActivityBucket.Totals(counts[i], sums[i], s),
          ActivityBucket.Totals::plus);
    }
    if (several != null) {
      return new ActivityBucket(several);
    }
    return only == null
        ? ActivityBucket.EMPTY
        : new ActivityBucket(Map.of(only, new ActivityBucket.Totals(count, sum, sq)));
  }

  /** Movements of any currency in the buckets starting in [from, to]. */
  long count(long from, long to) {
    long n = 0;
    for (int i = 0; i < size; i++) {
      if (starts[i] >= from && starts[i] <= to) {
        n = ActivityBucket.saturatingAdd(n, counts[i]);
      }
    }
    return n;
  }

  /** Bucket starts as deltas from the previous one; squares as two's-complement bytes. */
  void write(CompactBytes.Writer w) {
    w.writeUnsigned(size);
    long previous = 0;
    for (int i = 0; i < size; i++) {
      w.writeLong(starts[i] - previous);
      previous = starts[i];
      w.writeString(currencies[i]).writeLong(counts[i]).writeLong(sums[i]);
      if (squares) {
        w.writeBytes(square(i).toByteArray());
      }
    }
  }

  static BucketSeries read(CompactBytes.Reader r, boolean squares) {
    BucketSeries s = new BucketSeries(squares);
    int n = r.readLength();
    long start = 0;
    for (int i = 0; i < n; i++) {
      start += r.readLong();
      String currency = r.readString();
      long count = r.readLong();
      long sum = r.readLong();
      BigInteger sq = squares ? new BigInteger(r.readBytes()) : null;
      if (i > 0 && (start < s.starts[i - 1])) {
        throw new IllegalArgumentException("state value: buckets out of order");
      }
      s.insert(i, start, currency, count, sum, sq);
    }
    return s;
  }
}
