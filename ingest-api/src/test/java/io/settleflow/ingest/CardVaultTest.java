package io.settleflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settleflow.ledger.VaultCard;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CardVaultTest {
  static final CardDetails CARD = new CardDetails("4242424242424242", 12, 2030);
  static final CardToken TOKEN = new CardToken("tok_abc", "4242");

  @Test
  void aSealedCardOpensWithTheSameMerchantAndTokenOnly() {
    CardVault vault = CardVault.fromConfig(newKey(), new SecureRandom());
    VaultCard sealed = vault.seal("m1", TOKEN, CARD, "visa");

    assertThat(sealed.keyId()).isEqualTo(vault.currentKeyId());
    assertThat(sealed.nonce()).hasSize(12);
    assertThat(new String(sealed.ciphertext(), StandardCharsets.ISO_8859_1)).doesNotContain("4242");
    assertThat(sealed.toString()).doesNotContain("4242424242424242");
    assertThat(vault.open("m1", sealed)).isEqualTo(CARD.number());
    // Merchant and token are associated data: the row cannot be moved to another merchant.
    assertThatThrownBy(() -> vault.open("m2", sealed)).isInstanceOf(IllegalStateException.class);
    VaultCard moved =
        new VaultCard(
            "tok_other",
            sealed.keyId(),
            sealed.nonce(),
            sealed.ciphertext(),
            "4242",
            "visa",
            12,
            2030);
    assertThatThrownBy(() -> vault.open("m1", moved)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void everyRecordGetsAFreshNonce() {
    CardVault vault = CardVault.fromConfig(newKey(), new SecureRandom());
    VaultCard a = vault.seal("m1", TOKEN, CARD, "visa");
    VaultCard b = vault.seal("m1", TOKEN, CARD, "visa");

    assertThat(a.nonce()).isNotEqualTo(b.nonce());
    assertThat(a.ciphertext()).isNotEqualTo(b.ciphertext());
  }

  @Test
  void afterRotationTheNewKeyEncryptsAndTheOldOneStillDecrypts() {
    String oldKey = newKey();
    String newKey = newKey();
    VaultCard before =
        CardVault.fromConfig("old:" + oldKey, new SecureRandom()).seal("m1", TOKEN, CARD, null);
    CardVault rotated =
        CardVault.fromConfig("new:" + newKey + ",old:" + oldKey, new SecureRandom());

    assertThat(rotated.currentKeyId()).isEqualTo("new");
    assertThat(rotated.seal("m1", TOKEN, CARD, null).keyId()).isEqualTo("new");
    assertThat(rotated.open("m1", before)).isEqualTo(CARD.number());
    assertThatThrownBy(
            () -> CardVault.fromConfig("new:" + newKey, new SecureRandom()).open("m1", before))
        .hasMessageContaining("no vault key old");
  }

  @Test
  void aKeyWithoutAnIdGetsAStableIdFromItsHash() {
    String key = newKey();
    assertThat(CardVault.fromConfig(key, new SecureRandom()).currentKeyId())
        .matches("k[0-9a-f]{8}")
        .isEqualTo(CardVault.fromConfig(key, new SecureRandom()).currentKeyId());
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(
      strings = {
        "",
        "not base64!",
        "c2hvcnQ",
        "bad id:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "a:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,a:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
      })
  void aMalformedKeyConfigurationIsRejectedWithoutQuotingIt(String config) {
    assertThatThrownBy(() -> CardVault.fromConfig(config, new SecureRandom()))
        .isInstanceOf(IllegalArgumentException.class)
        .satisfies(
            e -> {
              if (!config.isEmpty()) {
                assertThat(e.getMessage())
                    .doesNotContain("AAAAAAAAAAAAAAAAAAAA")
                    .doesNotContain("c2hvcnQ");
              }
            });
  }

  /** A new random AES-256 key in the format Secrets writes (base64url, no padding). */
  static String newKey() {
    byte[] key = new byte[CardVault.KEY_BYTES];
    new SecureRandom().nextBytes(key);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(key);
  }
}
