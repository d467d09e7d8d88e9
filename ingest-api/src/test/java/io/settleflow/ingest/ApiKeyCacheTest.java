package io.settleflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ApiKeyCacheTest {
  static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
  static final byte[] KEY = "hash-of-key-a".getBytes(StandardCharsets.UTF_8);

  @ParameterizedTest(name = "[{index}] asked {0} ms after → {1}")
  @CsvSource({"0, m-a", "1, m-a", "999, m-a", "1000, ", "5000, "})
  void anAnswerIsKeptForLessThanOneSecond(long afterMs, String expected) {
    ApiKeyCache cache = new ApiKeyCache();
    cache.remember(KEY, "m-a", T0);

    assertThat(cache.merchant(KEY, T0.plusMillis(afterMs)))
        .isEqualTo(Optional.ofNullable(expected));
  }

  @Test
  void anExpiredEntryIsDroppedAndOtherKeysAreUnknown() {
    ApiKeyCache cache = new ApiKeyCache();
    cache.remember(KEY, "m-a", T0);

    assertThat(cache.merchant("other".getBytes(StandardCharsets.UTF_8), T0)).isEmpty();
    assertThat(cache.merchant(KEY, T0.plusSeconds(1))).isEmpty();
    assertThat(cache.size()).isZero();
  }

  @Test
  void aZeroMaxAgeKeepsNothingAndMoreThanOneSecondIsRefused() {
    ApiKeyCache off = new ApiKeyCache(Duration.ZERO);
    off.remember(KEY, "m-a", T0);
    assertThat(off.merchant(KEY, T0)).isEmpty();
    assertThatThrownBy(() -> new ApiKeyCache(Duration.ofMillis(1001)))
        .hasMessageContaining("maxAge must be 0..1000 ms");
  }

  @Test
  void theCacheIsBounded() {
    ApiKeyCache cache = new ApiKeyCache();
    for (int i = 0; i <= ApiKeyCache.MAX_ENTRIES; i++) {
      cache.remember(("k" + i).getBytes(StandardCharsets.UTF_8), "m", T0);
    }
    assertThat(cache.size()).isLessThanOrEqualTo(ApiKeyCache.MAX_ENTRIES);
  }
}
