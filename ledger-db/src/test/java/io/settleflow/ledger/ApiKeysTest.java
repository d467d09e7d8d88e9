package io.settleflow.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ApiKeysTest {
  @Test
  void keysAreSkPrefixedBase64UrlOf32BytesAndDistinct() {
    SecureRandom random = new SecureRandom();
    Set<String> keys = new HashSet<>();
    for (int i = 0; i < 100; i++) {
      String key = ApiKeys.generate(random);
      assertThat(key).matches("^sk_[A-Za-z0-9_-]{43}$");
      keys.add(key);
    }
    assertThat(keys).hasSize(100);
  }

  @Test
  void theStoredHashIsSha256OfTheKey() {
    // Known answer: SHA-256("abc").
    assertThat(HexFormat.of().formatHex(ApiKeys.hash("abc")))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }
}
