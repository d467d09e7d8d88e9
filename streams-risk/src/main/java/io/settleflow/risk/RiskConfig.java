package io.settleflow.risk;

import java.time.Duration;

/**
 * What the risk topology needs to know, read elsewhere (see {@code RiskMain}) so the topology can
 * be built in tests with any values. The rule thresholds below feed the built-in rules, which apply
 * only while {@code risk.rules} holds no valid rule.
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
 * @param exposureLimitMinor the open exposure per merchant that feature merchant_exposure_to_limit
 *     divides by (one limit for every currency, like the amount limit)
 * @param exposureHorizon how long an authorization counts as open exposure at most (authorizations
 *     expire; the store keeps day buckets this far back)
 * @param cardMemory how long a card token is remembered at a merchant for
 *     card_first_seen_at_merchant
 * @param decisionRetention how long decisions stay queryable by payment id (GET
 *     /risk/payments/{id}/decision)
 */
public record RiskConfig(
    long amountLimitMinor,
    int velocityMaxPayments,
    Duration velocityWindow,
    int meanMultiple,
    int meanMinPayments,
    Duration dedupeRetention,
    long rocksDbBlockCacheBytes,
    long rocksDbWriteBufferBytes,
    long exposureLimitMinor,
    Duration exposureHorizon,
    Duration cardMemory,
    Duration decisionRetention) {

  public static final long DEFAULT_AMOUNT_LIMIT_MINOR = 500_000;
  public static final int DEFAULT_VELOCITY_MAX_PAYMENTS = 100;
  public static final Duration DEFAULT_VELOCITY_WINDOW = Duration.ofSeconds(60);
  public static final int DEFAULT_MEAN_MULTIPLE = 5;
  public static final int DEFAULT_MEAN_MIN_PAYMENTS = 5;

  /** Debezium replayed 231 events after a kill -9; days of margin cost little disk. */
  public static final Duration DEFAULT_DEDUPE_RETENTION = Duration.ofDays(7);

  public static final long DEFAULT_ROCKSDB_BLOCK_CACHE_BYTES = 16L * 1024 * 1024;
  public static final long DEFAULT_ROCKSDB_WRITE_BUFFER_BYTES = 8L * 1024 * 1024;

  public static final long DEFAULT_EXPOSURE_LIMIT_MINOR = 100_000_000;
  public static final Duration DEFAULT_EXPOSURE_HORIZON = Duration.ofDays(30);
  public static final Duration DEFAULT_CARD_MEMORY = Duration.ofDays(30);
  public static final Duration DEFAULT_DECISION_RETENTION = Duration.ofDays(7);

  /** Longest horizon or memory we accept: the stores keep about one entry per day per key. */
  public static final Duration MAX_MEMORY = Duration.ofDays(400);

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
    require(exposureLimitMinor > 0, "exposureLimitMinor must be positive");
    require(
        between(exposureHorizon, Duration.ofDays(1), MAX_MEMORY),
        "exposureHorizon must be between 1 day and " + MAX_MEMORY);
    require(
        between(cardMemory, Duration.ofDays(1), MAX_MEMORY),
        "cardMemory must be between 1 day and " + MAX_MEMORY);
    require(
        between(decisionRetention, Duration.ofMinutes(1), MAX_MEMORY),
        "decisionRetention must be between 1 minute and " + MAX_MEMORY);
  }

  /**
   * The scoring settings with the defaults for the features added later (exposure, card memory,
   * queries).
   */
  public RiskConfig(
      long amountLimitMinor,
      int velocityMaxPayments,
      Duration velocityWindow,
      int meanMultiple,
      int meanMinPayments,
      Duration dedupeRetention,
      long rocksDbBlockCacheBytes,
      long rocksDbWriteBufferBytes) {
    this(
        amountLimitMinor,
        velocityMaxPayments,
        velocityWindow,
        meanMultiple,
        meanMinPayments,
        dedupeRetention,
        rocksDbBlockCacheBytes,
        rocksDbWriteBufferBytes,
        DEFAULT_EXPOSURE_LIMIT_MINOR,
        DEFAULT_EXPOSURE_HORIZON,
        DEFAULT_CARD_MEMORY,
        DEFAULT_DECISION_RETENTION);
  }

  public RiskConfig withExposureLimit(long limitMinor) {
    return new RiskConfig(
        amountLimitMinor,
        velocityMaxPayments,
        velocityWindow,
        meanMultiple,
        meanMinPayments,
        dedupeRetention,
        rocksDbBlockCacheBytes,
        rocksDbWriteBufferBytes,
        limitMinor,
        exposureHorizon,
        cardMemory,
        decisionRetention);
  }

  private static boolean between(Duration d, Duration min, Duration max) {
    return d.compareTo(min) >= 0 && d.compareTo(max) <= 0;
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
        amountLimitMinor,
        maxPayments,
        window,
        meanMultiple,
        meanMinPayments,
        dedupeRetention,
        rocksDbBlockCacheBytes,
        rocksDbWriteBufferBytes,
        exposureLimitMinor,
        exposureHorizon,
        cardMemory,
        decisionRetention);
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
