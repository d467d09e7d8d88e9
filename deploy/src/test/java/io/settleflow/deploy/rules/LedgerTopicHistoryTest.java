package io.settleflow.deploy.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LedgerTopicHistoryTest {
  @ParameterizedTest(name = "{0} -> [{1}, {2})")
  @CsvSource({
    "2026-11-25T10:00:00Z..2026-11-25T12:00:00Z, 2026-11-25T10:00:00Z, 2026-11-25T12:00:00Z",
    "' 2026-11-25T10:00:00Z .. 2026-11-25T10:00:00.001Z ', 2026-11-25T10:00:00Z,"
        + " 2026-11-25T10:00:00.001Z"
  })
  void aRangeIsTwoInstants(String text, String from, String to) {
    LedgerTopicHistory.TimeRange r = LedgerTopicHistory.TimeRange.parse(text.strip());
    assertThat(r.from()).isEqualTo(Instant.parse(from));
    assertThat(r.to()).isEqualTo(Instant.parse(to));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "2026-11-25T12:00:00Z..2026-11-25T10:00:00Z | must be before its end",
        "2026-11-25T10:00:00Z..2026-11-25T10:00:00Z | must be before its end",
        "yesterday..2026-11-25T10:00:00Z | the range's start 'yesterday' is not an ISO-8601 instant",
        "2026-11-25T10:00:00Z..later | the range's end 'later' is not an ISO-8601 instant",
        "2026-11-25T10:00:00Z | a time range is FROM..TO"
      })
  void aBadRangeNamesTheOptionAndThePart(String text, String message) {
    assertThatThrownBy(() -> LedgerTopicHistory.TimeRange.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--from: ")
        .hasMessageContaining(message);
  }

  @ParameterizedTest(name = "{0}/{1} -> {2}")
  @CsvSource({
    "0, 10, [----------]",
    "5, 10, [#####-----]",
    "10, 10, [##########]",
    "11, 10, [##########]",
    "0, 0, [##########]"
  })
  void theProgressBarFillsInProportion(long done, long total, String bar) {
    assertThat(BacktestReport.bar(done, total, 10)).isEqualTo(bar);
  }
}
