package io.settleflow.ledger;

/**
 * One vault row's encrypted PAN as the re-encryption job sees it: which merchant and token it
 * belongs to (the AES-GCM associated data), which key sealed it, its nonce and ciphertext. Never a
 * plaintext; {@link #toString()} leaves out the bytes.
 */
public record VaultCiphertext(
    String merchantId, String token, String keyId, byte[] nonce, byte[] ciphertext) {
  public VaultCiphertext {
    if (merchantId == null || merchantId.isEmpty()) {
      throw new IllegalArgumentException("merchantId is required");
    }
    if (token == null || !token.startsWith("tok_")) {
      throw new IllegalArgumentException("token must start with tok_");
    }
    if (keyId == null || keyId.isEmpty()) {
      throw new IllegalArgumentException("keyId is required");
    }
    if (nonce == null || nonce.length != VaultCard.NONCE_BYTES) {
      throw new IllegalArgumentException("nonce must have " + VaultCard.NONCE_BYTES + " bytes");
    }
    if (ciphertext == null || ciphertext.length == 0) {
      throw new IllegalArgumentException("ciphertext is required");
    }
    nonce = nonce.clone();
    ciphertext = ciphertext.clone();
  }

  @Override
  public byte[] nonce() {
    return nonce.clone();
  }

  @Override
  public byte[] ciphertext() {
    return ciphertext.clone();
  }

  /** Whether {@code other} is this row sealed again: same merchant and token, new nonce. */
  public boolean sameCard(VaultCiphertext other) {
    return merchantId.equals(other.merchantId) && token.equals(other.token);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof VaultCiphertext v
        && merchantId.equals(v.merchantId)
        && token.equals(v.token)
        && keyId.equals(v.keyId)
        && java.util.Arrays.equals(nonce, v.nonce)
        && java.util.Arrays.equals(ciphertext, v.ciphertext);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(merchantId, token, keyId, java.util.Arrays.hashCode(nonce));
  }

  @Override
  public String toString() {
    return "VaultCiphertext[merchant=" + merchantId + ", token=" + token + ", keyId=" + keyId + "]";
  }
}
