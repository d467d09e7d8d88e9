package io.settleflow.risk;

import java.time.Duration;

/**
 * What the risk topology needs to know, read elsewhere (see {@code RiskMain}) so the topology can
 * be built in tests with any values. The rule thresholds below feed the built-in rules, which
 * apply only while {@code risk.rules} holds no valid rule.
 *
 * @param amountLimitMinor rule amount-limit: a payment above this many minor units is risky
 * @param velocityMaxPayments rule merchant-velocity: more payments than this in the window is risky
 * @param velocityWindow the sliding event-time window the merchant features are computed over
 * @param meanMultiple rule merchant-mean-multiple: an amount above this many times the merchant's
 *     window mean (same currency) is risky
 * @param meanMinPayments the mean rule needs at least this many earlier payments in the window
 * @param dedupeRetention how long an event id is remembered; must cover the CDC replay horizon
 * @param rocksDbBlockCacheBytes off-heap block cache shared by every RocksDB store of the process
 * @param rocksDbWriteBufferBytes memtable budget shared by every store, charged to the cache
 */
public record RiskConfig(
    long amountLimitMinor,
    int velocityMaxPayments,
    Duration velocityWindow,
    int meanMultiple,
    int meanMinPayments,
    Duration dedupeRetention,
    long rocksDbBlockCacheBytes,
    long rocksDbWriteBufferBytes) {

  public static final long DEFAULT_AMOUNT_LIMIT_MINOR = 500_000;
  public static final int DEFAULT_VELOCITY_MAX_PAYMENTS = 100;
  public static final Duration DEFAULT_VELOCITY_WINDOW = Duration.ofSeconds(60);
  public static final int DEFAULT_MEAN_MULTIPLE = 5;
  public static final int DEFAULT_MEAN_MIN_PAYMENTS = 5;
  /** Debezium replayed 231 events after a kill -9; days of margin cost little disk. */
  public static final Duration DEFAULT_DEDUPE_RETENTION = Duration.ofDays(7);
  public static final long DEFAULT_ROCKSDB_BLOCK_CACHE_BYTES = 16L * 1024 * 1024;
  public static final long DEFAULT_ROCKSDB_WRITE_BUFFER_BYTES = 8L * 1024 * 1024;

  /** Longest window we accept: the merchant store holds one entry per payment in it. */
  public static final Duration MAX_VELOCITY_WINDOW = Duration.ofHours(24);

  public RiskConfig {
    require(amountLimitMinor > 0, "amountLimitMinor must be positive");
    require(velocityMaxPayments > 0, "velocityMaxPayments must be positive");
    require(
        !velocityWindow.isNegative()
            && !velocityWindow.isZero()
            && velocityWindow.compareTo(MAX_VELOCITY_WINDOW) <= 0,
        "velocityWindow must be between 1 ms and " + MAX_VELOCITY_WINDOW);
    require(meanMultiple > 1, "meanMultiple must be at least 2");
    require(meanMinPayments > 0, "meanMinPayments must be positive");
    require(
        dedupeRetention.compareTo(Duration.ofMinutes(1)) >= 0,
        "dedupeRetention must be at least one minute");
    require(rocksDbBlockCacheBytes > 0, "rocksDbBlockCacheBytes must be positive");
    require(
        rocksDbWriteBufferBytes > 0 && rocksDbWriteBufferBytes <= rocksDbBlockCacheBytes,
        "rocksDbWriteBufferBytes must be positive and at most rocksDbBlockCacheBytes");
  }

  public static RiskConfig defaults() {
    return new RiskConfig(
        DEFAULT_AMOUNT_LIMIT_MINOR,
        DEFAULT_VELOCITY_MAX_PAYMENTS,
        DEFAULT_VELOCITY_WINDOW,
        DEFAULT_MEAN_MULTIPLE,
        DEFAULT_MEAN_MIN_PAYMENTS,
        DEFAULT_DEDUPE_RETENTION,
        DEFAULT_ROCKSDB_BLOCK_CACHE_BYTES,
        DEFAULT_ROCKSDB_WRITE_BUFFER_BYTES);
  }

  public RiskRules rules() {
    return new RiskRules(amountLimitMinor, velocityMaxPayments, meanMultiple, meanMinPayments);
  }

  public RiskConfig withVelocity(int maxPayments, Duration window) {
    return new RiskConfig(
        amountLimitMinor, maxPayments, window, meanMultiple, meanMinPayments, dedupeRetention,
        rocksDbBlockCacheBytes, rocksDbWriteBufferBytes);
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
