package io.settleflow.ingest;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Turns a card number into a token: {@code tok_} + base64url(HMAC-SHA256(key, PAN)) cut to a fixed
 * length, plus the last four digits. The same card gives the same token (risk can link payments);
 * without the key nobody can test guesses against a token, which a plain hash of a 16-digit number
 * with known BIN and last four would allow.
 *
 * <p>It also fingerprints requests for idempotency with a key derived the same way, because a
 * request body holds the PAN and an unkeyed hash of it could be brute-forced the same way.
 */
public final class CardTokenizer {
  public static final int MIN_KEY_CHARS = 32;
  public static final String TOKEN_PREFIX = "tok_";

  /** 32 base64url characters keep 192 bits of the MAC: collisions are out of reach. */
  public static final int TOKEN_MAC_CHARS = 32;

  public static final int LAST_DIGITS = 4;

  private static final String HMAC = "HmacSHA256";

  private final SecretKeySpec tokenKey;
  private final SecretKeySpec fingerprintKey;

  public CardTokenizer(String key) {
    if (key == null || key.length() < MIN_KEY_CHARS) {
      throw new IllegalArgumentException(
          "tokenization key must have at least " + MIN_KEY_CHARS + " characters");
    }
    SecretKeySpec master = new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), HMAC);
    // Separate subkeys per purpose, so a token can never equal a request fingerprint.
    this.tokenKey = new SecretKeySpec(mac(master, utf8("settleflow card token v1")), HMAC);
    this.fingerprintKey =
        new SecretKeySpec(mac(master, utf8("settleflow request fingerprint v1")), HMAC);
  }

  /**
   * @param pan digits only, already validated
   */
  public CardToken tokenize(String pan) {
    if (pan == null || pan.length() < LAST_DIGITS) {
      throw new IllegalArgumentException("card number too short to tokenize");
    }
    String mac = Base64.getUrlEncoder().withoutPadding().encodeToString(mac(tokenKey, utf8(pan)));
    return new CardToken(
        TOKEN_PREFIX + mac.substring(0, TOKEN_MAC_CHARS),
        pan.substring(pan.length() - LAST_DIGITS));
  }

  /** A keyed fingerprint of method, path and body bytes: same request, same fingerprint. */
  public byte[] requestFingerprint(String method, String path, byte[] body) {
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(fingerprintKey);
      mac.update(utf8(method));
      mac.update((byte) '\n');
      mac.update(utf8(path));
      mac.update((byte) '\n');
      mac.update(body);
      return mac.doFinal();
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("every Java runtime has " + HMAC, e);
    }
  }

  private static byte[] mac(SecretKeySpec key, byte[] data) {
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(key);
      return mac.doFinal(data);
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("every Java runtime has " + HMAC, e);
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
