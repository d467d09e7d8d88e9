package io.settleflow.risk;

import java.time.Duration;

/**
 * The fixed sliding windows of the bucketed features. A window is read as its last {@code buckets}
 * buckets, the bucket holding the payment included, so it slides by one bucket (1/60 of the window,
 * 1/24 of the day) instead of storing and scanning every payment of 24 hours.
 */
enum FeatureWindow {
  ONE_MINUTE("1m", Duration.ofSeconds(1), 60),
  ONE_HOUR("1h", Duration.ofMinutes(1), 60),
  ONE_DAY("24h", Duration.ofHours(1), 24);

  private final String suffix;
  private final long bucketMs;
  private final int buckets;

  FeatureWindow(String suffix, Duration bucket, int buckets) {
    this.suffix = suffix;
    this.bucketMs = bucket.toMillis();
    this.buckets = buckets;
  }

  String suffix() {
    return suffix;
  }

  long bucketMs() {
    return bucketMs;
  }

  Duration size() {
    return Duration.ofMillis(bucketMs * buckets);
  }

  /** Start of the bucket holding t. */
  long bucketStart(long t) {
    return Math.floorDiv(t, bucketMs) * bucketMs;
  }

  /** Start of the oldest bucket of the window ending with the bucket holding t. */
  long firstBucketStart(long t) {
    return bucketStart(t) - (buckets - 1) * bucketMs;
  }

  /** The window store holding this window's buckets: one store for all three windows. */
  String storeName() {
    return RiskTopology.HISTORY_STORE;
  }

  /** The key of an entity's bucket of this window in the shared store. */
  String key(String entityKey) {
    return suffix + "|" + entityKey;
  }
}
