package io.settleflow.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LoginBackoffTest {
  static final Instant T = Instant.parse("2026-03-01T09:00:00Z");

  @ParameterizedTest(name = "{0} failures -> locked {1} s")
  @CsvSource({
    "1, 0", "4, 0", "5, 30", "6, 60", "7, 120", "9, 480", "10, 900", "40, 900",
  })
  void aUsersLockoutGrowsAfterFiveFailuresUpToTheCap(int failures, long lockedSeconds) {
    LoginBackoff b = new LoginBackoff();
    for (int i = 0; i < failures; i++) {
      // each failure from another address: only the user's key counts here
      b.failed("alice", "10.0.0." + i, T);
    }
    assertThat(b.retryAfter("alice", "10.9.9.9", T))
        .isEqualTo(
            lockedSeconds == 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(lockedSeconds)));
    assertThat(b.retryAfter("bob", "10.9.9.9", T)).isEmpty();
  }

  @ParameterizedTest(name = "{0} failures from one address -> locked {1} s")
  @CsvSource({"19, 0", "20, 30", "21, 60"})
  void anAddressGuessingManyUsersBacksOffToo(int failures, long lockedSeconds) {
    LoginBackoff b = new LoginBackoff();
    for (int i = 0; i < failures; i++) {
      b.failed("user" + i, "10.0.0.1", T);
    }
    assertThat(b.retryAfter("someone-new", "10.0.0.1", T))
        .isEqualTo(
            lockedSeconds == 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(lockedSeconds)));
    assertThat(b.retryAfter("someone-new", "10.0.0.2", T)).isEmpty();
  }

  @Test
  void theLockoutRunsOutAndTheNextFailureDoublesIt() {
    LoginBackoff b = new LoginBackoff();
    for (int i = 0; i < 5; i++) {
      b.failed("alice", "a", T);
    }
    assertThat(b.retryAfter("ALICE", "b", T.plusSeconds(10))).contains(Duration.ofSeconds(20));
    assertThat(b.lockedKeys(T.plusSeconds(10))).isEqualTo(1);
    assertThat(b.retryAfter("alice", "b", T.plusSeconds(30))).isEmpty();
    assertThat(b.lockedKeys(T.plusSeconds(30))).isZero();
    b.failed("alice", "a", T.plusSeconds(30));
    assertThat(b.retryAfter("alice", "b", T.plusSeconds(30))).contains(Duration.ofSeconds(60));
  }

  @Test
  void failuresAreForgottenAfterAQuietHourOrASuccess() {
    LoginBackoff b = new LoginBackoff();
    for (int i = 0; i < 4; i++) {
      b.failed("alice", "a", T);
    }
    b.failed("alice", "a", T.plus(Duration.ofMinutes(61)));
    assertThat(b.retryAfter("alice", "z", T.plus(Duration.ofMinutes(61)))).isEmpty();
    for (int i = 0; i < 4; i++) {
      b.failed("carol", "a", T);
    }
    b.succeeded("carol");
    b.failed("carol", "a", T);
    assertThat(b.retryAfter("carol", "z", T)).isEmpty();
  }

  @Test
  void aSuccessDoesNotUnlockTheSource() {
    LoginBackoff b = new LoginBackoff();
    for (int i = 0; i < 20; i++) {
      b.failed("user" + i, "10.0.0.1", T);
    }
    b.succeeded("user1");
    assertThat(b.retryAfter("user1", "10.0.0.1", T)).contains(Duration.ofSeconds(30));
  }

  @Test
  void keysAreBoundedInNumberAndLength() {
    LoginBackoff.Limits one =
        new LoginBackoff.Limits(
            1, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofHours(1));
    LoginBackoff b = new LoginBackoff(one, one, 4);
    b.failed("a", "s1", T);
    b.failed("b", "s2", T);
    b.failed("c", "s3", T); // a and s1 are the least recently failed: evicted
    assertThat(b.retryAfter("a", "x", T)).isEmpty();
    assertThat(b.retryAfter("c", "x", T)).isPresent();
    assertThat(b.lockedKeys(T)).isEqualTo(4);
    String longName = "x".repeat(LoginBackoff.MAX_KEY_CHARS + 10);
    b.failed(longName, null, T);
    assertThat(b.retryAfter("x".repeat(LoginBackoff.MAX_KEY_CHARS), "y", T)).isPresent();
  }

  @ParameterizedTest(name = "{0} {1} {2} {3}")
  @CsvSource({"0, 30, 60, 120", "5, 0, 60, 120", "5, 60, 30, 120", "5, 30, 120, 60"})
  void limitsMustMakeSense(int free, long base, long max, long forget) {
    assertThatThrownBy(
            () ->
                new LoginBackoff.Limits(
                    free,
                    Duration.ofSeconds(base),
                    Duration.ofSeconds(max),
                    Duration.ofSeconds(forget)))
        .hasMessageStartingWith("limits:");
  }
}
