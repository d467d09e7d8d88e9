package io.settleflow.ingest;

import java.time.Duration;
import java.time.Instant;

/**
 * A token bucket: holds up to {@code capacity} tokens, refills {@code refillPerSecond} per second,
 * each request takes one. Pure (time comes in as an argument); not thread-safe, callers lock.
 */
public final class TokenBucket {
  /** What a request gets: allowed, or refused with the wait until the next token. */
  public record Decision(boolean allowed, Duration retryAfter) {
    static final Decision ALLOWED = new Decision(true, Duration.ZERO);
  }

  /**
   * Refills summed from many small steps may miss a whole token by rounding; this much counts as
   * whole.
   */
  private static final double ROUNDING_SLACK = 1e-9;

  private final double capacity;
  private final double refillPerSecond;
  private double tokens;
  private Instant refilledAt;

  /** A full bucket at {@code now}. */
  public TokenBucket(int capacity, double refillPerSecond, Instant now) {
    if (capacity < 1 || !(refillPerSecond > 0)) {
      throw new IllegalArgumentException("capacity must be ≥ 1 and refillPerSecond > 0");
    }
    this.capacity = capacity;
    this.refillPerSecond = refillPerSecond;
    this.tokens = capacity;
    this.refilledAt = now;
  }

  public Decision take(Instant now) {
    // A clock stepping back refills nothing rather than draining the bucket.
    if (now.isAfter(refilledAt)) {
      double elapsedSeconds = Duration.between(refilledAt, now).toNanos() / 1e9;
      tokens = Math.min(capacity, tokens + elapsedSeconds * refillPerSecond);
      refilledAt = now;
    }
    if (tokens >= 1 - ROUNDING_SLACK) {
      tokens = Math.max(0, tokens - 1);
      return Decision.ALLOWED;
    }
    long waitNanos = (long) Math.ceil((1 - tokens) / refillPerSecond * 1e9);
    return new Decision(false, Duration.ofNanos(waitNanos));
  }
}
