package io.settleflow.deploy.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CdcSlowWindowsTest {
  private static final List<Integer> STAGES = List.of(0, 1);

  /**
   * Events as {@code commitMs:stage0Ms/stage1Ms}; the total is the sum. Threshold 100 ms, gap 200
   * ms.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        // case                          | events                                            | slow
        // | windows (start ms/span ms/events/dominant stage)
        "nothing slow                    | 0:1/1 10:2/2 20:3/3                                | 0    | ''",
        "one stall: three late together | 0:1/1 100:150/1 150:120/2 250:101/1 900:1/1      | 3    | 100/150/3/0",
        "gap over 200 ms splits          | 0:1/1 100:1/150 301:1/150 302:1/160               | 3    | 301/1/2/1 100/0/1/1",
        "largest window first, ties by time | 0:110/0 1000:110/0 2000:0/110 2001:0/110     | 4    | 2000/1/2/1 0/0/1/0 1000/0/1/0",
      })
  void slowEventsAreGroupedByCommitTime(String name, String events, int slow, String windows) {
    String[] parts = events.trim().split("\\s+", -1);
    long[] commits = new long[parts.length];
    long[][] stages = new long[parts.length][];
    long[] totals = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      String[] at = parts[i].split(":", -1);
      String[] st = at[1].split("/", -1);
      commits[i] = Long.parseLong(at[0]) * 1_000;
      stages[i] = new long[] {Long.parseLong(st[0]) * 1_000, Long.parseLong(st[1]) * 1_000};
      totals[i] = stages[i][0] + stages[i][1];
    }
    CdcSlowWindows w = CdcSlowWindows.of(commits, stages, totals, 100_000, 200_000, STAGES);
    assertThat(w.slowEvents()).isEqualTo(slow);
    List<String> shown =
        w.windows().stream()
            .map(
                x ->
                    x.startMicros() / 1_000
                        + "/"
                        + x.spanMicros() / 1_000
                        + "/"
                        + x.events()
                        + "/"
                        + x.dominantStage())
            .toList();
    List<String> expected =
        windows.isBlank() ? List.of() : Arrays.asList(windows.trim().split("\\s+", -1));
    assertThat(shown).isEqualTo(expected);
  }

  @Test
  void atMostFiveWindowsAreReported() {
    int n = 8;
    long[] commits = new long[n];
    long[][] stages = new long[n][];
    long[] totals = new long[n];
    for (int i = 0; i < n; i++) {
      commits[i] = i * 1_000_000L;
      stages[i] = new long[] {200_000, 0};
      totals[i] = 200_000;
    }
    CdcSlowWindows w = CdcSlowWindows.of(commits, stages, totals, 100_000, 200_000, STAGES);
    assertThat(w.windows()).hasSize(CdcSlowWindows.MAX_WINDOWS);
    assertThat(w.slowEvents()).isEqualTo(n);
    assertThat(w.windows().get(0).dominantMeanMicros()).isEqualTo(200_000.0);
  }

  @Test
  void mismatchedInputsAreRejected() {
    assertThatThrownBy(
            () -> CdcSlowWindows.of(new long[1], new long[0][], new long[1], 1, 1, STAGES))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1 commits, 0 stage rows");
    assertThatThrownBy(
            () -> CdcSlowWindows.of(new long[0], new long[0][], new long[0], 1, 1, List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least one stage");
  }
}
