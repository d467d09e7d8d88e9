package io.settleflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CardTokenizerTest {
  static final String KEY = "0123456789abcdef0123456789abcdef";
  final CardTokenizer tokenizer = new CardTokenizer(KEY);

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "4242424242424242, 4242",
    "378282246310005, 0005",
    "5555555555554444, 4444",
    "424242424242, 4242",
    "4242424242424242424, 2424",
  })
  void tokenIsFixedLengthBase64UrlWithoutThePanAndKeepsTheLastFour(String pan, String last4) {
    CardToken token = tokenizer.tokenize(pan);

    assertThat(token.last4()).isEqualTo(last4);
    assertThat(token.token())
        .matches("^tok_[A-Za-z0-9_-]{" + CardTokenizer.TOKEN_MAC_CHARS + "}$")
        .doesNotContain(pan)
        .doesNotContain(pan.substring(0, 6));
  }

  @Test
  void theSameCardGetsTheSameTokenAndDifferentCardsDifferentOnes() {
    assertThat(tokenizer.tokenize("4242424242424242"))
        .isEqualTo(new CardTokenizer(KEY).tokenize("4242424242424242"));
    assertThat(tokenizer.tokenize("4242424242424242").token())
        .isNotEqualTo(tokenizer.tokenize("4000056655665556").token());
  }

  @Test
  void tokensDependOnTheKey() {
    CardTokenizer other = new CardTokenizer("another-key-of-at-least-32-chars!!");
    assertThat(other.tokenize("4242424242424242").token())
        .isNotEqualTo(tokenizer.tokenize("4242424242424242").token());
  }

  @Test
  void aShortKeyIsRefused() {
    assertThatThrownBy(() -> new CardTokenizer("x".repeat(CardTokenizer.MIN_KEY_CHARS - 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(Integer.toString(CardTokenizer.MIN_KEY_CHARS));
  }

  @Test
  void requestFingerprintsDifferByMethodPathAndBodyAndAreKeyed() {
    byte[] body = "{\"amount_minor\":1}".getBytes(StandardCharsets.UTF_8);
    byte[] base = tokenizer.requestFingerprint("POST", "/v1/payments", body);

    assertThat(base)
        .hasSize(32)
        .isEqualTo(tokenizer.requestFingerprint("POST", "/v1/payments", body.clone()));
    assertThat(tokenizer.requestFingerprint("PUT", "/v1/payments", body)).isNotEqualTo(base);
    assertThat(tokenizer.requestFingerprint("POST", "/v1/payment", body)).isNotEqualTo(base);
    assertThat(
            tokenizer.requestFingerprint(
                "POST", "/v1/payments", "{\"amount_minor\":2}".getBytes(StandardCharsets.UTF_8)))
        .isNotEqualTo(base);
    assertThat(
            new CardTokenizer("another-key-of-at-least-32-chars!!")
                .requestFingerprint("POST", "/v1/payments", body))
        .isNotEqualTo(base);
  }
}
