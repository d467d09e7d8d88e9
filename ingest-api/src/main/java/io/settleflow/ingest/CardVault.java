package io.settleflow.ingest;

import io.settleflow.ledger.VaultCard;
import io.settleflow.ledger.VaultCiphertext;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts card numbers for the vault with AES-256-GCM: a random 96-bit nonce per record, the
 * merchant and token as associated data (a ciphertext copied to another row does not decrypt), and
 * the key's id stored with the row so keys can rotate: the first key encrypts, all decrypt.
 *
 * <p>Keys come from {@code SETTLEFLOW_VAULT_KEY} (or {@code _FILE}): comma-separated entries {@code
 * [keyId:]base64(32 bytes)}, newest first. Without an id, the id is {@code k} + the first 8 hex
 * digits of SHA-256(key), stable for the same key.
 */
public final class CardVault {
  public static final int KEY_BYTES = 32;
  public static final int NONCE_BYTES = VaultCard.NONCE_BYTES;
  public static final int TAG_BITS = 128;
  private static final String TRANSFORMATION = "AES/GCM/NoPadding";

  private final Map<String, SecretKey> keys;
  private final String currentKeyId;
  private final SecureRandom random;

  private CardVault(Map<String, SecretKey> keys, String currentKeyId, SecureRandom random) {
    this.keys = keys;
    this.currentKeyId = currentKeyId;
    this.random = random;
  }

  /** Parses the key configuration; fails naming the entry (never its content) when malformed. */
  public static CardVault fromConfig(String config, SecureRandom random) {
    if (config == null || config.isBlank()) {
      throw new IllegalArgumentException(
          "vault key is required: base64 of " + KEY_BYTES + " random bytes");
    }
    Map<String, SecretKey> keys = new LinkedHashMap<>();
    String[] entries = config.split(",", -1);
    for (int i = 0; i < entries.length; i++) {
      String entry = entries[i].strip();
      int colon = entry.indexOf(':');
      String encoded = colon < 0 ? entry : entry.substring(colon + 1);
      byte[] key = decode(encoded, i);
      String keyId = colon < 0 ? defaultKeyId(key) : entry.substring(0, colon);
      if (!keyId.matches("[A-Za-z0-9_.-]{1,64}")) {
        throw new IllegalArgumentException(
            "vault key entry " + (i + 1) + ": key id must be 1..64 of [A-Za-z0-9_.-]");
      }
      if (keys.putIfAbsent(keyId, new SecretKeySpec(key, "AES")) != null) {
        throw new IllegalArgumentException(
            "vault key entry " + (i + 1) + ": key id " + keyId + " appears twice");
      }
    }
    return new CardVault(Map.copyOf(keys), keys.keySet().iterator().next(), random);
  }

  private static byte[] decode(String encoded, int index) {
    try {
      byte[] key =
          encoded.indexOf('+') >= 0 || encoded.indexOf('/') >= 0
              ? Base64.getDecoder().decode(encoded)
              : Base64.getUrlDecoder().decode(encoded.replace("=", ""));
      if (key.length != KEY_BYTES) {
        throw new IllegalArgumentException(
            "vault key entry "
                + (index + 1)
                + " must decode to "
                + KEY_BYTES
                + " bytes, not "
                + key.length);
      }
      return key;
    } catch (IllegalArgumentException e) {
      if (e.getMessage() != null && e.getMessage().startsWith("vault key entry")) {
        throw e;
      }
      throw new IllegalArgumentException("vault key entry " + (index + 1) + " is not base64");
    }
  }

  private static String defaultKeyId(byte[] key) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(key);
      return "k" + HexFormat.of().formatHex(digest, 0, 4);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  public String currentKeyId() {
    return currentKeyId;
  }

  /** The vault row for a card of a merchant, encrypted under the current key. */
  public VaultCard seal(String merchantId, CardToken token, CardDetails card, String brand) {
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    byte[] ciphertext =
        crypt(
            Cipher.ENCRYPT_MODE,
            keys.get(currentKeyId),
            nonce,
            merchantId,
            token.token(),
            card.number().getBytes(StandardCharsets.US_ASCII));
    return new VaultCard(
        token.token(),
        currentKeyId,
        nonce,
        ciphertext,
        token.last4(),
        brand,
        card.expMonth(),
        card.expYear());
  }

  /** The PAN of a vault row (for the processor call; never for logs or responses). */
  public String open(String merchantId, VaultCard card) {
    SecretKey key = keys.get(card.keyId());
    if (key == null) {
      throw new IllegalStateException("no vault key " + card.keyId() + " configured");
    }
    return new String(
        crypt(Cipher.DECRYPT_MODE, key, card.nonce(), merchantId, card.token(), card.ciphertext()),
        StandardCharsets.US_ASCII);
  }

  /**
   * The same card sealed again under the current key with a fresh nonce (key rotation): opens the
   * row with the key it names, seals it with the same merchant and token as associated data. The
   * PAN exists only inside this call.
   *
   * @throws IllegalStateException when the row's key is not configured or it does not decrypt
   */
  public VaultCiphertext reseal(VaultCiphertext row) {
    SecretKey oldKey = keys.get(row.keyId());
    if (oldKey == null) {
      throw new IllegalStateException("no vault key " + row.keyId() + " configured");
    }
    byte[] pan =
        crypt(
            Cipher.DECRYPT_MODE,
            oldKey,
            row.nonce(),
            row.merchantId(),
            row.token(),
            row.ciphertext());
    try {
      byte[] nonce = new byte[NONCE_BYTES];
      random.nextBytes(nonce);
      byte[] ciphertext =
          crypt(
              Cipher.ENCRYPT_MODE,
              keys.get(currentKeyId),
              nonce,
              row.merchantId(),
              row.token(),
              pan);
      return new VaultCiphertext(row.merchantId(), row.token(), currentKeyId, nonce, ciphertext);
    } finally {
      java.util.Arrays.fill(pan, (byte) 0);
    }
  }

  private static byte[] crypt(
      int mode, SecretKey key, byte[] nonce, String merchantId, String token, byte[] input) {
    try {
      Cipher cipher = Cipher.getInstance(TRANSFORMATION);
      cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD((merchantId + "\n" + token).getBytes(StandardCharsets.UTF_8));
      return cipher.doFinal(input);
    } catch (javax.crypto.AEADBadTagException e) {
      throw new IllegalStateException(
          "vault row does not decrypt: wrong key, merchant or token", e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM failed", e);
    }
  }
}
