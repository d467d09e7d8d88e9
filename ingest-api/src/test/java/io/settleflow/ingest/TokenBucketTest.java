package io.settleflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TokenBucketTest {
  static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");

  /**
   * One line per scenario: capacity, refill per second, then requests as "ms after start", and the
   * answers: "ok" or the Retry-After wait in ms.
   */
  @ParameterizedTest(name = "[{index}] capacity {0}, {1}/s: {2} -> {3}")
  @CsvSource(
      delimiter = '|',
      value = {
        "2 | 1   | 0 0 0                 | ok ok 1000", // burst of 2, the third waits a full token
        "2 | 1   | 0 0 500               | ok ok 500", // half a token refilled: half the wait left
        "2 | 1   | 0 0 1000              | ok ok ok", // a whole token refilled
        "2 | 1   | 0 0 10000 10000 10000 | ok ok ok ok 1000", // refill stops at the capacity
        "1 | 10  | 0 0 100 100           | ok 100 ok 100", // 10/s: one token per 100 ms
        "3 | 0.5 | 0 0 0 0               | ok ok ok 2000", // one token per 2 s
        "1 | 1   | 1000 0 0              | ok 1000 1000", // the clock stepping back refills nothing
        "1 | 1   | 0 0 0 1000            | ok 1000 1000 ok", // refusals take no token
      })
  void requestsAreAllowedOrToldHowLongToWait(
      int capacity, double perSecond, String atMs, String expected) {
    TokenBucket bucket = new TokenBucket(capacity, perSecond, T0);
    List<String> answers = new ArrayList<>();
    for (String at : atMs.trim().split(" +", -1)) {
      TokenBucket.Decision d = bucket.take(T0.plusMillis(Long.parseLong(at)));
      answers.add(d.allowed() ? "ok" : Long.toString(d.retryAfter().toMillis()));
    }
    assertThat(String.join(" ", answers)).isEqualTo(expected.trim());
  }

  @Test
  void aBucketNeedsRoomForOneTokenAndAPositiveRate() {
    assertThatThrownBy(() -> new TokenBucket(0, 1, T0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TokenBucket(1, 0, T0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void merchantsHaveTheirOwnBuckets() {
    java.time.Clock clock = java.time.Clock.fixed(T0, java.time.ZoneOffset.UTC);
    MerchantRateLimiter limiter = new MerchantRateLimiter(1, 1, clock);

    assertThat(limiter.take("a").allowed()).isTrue();
    assertThat(limiter.take("a").allowed()).isFalse();
    assertThat(limiter.take("b").allowed()).isTrue();
    assertThat(limiter.take("a").retryAfter()).isEqualTo(Duration.ofSeconds(1));
  }
}
