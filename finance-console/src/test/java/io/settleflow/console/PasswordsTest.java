package io.settleflow.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PasswordsTest {
  /** The lowest cost bcrypt allows: fast tests, same code path. */
  static final Passwords FAST = new Passwords(new SecureRandom(), 4);

  @Test
  void bcryptHashVerifiesOnlyTheSamePassword() {
    String hash = FAST.hash("correct horse battery");
    assertThat(hash).startsWith("$2y$04$").hasSize(60);
    assertThat(Passwords.matches("correct horse battery", hash)).isTrue();
    assertThat(Passwords.matches("correct horse batterY", hash)).isFalse();
    assertThat(Passwords.matches("", hash)).isFalse();
    assertThat(Passwords.matches(null, hash)).isFalse();
    assertThat(Passwords.matches("correct horse battery", "not-a-hash")).isFalse();
    assertThat(Passwords.matches("correct horse battery", null)).isFalse();
    // a fresh salt each time
    assertThat(FAST.hash("correct horse battery")).isNotEqualTo(hash);
  }

  @ParameterizedTest(name = "{0} / {1} -> {2}")
  @CsvSource(
      nullValues = "NULL",
      value = {
        "alice,       long-enough-pw, NULL",
        "Alice,       long-enough-pw, username",
        "-alice,      long-enough-pw, username",
        "NULL,        long-enough-pw, username",
        "alice,       short,          password",
        "alice,       NULL,           password",
      })
  void newUsersAreChecked(String username, String password, String field) {
    if (field == null) {
      Passwords.checkNewUser(username, password);
      return;
    }
    assertThatThrownBy(() -> Passwords.checkNewUser(username, password))
        .isInstanceOfSatisfying(
            ConsoleInputException.class, e -> assertThat(e.field()).isEqualTo(field));
  }

  @Test
  void passwordsBcryptWouldCutAreRefused() {
    String tooLong = "é".repeat(37); // 74 bytes
    assertThatThrownBy(() -> FAST.hash(tooLong)).isInstanceOf(ConsoleInputException.class);
    assertThat(Passwords.matches(tooLong, FAST.hash("x".repeat(72)))).isFalse();
  }

  @Test
  void sessionTokensAreRandomAndOnlyTheirHashIsKept() {
    SecureRandom random = new SecureRandom();
    String a = SessionTokens.newToken(random);
    String b = SessionTokens.newToken(random);
    assertThat(a).isNotEqualTo(b);
    assertThat(SessionTokens.wellFormed(a)).isTrue();
    assertThat(SessionTokens.wellFormed("sk_live_abc")).isFalse();
    assertThat(SessionTokens.wellFormed(null)).isFalse();
    assertThat(SessionTokens.hash(a)).hasSize(32).isEqualTo(SessionTokens.hash(a));
    assertThat(SessionTokens.hash(a)).isNotEqualTo(SessionTokens.hash(b));
  }
}
