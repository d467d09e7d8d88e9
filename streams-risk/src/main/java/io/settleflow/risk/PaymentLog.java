package io.settleflow.risk;

import java.util.Arrays;

/**
 * A merchant's authorizations in the exact velocity window (plus lateness), one entry per payment,
 * sorted by event time; at most {@link #MAX_ENTRIES} (the oldest go first). Mutable. Pure.
 */
final class PaymentLog {
  /**
   * Bounds the entries (and the work per payment) far above any velocity limit: past this many the
   * velocity rules have long fired.
   */
  static final int MAX_ENTRIES = 10_000;

  private long[] times = new long[4];
  private long[] amounts = new long[4];
  private String[] currencies = new String[4];
  private int size;

  int size() {
    return size;
  }

  void add(long t, long amountMinor, String currency) {
    if (size == MAX_ENTRIES) {
      if (t < times[0]) {
        return; // older than everything kept while full: it would be dropped first
      }
      drop(1);
    }
    if (size == times.length) {
      int capacity = Math.min(MAX_ENTRIES, size * 2);
      times = Arrays.copyOf(times, capacity);
      amounts = Arrays.copyOf(amounts, capacity);
      currencies = Arrays.copyOf(currencies, capacity);
    }
    int at = size;
    while (at > 0 && times[at - 1] > t) {
      at--;
    }
    int tail = size - at;
    System.arraycopy(times, at, times, at + 1, tail);
    System.arraycopy(amounts, at, amounts, at + 1, tail);
    System.arraycopy(currencies, at, currencies, at + 1, tail);
    times[at] = t;
    amounts[at] = amountMinor;
    currencies[at] = currency;
    size++;
  }

  /** Drops the entries before {@code oldest}. */
  void dropBefore(long oldest) {
    int n = 0;
    while (n < size && times[n] < oldest) {
      n++;
    }
    drop(n);
  }

  private void drop(int n) {
    if (n == 0) {
      return;
    }
    int rest = size - n;
    System.arraycopy(times, n, times, 0, rest);
    System.arraycopy(amounts, n, amounts, 0, rest);
    System.arraycopy(currencies, n, currencies, 0, rest);
    Arrays.fill(currencies, rest, size, null);
    size = rest;
  }

  /** The payments with event time in [from, to]: all of them, and those in {@code currency}. */
  MerchantActivity activity(long from, long to, String currency) {
    int all = 0;
    int same = 0;
    long sameAmount = 0;
    for (int i = 0; i < size && times[i] <= to; i++) {
      if (times[i] < from) {
        continue;
      }
      all++;
      if (currencies[i].equals(currency)) {
        same++;
        sameAmount = ActivityBucket.saturatingAdd(sameAmount, amounts[i]);
      }
    }
    return new MerchantActivity(all, same, sameAmount);
  }

  /** Times as deltas from the previous entry (sorted, so small and non-negative). */
  void write(CompactBytes.Writer w) {
    w.writeUnsigned(size);
    long previous = 0;
    for (int i = 0; i < size; i++) {
      w.writeLong(times[i] - previous);
      previous = times[i];
      w.writeLong(amounts[i]).writeString(currencies[i]);
    }
  }

  static PaymentLog read(CompactBytes.Reader r) {
    PaymentLog log = new PaymentLog();
    int n = r.readLength();
    if (n > MAX_ENTRIES) {
      throw new IllegalArgumentException("state value: more than " + MAX_ENTRIES + " payments");
    }
    long t = 0;
    for (int i = 0; i < n; i++) {
      t += r.readLong();
      log.add(t, r.readLong(), r.readString());
    }
    return log;
  }
}
