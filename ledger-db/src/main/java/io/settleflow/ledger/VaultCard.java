package io.settleflow.ledger;

/**
 * A card as the vault stores it: the PAN only as AES-GCM ciphertext (with the id of the key that
 * encrypted it and the 96-bit nonce), plus what payments may show. The ledger never sees the key.
 */
public record VaultCard(
    String token,
    String keyId,
    byte[] nonce,
    byte[] ciphertext,
    String last4,
    String brand,
    int expMonth,
    int expYear) {
  public static final int NONCE_BYTES = 12;

  public VaultCard {
    if (token == null || !token.startsWith("tok_")) {
      throw new IllegalArgumentException("token must start with tok_");
    }
    if (nonce == null || nonce.length != NONCE_BYTES) {
      throw new IllegalArgumentException("nonce must have " + NONCE_BYTES + " bytes");
    }
    if (ciphertext == null || ciphertext.length == 0) {
      throw new IllegalArgumentException("ciphertext is required");
    }
    if (last4 == null || !last4.matches("[0-9]{4}")) {
      throw new IllegalArgumentException("last4 must be four digits");
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

  @Override
  public String toString() {
    return "VaultCard[token="
        + token
        + ", keyId="
        + keyId
        + ", last4="
        + last4
        + ", brand="
        + brand
        + ", exp="
        + expMonth
        + "/"
        + expYear
        + "]";
  }
}
