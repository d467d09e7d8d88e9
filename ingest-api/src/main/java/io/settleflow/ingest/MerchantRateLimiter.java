package io.settleflow.ingest;

import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** One {@link TokenBucket} per merchant, on the injected clock. Thread-safe. */
public final class MerchantRateLimiter {
  /**
   * Buckets kept at most; past it all are dropped (every merchant starts full again), which bounds
   * memory whatever the number of merchants and only ever errs towards letting requests through.
   */
  public static final int MAX_TRACKED_MERCHANTS = 100_000;

  private final int burst;
  private final double perSecond;
  private final Clock clock;
  private final ConcurrentMap<String, TokenBucket> buckets = new ConcurrentHashMap<>();

  public MerchantRateLimiter(double perSecond, int burst, Clock clock) {
    new TokenBucket(burst, perSecond, clock.instant()); // validates the arguments
    this.burst = burst;
    this.perSecond = perSecond;
    this.clock = clock;
  }

  public TokenBucket.Decision take(String merchantId) {
    if (buckets.size() > MAX_TRACKED_MERCHANTS) {
      buckets.clear();
    }
    TokenBucket bucket =
        buckets.computeIfAbsent(
            merchantId, m -> new TokenBucket(burst, perSecond, clock.instant()));
    synchronized (bucket) {
      return bucket.take(clock.instant());
    }
  }
}
