package io.settleflow.deploy.recon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RecordedRangeTest {
  @Test
  void aTimeRangeReadsEveryPartitionBetweenTwoInstants() {
    RecordedRange r = RecordedRange.parse("2026-11-25T10:00:00Z..2026-11-25T12:00:00Z");
    assertThat(r.offsets()).isNull();
    assertThat(r.time().from()).isEqualTo(Instant.parse("2026-11-25T10:00:00Z"));
    assertThat(r.time().to()).isEqualTo(Instant.parse("2026-11-25T12:00:00Z"));
  }

  @Test
  void offsetsNameTheirPartitions() {
    String spec = "settlements.raw:0:10-20, payments.authorized:1:0-0,payments.refunded:0:5-6";
    assertThat(RecordedRange.looksLikeOffsets(spec)).isTrue();
    assertThat(RecordedRange.parse(spec).offsets())
        .containsExactly(
            Map.entry("payments.authorized-1", new RecordedRange.Span(0, 0)),
            Map.entry("payments.refunded-0", new RecordedRange.Span(5, 6)),
            Map.entry("settlements.raw-0", new RecordedRange.Span(10, 20)));
    assertThat(RecordedRange.looksLikeOffsets("recorded.jsonl")).isFalse();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          settlements.raw:0                          | --from: offsets are TOPIC:PARTITION:FIRST-END, got 'settlements.raw:0'
          settlements.raw:0:1-2,risk.rules:0:1-2     | --from: topic 'risk.rules' is not one reconciliation reads
          settlements.raw:x:1-2                      | --from: partition 'x' is not a non-negative number
          settlements.raw:0:12                       | --from: offsets FIRST-END (end excluded), got '12'
          settlements.raw:0:-1-2                     | --from: offsets FIRST-END (end excluded), got '-1-2'
          settlements.raw:0:5-2                      | --from: the end offset 2 is before the first 5
          settlements.raw:0:1-2,settlements.raw:0:3-4 | --from: settlements.raw partition 0 twice
          2026-11-25T12:00:00Z..2026-11-25T10:00:00Z | --from: the range's start 2026-11-25T12:00:00Z must be before its end
          yesterday..today                           | --from: the range's start 'yesterday' is not an ISO-8601 instant
          """)
  void badRangesNameWhatIsWrong(String spec, String error) {
    assertThatThrownBy(() -> RecordedRange.parse(spec))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(error);
  }
}
