package io.settleflow.risk;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;

/**
 * Everything the features remember of one entity, in one state entry: a merchant (its
 * authorizations' 1 min / 1 h / 24 h buckets with the spread, the exact velocity window, open
 * exposure day buckets, captures and refunds per hour) or a card at a merchant (its buckets and the
 * days it paid there). Old buckets drop out as event time moves, so an entry is bounded by
 * construction; an entry with nothing left is deleted ({@link #isEmpty}). Mutable. Pure.
 */
final class EntityHistory {
  enum Kind {
    MERCHANT(1),
    CARD(2);

    final byte code;

    Kind(int code) {
      this.code = (byte) code;
    }
  }

  /** How long each part is kept, in event time; {@code latenessMs} applies to all of them. */
  record Limits(long velocityWindowMs, long exposureHorizonMs, long cardMemoryMs, long latenessMs) {
    static Limits of(RiskConfig c) {
      return new Limits(
          c.velocityWindow().toMillis(),
          c.exposureHorizon().toMillis(),
          c.cardMemory().toMillis(),
          RiskTopology.MERCHANT_WINDOW_LATENESS.toMillis());
    }

    /** Event time after which an entity whose newest movement is at {@code last} holds nothing. */
    long expiresAfter(Kind kind, long last) {
      long day = FeatureWindow.ONE_DAY.size().toMillis();
      long longest =
          kind == Kind.MERCHANT
              ? Math.max(day, Math.max(velocityWindowMs, exposureHorizonMs))
              : Math.max(day, cardMemoryMs);
      return last + longest + latenessMs;
    }
  }

  private static final byte FORMAT_VERSION = 1;
  private static final long DAY_MS = 86_400_000L;

  private final Kind kind;
  private long lastEventMs = Long.MIN_VALUE;
  private final Map<FeatureWindow, BucketSeries> windows = new EnumMap<>(FeatureWindow.class);
  // merchant only
  private PaymentLog velocity;
  private BucketSeries exposure;
  private BucketSeries captures;
  private BucketSeries refunds;
  // card only: day starts it paid at the merchant, ascending
  private long[] seenDays;
  private int seenSize;

  EntityHistory(Kind kind) {
    this.kind = kind;
    boolean merchant = kind == Kind.MERCHANT;
    for (FeatureWindow w : FeatureWindow.values()) {
      // the spread (z-score) is of the merchant's day
      windows.put(w, new BucketSeries(merchant && w == FeatureWindow.ONE_DAY));
    }
    velocity = merchant ? new PaymentLog() : null;
    exposure = merchant ? new BucketSeries(false) : null;
    captures = merchant ? new BucketSeries(false) : null;
    refunds = merchant ? new BucketSeries(false) : null;
    seenDays = merchant ? null : new long[2];
  }

  Kind kind() {
    return kind;
  }

  /** Newest event time of a movement added, or Long.MIN_VALUE. */
  long lastEventMs() {
    return lastEventMs;
  }

  // ---- writes (each followed by the caller's prune) ----

  /** An authorization: the windows, and for a merchant the velocity log and exposure. */
  void authorized(long t, String currency, long amountMinor) {
    touch(t);
    for (Map.Entry<FeatureWindow, BucketSeries> e : windows.entrySet()) {
      e.getValue().add(e.getKey().bucketStart(t), currency, amountMinor);
    }
    if (kind == Kind.MERCHANT) {
      velocity.add(t, amountMinor, currency);
      exposure(t, currency, amountMinor);
    } else {
      seen(Math.floorDiv(t, DAY_MS) * DAY_MS);
    }
  }

  void captured(long t, String currency, long amountMinor) {
    touch(t);
    merchantOnly().captures.add(FeatureWindow.ONE_DAY.bucketStart(t), currency, amountMinor);
  }

  void refunded(long t, String currency, long amountMinor) {
    touch(t);
    merchantOnly().refunds.add(FeatureWindow.ONE_DAY.bucketStart(t), currency, amountMinor);
    exposure(t, currency, -amountMinor);
  }

  /** Cancelled or settled: no longer open. */
  void closed(long t, String currency, long amountMinor) {
    touch(t);
    merchantOnly();
    exposure(t, currency, -amountMinor);
  }

  private void exposure(long t, String currency, long signedAmountMinor) {
    exposure.add(Math.floorDiv(t, DAY_MS) * DAY_MS, currency, signedAmountMinor);
  }

  private void touch(long t) {
    lastEventMs = Math.max(lastEventMs, t);
  }

  private EntityHistory merchantOnly() {
    if (kind != Kind.MERCHANT) {
      throw new IllegalStateException("only a merchant's history holds flows");
    }
    return this;
  }

  private void seen(long day) {
    int at = seenSize;
    while (at > 0 && seenDays[at - 1] > day) {
      at--;
    }
    if (at > 0 && seenDays[at - 1] == day) {
      return;
    }
    if (seenSize == seenDays.length) {
      seenDays = Arrays.copyOf(seenDays, seenSize * 2);
    }
    System.arraycopy(seenDays, at, seenDays, at + 1, seenSize - at);
    seenDays[at] = day;
    seenSize++;
  }

