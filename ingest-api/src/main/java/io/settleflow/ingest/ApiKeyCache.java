package io.settleflow.ingest;

import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which merchant an API key (by its SHA-256) belonged to, remembered for at most {@link #MAX_AGE}
 * after the database said so: saves one database round trip on almost every request. The price is
 * the revocation delay: a revoked key keeps working for up to {@link #MAX_AGE}. Only answers the
 * database gave are kept (an unknown key is asked again every time, so a new key works at once). At
 * most {@link #MAX_ENTRIES} keys; past that the cache starts empty again.
 */
public final class ApiKeyCache {
  /** The revocation delay merchants are told about (ingest-api README). */
  public static final Duration MAX_AGE = Duration.ofSeconds(1);

  public static final int MAX_ENTRIES = 10_000;

  private record Entry(String merchantId, Instant expiresAt) {}

  private final Duration maxAge;
  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

  public ApiKeyCache() {
    this(MAX_AGE);
  }

  /**
   * @param maxAge how long an answer is kept (zero: never)
   */
  public ApiKeyCache(Duration maxAge) {
    if (maxAge.isNegative() || maxAge.compareTo(MAX_AGE) > 0) {
      throw new IllegalArgumentException("maxAge must be 0.." + MAX_AGE.toMillis() + " ms");
    }
    this.maxAge = maxAge;
  }

  /** The merchant of this key hash as of less than {@code maxAge} before {@code now}, if known. */
  public Optional<String> merchant(byte[] keyHash, Instant now) {
    String k = key(keyHash);
    Entry e = entries.get(k);
    if (e == null) {
      return Optional.empty();
    }
    if (!now.isBefore(e.expiresAt())) {
      entries.remove(k, e);
      return Optional.empty();
    }
    return Optional.of(e.merchantId());
  }

  /** Remembers the database's answer for this key hash, looked up at {@code now}. */
  public void remember(byte[] keyHash, String merchantId, Instant now) {
    if (maxAge.isZero()) {
      return;
    }
    if (entries.size() >= MAX_ENTRIES) {
      entries.clear();
    }
    entries.put(key(keyHash), new Entry(merchantId, now.plus(maxAge)));
  }

  public int size() {
    return entries.size();
  }

  private static String key(byte[] keyHash) {
    return Base64.getEncoder().encodeToString(keyHash);
  }
}
