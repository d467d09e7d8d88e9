package io.settleflow.ledger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Merchant API keys: {@code sk_} + 43 base64url characters of 32 random bytes. Only their SHA-256
 * is stored; a fast hash suffices for 256-bit random secrets (there is no dictionary to try).
 */
public final class ApiKeys {
  public static final String PREFIX = "sk_";
  public static final int SECRET_BYTES = 32;

  /** Longer headers are refused before hashing. */
  public static final int MAX_KEY_CHARS = 128;

  public static String generate(SecureRandom random) {
    byte[] secret = new byte[SECRET_BYTES];
    random.nextBytes(secret);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
  }

  public static byte[] hash(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  private ApiKeys() {}
}
