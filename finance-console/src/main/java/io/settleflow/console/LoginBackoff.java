package io.settleflow.console;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Failed sign-ins back off, per username and per source address: after {@code freeFailures}
 * failures in a row a key is locked for {@code baseLockout}, and every further failure doubles it
 * up to {@code maxLockout}. A key forgets its failures after {@code forgetAfter} without one, and a
 * user's success forgets the user's (never the source's: one valid account must not reset an
 * address that guesses at others). Time is passed in; at most {@code maxKeys} keys are kept (the
 * least recently failed go first).
 */
public final class LoginBackoff {
  /** Per username: an attacker guessing one account. */
  public static final Limits USER_LIMITS =
      new Limits(5, Duration.ofSeconds(30), Duration.ofMinutes(15), Duration.ofHours(1));

  /** Per source address: one machine guessing many accounts (an office behind NAT gets more). */
  public static final Limits SOURCE_LIMITS =
      new Limits(20, Duration.ofSeconds(30), Duration.ofMinutes(15), Duration.ofHours(1));

  public static final int DEFAULT_MAX_KEYS = 100_000;

  /** Longest username or address kept as a key. */
  public static final int MAX_KEY_CHARS = 128;

  /** How one kind of key backs off. */
  public record Limits(
      int freeFailures, Duration baseLockout, Duration maxLockout, Duration forgetAfter) {
    public Limits {
      if (freeFailures < 1
          || baseLockout.isNegative()
          || baseLockout.isZero()
          || maxLockout.compareTo(baseLockout) < 0
          || forgetAfter.compareTo(maxLockout) < 0) {
        throw new IllegalArgumentException(
            "limits: need freeFailures ≥ 1 and 0 < baseLockout ≤ maxLockout ≤ forgetAfter");
      }
    }

    /** The lockout after the given number of failures in a row (zero while still free). */
    Duration lockoutAfter(int failures) {
      int over = failures - freeFailures;
      if (over < 0) {
        return Duration.ZERO;
      }
      // doubling past 2^20 would only reach the cap anyway
      Duration lockout = baseLockout.multipliedBy(1L << Math.min(over, 20));
      return lockout.compareTo(maxLockout) > 0 ? maxLockout : lockout;
    }
  }

  private static final class Failures {
    int count;
    Instant last;
    Instant lockedUntil;
  }

  private final Limits userLimits;
  private final Limits sourceLimits;
  private final int maxKeys;
  private final Map<String, Failures> failures;

  public LoginBackoff() {
    this(USER_LIMITS, SOURCE_LIMITS, DEFAULT_MAX_KEYS);
  }

  public LoginBackoff(Limits userLimits, Limits sourceLimits, int maxKeys) {
    this.userLimits = userLimits;
    this.sourceLimits = sourceLimits;
    this.maxKeys = maxKeys;
    this.failures =
        new LinkedHashMap<>(16, 0.75f, false) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Failures> eldest) {
            return size() > LoginBackoff.this.maxKeys;
          }
        };
  }

  /**
   * How long a sign-in of {@code username} from {@code source} must wait; empty when it may try.
   */
  public synchronized Optional<Duration> retryAfter(String username, String source, Instant now) {
    Duration wait = Duration.ZERO;
    for (String key : new String[] {userKey(username), sourceKey(source)}) {
      Failures f = failures.get(key);
      if (f != null && f.lockedUntil != null && f.lockedUntil.isAfter(now)) {
        Duration left = Duration.between(now, f.lockedUntil);
        wait = left.compareTo(wait) > 0 ? left : wait;
      }
    }
    return wait.isZero() ? Optional.empty() : Optional.of(wait);
  }

  /** Records a failed sign-in of {@code username} from {@code source}. */
  public synchronized void failed(String username, String source, Instant now) {
    fail(userKey(username), userLimits, now);
    fail(sourceKey(source), sourceLimits, now);
  }

  /** The user signed in: the user's failures are forgotten (the source's are not). */
  public synchronized void succeeded(String username) {
    failures.remove(userKey(username));
  }

  /** Keys (users and sources) locked at {@code now}. */
  public synchronized long lockedKeys(Instant now) {
    return failures.values().stream()
        .filter(f -> f.lockedUntil != null && f.lockedUntil.isAfter(now))
        .count();
  }

  private void fail(String key, Limits limits, Instant now) {
    Failures f = failures.remove(key);
    if (f == null || Duration.between(f.last, now).compareTo(limits.forgetAfter()) > 0) {
      f = new Failures();
    }
    f.count = f.count == Integer.MAX_VALUE ? f.count : f.count + 1;
    f.last = now;
    Duration lockout = limits.lockoutAfter(f.count);
    f.lockedUntil = lockout.isZero() ? null : now.plus(lockout);
    // re-inserted: the map's order is least recently failed first, so eviction drops those
    failures.put(key, f);
  }

  private static String userKey(String username) {
    return "user:" + bounded(username).toLowerCase(Locale.ROOT);
  }

  private static String sourceKey(String source) {
    return "source:" + bounded(source);
  }

  private static String bounded(String s) {
    String value = s == null ? "" : s;
    return value.length() > MAX_KEY_CHARS ? value.substring(0, MAX_KEY_CHARS) : value;
  }
}