  /**
   * Drops what no event at or after {@code horizonMs - lateness} reads any more; {@code horizonMs}
   * is the newest event time the task has seen.
   */
  void prune(long horizonMs, Limits limits) {
    long oldestRead = horizonMs - limits.latenessMs();
    for (Map.Entry<FeatureWindow, BucketSeries> e : windows.entrySet()) {
      e.getValue().dropBefore(e.getKey().firstBucketStart(oldestRead));
    }
    if (kind == Kind.MERCHANT) {
      velocity.dropBefore(oldestRead - limits.velocityWindowMs() + 1);
      exposure.dropBefore(oldestRead - limits.exposureHorizonMs() + 1);
      long dayFrom = FeatureWindow.ONE_DAY.firstBucketStart(oldestRead);
      captures.dropBefore(dayFrom);
      refunds.dropBefore(dayFrom);
    } else {
      long from = oldestRead - limits.cardMemoryMs() + 1;
      int n = 0;
      while (n < seenSize && seenDays[n] < from) {
        n++;
      }
      System.arraycopy(seenDays, n, seenDays, 0, seenSize - n);
      seenSize -= n;
    }
  }

  boolean isEmpty() {
    for (BucketSeries s : windows.values()) {
      if (s.size() > 0) {
        return false;
      }
    }
    return kind == Kind.MERCHANT
        ? velocity.size() == 0
            && exposure.size() == 0
            && captures.size() == 0
            && refunds.size() == 0
        : seenSize == 0;
  }

  // ---- reads, as of event time t (movements after t are not seen) ----

  /** The window ending with the bucket holding t, per currency. */
  ActivityBucket window(FeatureWindow w, long t) {
    return windows.get(w).total(w.firstBucketStart(t), t);
  }

  Map<FeatureWindow, ActivityBucket> windows(long t) {
    Map<FeatureWindow, ActivityBucket> m = new EnumMap<>(FeatureWindow.class);
    for (FeatureWindow w : FeatureWindow.values()) {
      m.put(w, window(w, t));
    }
    return m;
  }

  /** Authorizations in the exact window (t - window, t]. */
  MerchantActivity velocity(long t, long windowMs, String currency) {
    return merchantOnly().velocity.activity(t - windowMs + 1, t, currency);
  }

  /** Net open exposure per currency: the day buckets within the horizon. */
  ActivityBucket openExposure(long t, long horizonMs) {
    return merchantOnly().exposure.total(Math.max(0, t - horizonMs + 1), t);
  }

  long captures24h(long t) {
    return merchantOnly().captures.count(Math.max(0, FeatureWindow.ONE_DAY.firstBucketStart(t)), t);
  }

  long refunds24h(long t) {
    return merchantOnly().refunds.count(Math.max(0, FeatureWindow.ONE_DAY.firstBucketStart(t)), t);
  }

  /** Whether the card paid at the merchant within the memory before t (its day included). */
  boolean seenWithin(long t, long memoryMs) {
    if (kind != Kind.CARD) {
      throw new IllegalStateException("only a card's history holds the days it paid");
    }
    long from = Math.max(0, t - memoryMs + 1);
    for (int i = seenSize - 1; i >= 0; i--) {
      if (seenDays[i] <= t) {
        return seenDays[i] >= from;
      }
    }
    return false;
  }

  // ---- encoding: version, kind, newest event time, then the parts ----

  byte[] encode() {
    CompactBytes.Writer w = new CompactBytes.Writer(256);
    w.writeByte(FORMAT_VERSION).writeByte(kind.code).writeLong(lastEventMs);
    for (BucketSeries s : windows.values()) {
      s.write(w);
    }
    if (kind == Kind.MERCHANT) {
      velocity.write(w);
      exposure.write(w);
      captures.write(w);
      refunds.write(w);
    } else {
      w.writeUnsigned(seenSize);
      long previous = 0;
      for (int i = 0; i < seenSize; i++) {
        w.writeLong(seenDays[i] - previous);
        previous = seenDays[i];
      }
    }
    return w.toByteArray();
  }

  static EntityHistory decode(byte[] bytes) {
    CompactBytes.Reader r = new CompactBytes.Reader(bytes);
    EntityHistory h = new EntityHistory(kind(r));
    h.lastEventMs = r.readLong();
    for (FeatureWindow w : FeatureWindow.values()) {
      h.windows.put(w, BucketSeries.read(r, h.kind == Kind.MERCHANT && w == FeatureWindow.ONE_DAY));
    }
    if (h.kind == Kind.MERCHANT) {
      h.velocity = PaymentLog.read(r);
      h.exposure = BucketSeries.read(r, false);
      h.captures = BucketSeries.read(r, false);
      h.refunds = BucketSeries.read(r, false);
      requireEnd(r);
      return h;
    }
    int n = r.readLength();
    long day = 0;
    for (int i = 0; i < n; i++) {
      day += r.readLong();
      h.seen(day);
    }
    requireEnd(r);
    return h;
  }

  /** The newest event time in an encoded entry, without decoding the rest. */
  static long lastEventMs(byte[] bytes) {
    CompactBytes.Reader r = new CompactBytes.Reader(bytes);
    kind(r);
    return r.readLong();
  }

  static Kind kind(byte[] bytes) {
    return kind(new CompactBytes.Reader(bytes));
  }

  private static Kind kind(CompactBytes.Reader r) {
    int version = r.readByte();
    if (version != FORMAT_VERSION) {
      throw new IllegalArgumentException("unknown entity history format " + version);
    }
    int code = r.readByte();
    for (Kind k : Kind.values()) {
      if (k.code == code) {
        return k;
      }
    }
    throw new IllegalArgumentException("unknown entity kind " + code);
  }

  private static void requireEnd(CompactBytes.Reader r) {
    if (!r.atEnd()) {
      throw new IllegalArgumentException("state value: bytes after its end");
    }
  }
}
