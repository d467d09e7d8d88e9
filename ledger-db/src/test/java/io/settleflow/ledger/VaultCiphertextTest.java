package io.settleflow.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VaultCiphertextTest {
  static final byte[] NONCE = new byte[12];
  static final byte[] CIPHERTEXT = {1, 2, 3};

  @ParameterizedTest(name = "[{index}] {0} {1} {2} nonce {3} ciphertext {4} -> {5}")
  @CsvSource(
      nullValues = "-",
      value = {
        "m1, tok_a, k1, 12, 3, ",
        "-,  tok_a, k1, 12, 3, merchantId is required",
        "'', tok_a, k1, 12, 3, merchantId is required",
        "m1, card_a, k1, 12, 3, token must start with tok_",
        "m1, tok_a, '', 12, 3, keyId is required",
        "m1, tok_a, k1, 11, 3, nonce must have 12 bytes",
        "m1, tok_a, k1, 12, 0, ciphertext is required",
      })
  void aRowIsCheckedWhenBuilt(
      String merchant, String token, String keyId, int nonceBytes, int cipherBytes, String error) {
    if (error == null) {
      assertThat(
              new VaultCiphertext(
                      merchant, token, keyId, new byte[nonceBytes], new byte[cipherBytes])
                  .keyId())
          .isEqualTo(keyId);
    } else {
      assertThatThrownBy(
              () ->
                  new VaultCiphertext(
                      merchant, token, keyId, new byte[nonceBytes], new byte[cipherBytes]))
          .hasMessage(error);
    }
  }

  @Test
  void bytesAreCopiedComparedByValueAndNeverPrinted() {
    byte[] ciphertext = CIPHERTEXT.clone();
    VaultCiphertext a = new VaultCiphertext("m1", "tok_a", "k1", NONCE, ciphertext);
    ciphertext[0] = 9;
    VaultCiphertext b = new VaultCiphertext("m1", "tok_a", "k1", NONCE, CIPHERTEXT);

    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a.ciphertext()).containsExactly(1, 2, 3);
    assertThat(a).isNotEqualTo(new VaultCiphertext("m1", "tok_a", "k2", NONCE, CIPHERTEXT));
    assertThat(a.sameCard(new VaultCiphertext("m1", "tok_a", "k2", NONCE, CIPHERTEXT))).isTrue();
    assertThat(a.sameCard(new VaultCiphertext("m2", "tok_a", "k1", NONCE, CIPHERTEXT))).isFalse();
    assertThat(a.toString()).isEqualTo("VaultCiphertext[merchant=m1, token=tok_a, keyId=k1]");
  }
}
