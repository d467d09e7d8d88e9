package io.settleflow.feeds;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EntryOccurrencesTest {
  @Test
  void identicalKeysAreNumberedInOrderAcrossTheTableGrowing() throws Exception {
    EntryOccurrences occurrences = new EntryOccurrences();
    Map<String, Integer> seen = new HashMap<>();
    Random random = new Random(20261127L);
    // 30,000 distinct keys, 90,000 calls in random order: the table grows many times
    for (int call = 0; call < 90_000; call++) {
      String key = "STMT-1:BR-" + random.nextInt(30_000);
      int n = seen.merge(key, 1, Integer::sum);
      assertThat(occurrences.identify(key)).isEqualTo(n == 1 ? key : key + "#" + n);
    }
  }

  @Test
  void aResetScopeNumbersAgainFromTheFirst() throws Exception {
    EntryOccurrences occurrences = new EntryOccurrences();
    for (int i = 0; i < 20_000; i++) { // a large scope, so reset drops its table
      occurrences.identify("k" + i);
    }
    assertThat(occurrences.identify("k7")).isEqualTo("k7#2");
    occurrences.reset();
    assertThat(occurrences.identify("k7")).isEqualTo("k7");
    assertThat(occurrences.identify("k7")).isEqualTo("k7#2");
    occurrences.reset(); // a small scope: cleared in place
    assertThat(occurrences.identify("k7")).isEqualTo("k7");
    assertThat(occurrences.identify("k8")).isEqualTo("k8");
  }
}
