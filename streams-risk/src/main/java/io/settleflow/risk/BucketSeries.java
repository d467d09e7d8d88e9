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
  private final boolean squares;
  private long[] starts = new long[4];
  private String[] currencies = new String[4];
  private long[] counts = new long[4];
  private long[] sums = new long[4];
  private BigInteger[] squareSums;
  private int size;

  BucketSeries(boolean squares) {
    this.squares = squares;
    this.squareSums = squares ? new BigInteger[4] : null;
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
        BigInteger a = BigInteger.valueOf(amountMinor);
        squareSums[i] = squareSums[i].add(a.multiply(a));
      }
      return;
    }
    BigInteger a = BigInteger.valueOf(amountMinor);
    insert(i + 1, start, currency, 1, amountMinor, squares ? a.multiply(a) : null);
  }

  private void insert(int at, long start, String currency, long count, long sum, BigInteger sq) {
    if (size == starts.length) {
      int capacity = size * 2;
      starts = Arrays.copyOf(starts, capacity);
      currencies = Arrays.copyOf(currencies, capacity);
      counts = Arrays.copyOf(counts, capacity);
      sums = Arrays.copyOf(sums, capacity);
      if (squares) {
        squareSums = Arrays.copyOf(squareSums, capacity);
      }
    }
    int tail = size - at;
    System.arraycopy(starts, at, starts, at + 1, tail);
    System.arraycopy(currencies, at, currencies, at + 1, tail);
    System.arraycopy(counts, at, counts, at + 1, tail);
    System.arraycopy(sums, at, sums, at + 1, tail);
    if (squares) {
      System.arraycopy(squareSums, at, squareSums, at + 1, tail);
      squareSums[at] = sq;
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
      Arrays.fill(squareSums, rest, size, null);
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
      BigInteger s = squares ? squareSums[i] : BigInteger.ZERO;
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
        w.writeBytes(squareSums[i].toByteArray());
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
