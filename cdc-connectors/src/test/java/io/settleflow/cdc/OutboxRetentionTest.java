package io.settleflow.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settleflow.cdc.OutboxRetention.Decision;
import io.settleflow.cdc.OutboxRetention.Hold;
import io.settleflow.cdc.OutboxRetention.Purge;
import io.settleflow.cdc.OutboxRetention.Slot;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class OutboxRetentionTest {
  private static final Instant T0 = Instant.parse("2026-11-25T12:00:00Z");
  private static final Duration RETENTION = Duration.ofMinutes(10);
  private static final Duration SLACK = OutboxRetention.COMMIT_SLACK;

  /**
   * One clean-up run: database time offset from T0 (s), WAL insert position, the slot → expected
   * decision.
   */
  record Run(long atSeconds, long walLsn, Slot slot, Decision expected) {}

  private static Run run(long atSeconds, long walLsn, Slot slot, Decision expected) {
    return new Run(atSeconds, walLsn, slot, expected);
  }

  private static Purge purgeBefore(Instant cutoff) {
    return new Purge(cutoff);
  }

  private static Instant at(long seconds) {
    return T0.plusSeconds(seconds);
  }

  static Stream<Arguments> histories() {
    return Stream.of(
        Arguments.of(
            "no slot: never delete",
            List.of(
                run(0, 100, Slot.missing(), new Hold("replication slot does not exist")),
                run(900, 200, Slot.missing(), new Hold("replication slot does not exist")))),
        Arguments.of(
            "slot never confirmed: hold",
            List.of(
                run(
                    0,
                    100,
                    new Slot(true, Optional.empty()),
                    new Hold("replication slot has not confirmed any position yet")))),
        Arguments.of(
            "slot behind every sample: hold",
            List.of(
                run(
                    0,
                    100,
                    Slot.confirmedAt(50),
                    new Hold("replication slot has not confirmed any sampled WAL position yet")),
                run(
                    5,
                    200,
                    Slot.confirmedAt(99),
                    new Hold("replication slot has not confirmed any sampled WAL position yet")))),
        Arguments.of(
            "slot caught up, young table: the retention decides",
            List.of(
                run(0, 100, Slot.confirmedAt(100), purgeBefore(at(0).minus(RETENTION))),
                run(700, 200, Slot.confirmedAt(200), purgeBefore(at(700).minus(RETENTION))))),
        Arguments.of(
            "slot lagging: only rows before its confirmed sample (minus slack) go",
            List.of(
                run(0, 100, Slot.confirmedAt(100), purgeBefore(at(0).minus(RETENTION))),
                run(600, 200, Slot.confirmedAt(150), purgeBefore(at(0).minus(SLACK))),
                run(1200, 300, Slot.confirmedAt(200), purgeBefore(at(600).minus(SLACK))),
                run(1800, 400, Slot.confirmedAt(400), purgeBefore(at(1800).minus(RETENTION))))),
        Arguments.of(
            "slot dropped and recreated: earlier samples are forgotten",
            List.of(
                run(0, 100, Slot.confirmedAt(100), purgeBefore(at(0).minus(RETENTION))),
                run(900, 200, Slot.missing(), new Hold("replication slot does not exist")),
                run(
                    1000,
                    300,
                    Slot.confirmedAt(250),
                    new Hold("replication slot has not confirmed any sampled WAL position yet")),
                run(1700, 400, Slot.confirmedAt(300), purgeBefore(at(1000).minus(SLACK))))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("histories")
  void rowsGoOnlyWhenOlderThanRetentionAndBehindTheSlotsConfirmedPosition(
      String name, List<Run> runs) {
    OutboxRetention retention = new OutboxRetention(RETENTION);
    for (Run r : runs) {
      assertThat(retention.decide(at(r.atSeconds()), r.walLsn(), r.slot()))
          .as("run at +%ss", r.atSeconds())
          .isEqualTo(r.expected());
    }
  }

  @Test
  void samplesHeldWhileTheSlotLagsAreBounded() {
    OutboxRetention retention = new OutboxRetention(RETENTION);
    for (int i = 0; i < OutboxRetention.MAX_SAMPLES + 50; i++) {
      retention.decide(at(i), 1_000 + i, Slot.confirmedAt(1));
    }
    assertThat(retention.samplesHeld()).isEqualTo(OutboxRetention.MAX_SAMPLES);
  }

  @Test
  void samplesBehindTheWatermarkAreDropped() {
    OutboxRetention retention = new OutboxRetention(RETENTION);
    for (int i = 0; i < 100; i++) {
      retention.decide(at(i), 1_000 + i, Slot.confirmedAt(1_000 + i));
    }
    assertThat(retention.samplesHeld()).isEqualTo(1);
  }

  @Test
  void retentionMustBePositive() {
    assertThatThrownBy(() -> new OutboxRetention(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
