package io.settleflow.deploy.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settleflow.deploy.chaos.ChaosSchedule.Fault;
import io.settleflow.deploy.chaos.ChaosSchedule.FaultKind;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ChaosScheduleTest {
  private static final List<FaultKind> ALL = List.of(FaultKind.values());

  /** seed, load seconds → faults, settlement files, deadline seconds. */
  static Stream<Arguments> shapes() {
    return Stream.of(
        Arguments.of(1L, 80, 5, 1, 50),
        Arguments.of(1L, 90, 5, 2, 52),
        Arguments.of(2L, 120, 5, 2, 60),
        Arguments.of(7L, 1800, 40, 29, 90));
  }

  @ParameterizedTest(name = "seed {0}, {1} s")
  @MethodSource("shapes")
  void theScheduleHasItsShape(long seed, int loadSeconds, int faults, int files, int deadline) {
    Duration load = Duration.ofSeconds(loadSeconds);
    ChaosSchedule s = ChaosSchedule.derive(seed, load, ALL);

    assertThat(s.faults()).hasSize(faults);
    assertThat(s.settlementFiles()).hasSize(files);
    assertThat(s.settlementDeadline().toSeconds()).isEqualTo(deadline);
    // every kind at least once, all inside the fault window, in time order
    assertThat(s.faults().stream().map(Fault::kind).distinct())
        .containsExactlyInAnyOrderElementsOf(ALL);
    assertThat(s.faults())
        .allSatisfy(
            f ->
                assertThat(f.at().toMillis())
                    .isBetween((long) (load.toMillis() * 0.15), (long) (load.toMillis() * 0.80)));
    assertThat(s.faults()).isSortedAccordingTo((a, b) -> a.at().compareTo(b.at()));
    // the last file's planted overdue payments pass the deadline while payments still flow
    Duration last = s.settlementFiles().get(s.settlementFiles().size() - 1);
    Duration interval = s.settlementFiles().get(0);
    assertThat(last.minus(interval).plus(s.settlementDeadline())).isLessThan(load);
  }

  @Test
  void theSameSeedGivesTheSameScheduleAndAnotherSeedAnother() {
    Duration load = Duration.ofMinutes(2);
    assertThat(ChaosSchedule.derive(42, load, ALL)).isEqualTo(ChaosSchedule.derive(42, load, ALL));
    assertThat(ChaosSchedule.derive(42, load, ALL).faults())
        .isNotEqualTo(ChaosSchedule.derive(43, load, ALL).faults());
  }

  @Test
  void seed1For90SecondsIsThisSchedule() {
    ChaosSchedule s = ChaosSchedule.derive(1, Duration.ofSeconds(90), ALL);
    assertThat(s.describe())
        .containsExactly(
            "chaos: seed=1 load=90s faults=5 settlement_files=2 deadline=52s",
            "  at   14.7 s  KILL_RISK         kill -9 + restart a risk-engine instance",
            "  at   27.1 s  KILL_RECONCILE    kill -9 + restart the Flink job (restores its newest checkpoint)",
            "  at   42.6 s  KILL_CDC          kill -9 + restart the CDC relay",
            "  at   48.6 s  RESTART_POSTGRES  PostgreSQL immediate shutdown + restart",
            "  at   65.9 s  KILL_INGEST       kill -9 + restart ingest-api",
            "  at   22.5 s  SETTLEMENT_FILE   import a file with planted discrepancies",
            "  at   45.0 s  SETTLEMENT_FILE   import a file with planted discrepancies");
  }

  @Test
  void badInputIsRefusedNamingTheField() {
    assertThatThrownBy(() -> ChaosSchedule.derive(1, Duration.ofSeconds(30), ALL))
        .hasMessageContaining("load must be at least 80 s");
    assertThatThrownBy(() -> ChaosSchedule.derive(1, Duration.ofSeconds(90), List.of()))
        .hasMessageContaining("kinds");
  }
}
