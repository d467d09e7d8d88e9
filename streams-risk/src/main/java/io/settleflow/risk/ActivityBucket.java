package io.settleflow.risk;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What one entity (a merchant, a card at a merchant, ...) did in one time bucket, per currency: how
 * many movements, their summed amount (signed: exposure subtracts) and summed squares (for the
 * spread). Immutable; {@link #plus} returns a new bucket. Pure.
 */
record ActivityBucket(Map<String, Totals> byCurrency) {
  static final ActivityBucket EMPTY = new ActivityBucket(Map.of());

  /** Movements in one currency; sums saturate rather than wrap. */
  record Totals(long count, long sumMinor, BigInteger sumOfSquares) {
    static final Totals ZERO = new Totals(0, 0, BigInteger.ZERO);

    Totals plus(Totals o) {
      return new Totals(
          saturatingAdd(count, o.count),
          saturatingAdd(sumMinor, o.sumMinor),
          sumOfSquares.add(o.sumOfSquares));
    }
  }

  ActivityBucket {
    byCurrency = Map.copyOf(byCurrency);
  }

  static ActivityBucket of(String currency, long amountMinor) {
    BigInteger a = BigInteger.valueOf(amountMinor);
    return new ActivityBucket(Map.of(currency, new Totals(1, amountMinor, a.multiply(a))));
  }

  ActivityBucket plus(ActivityBucket other) {
    Map<String, Totals> merged = new TreeMap<>(byCurrency);
    other.byCurrency.forEach((c, t) -> merged.merge(c, t, Totals::plus));
    return new ActivityBucket(merged);
  }

  /** Movements in any currency. */
  long count() {
    long n = 0;
    for (Totals t : byCurrency.values()) {
      n = saturatingAdd(n, t.count());
    }
    return n;
  }

  Totals in(String currency) {
    return byCurrency.getOrDefault(currency, Totals.ZERO);
  }

  static long saturatingAdd(long a, long b) {
    long sum = a + b;
    if (((a ^ sum) & (b ^ sum)) < 0) {
      return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    return sum;
  }

  /** Count of currencies, then per currency: code, count, sum, squares (length-prefixed). */
  static Serde<ActivityBucket> serde() {
    Serializer<ActivityBucket> serializer =
        (topic, bucket) -> {
          if (bucket == null) {
            return null;
          }
          int size = Integer.BYTES;
          Map<String, Totals> sorted = new TreeMap<>(bucket.byCurrency());
          for (Map.Entry<String, Totals> e : sorted.entrySet()) {
            size +=
                Integer.BYTES
                    + e.getKey().getBytes(StandardCharsets.UTF_8).length
                    + 2 * Long.BYTES
                    + Integer.BYTES
                    + e.getValue().sumOfSquares().toByteArray().length;
          }
          ByteBuffer b = ByteBuffer.allocate(size).putInt(sorted.size());
          for (Map.Entry<String, Totals> e : sorted.entrySet()) {
            byte[] c = e.getKey().getBytes(StandardCharsets.UTF_8);
            byte[] sq = e.getValue().sumOfSquares().toByteArray();
            b.putInt(c.length)
                .put(c)
                .putLong(e.getValue().count())
                .putLong(e.getValue().sumMinor());
            b.putInt(sq.length).put(sq);
          }
          return b.array();
        };
    Deserializer<ActivityBucket> deserializer =
        (topic, bytes) -> {
          if (bytes == null) {
            return null;
          }
          ByteBuffer b = ByteBuffer.wrap(bytes);
          int n = b.getInt();
          Map<String, Totals> byCurrency = new TreeMap<>();
          for (int i = 0; i < n; i++) {
            byte[] c = new byte[b.getInt()];
            b.get(c);
            long count = b.getLong();
            long sum = b.getLong();
            byte[] sq = new byte[b.getInt()];
            b.get(sq);
            byCurrency.put(
                new String(c, StandardCharsets.UTF_8), new Totals(count, sum, new BigInteger(sq)));
          }
          return new ActivityBucket(byCurrency);
        };
    return Serdes.serdeFrom(serializer, deserializer);
  }
}
