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
        Arguments.of(1L, 80, 6, 1, 50),
        Arguments.of(2L, 80, 6, 1, 50),
        Arguments.of(1L, 90, 6, 2, 52),
        Arguments.of(2L, 120, 6, 2, 60),
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
    // a risk fault hits one of the 2 instances, a broker fault one of the 3 brokers, others none
    assertThat(s.faults())
        .allSatisfy(
            f ->
                assertThat(f.target())
                    .isBetween(
                        f.kind() == FaultKind.KILL_RISK || f.kind() == FaultKind.KILL_BROKER
                            ? 1
                            : 0,
                        switch (f.kind()) {
                          case KILL_RISK -> ChaosSchedule.RISK_INSTANCES;
                          case KILL_BROKER -> ChaosSchedule.BROKERS;
                          default -> 0;
                        }));
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
            "chaos: seed=1 load=90s faults=6 settlement_files=2 deadline=52s",
            "  at   13.7 s  RESTART_POSTGRES  PostgreSQL immediate shutdown + restart",
            "  at   26.5 s  KILL_RISK         kill -9 + restart risk-engine instance 2",
            "  at   33.0 s  KILL_INGEST       kill -9 + restart ingest-api",
            "  at   47.4 s  KILL_CDC          kill -9 + restart the CDC relay",
            "  at   57.1 s  KILL_BROKER       kill -9 + restart Kafka broker 3",
            "  at   66.7 s  KILL_RECONCILE    kill -9 + restart the Flink job (restores its newest checkpoint)",
            "  at   22.5 s  SETTLEMENT_FILE   import a file with planted discrepancies",
            "  at   45.0 s  SETTLEMENT_FILE   import a file with planted discrepancies");
  }

  /** seed, load seconds → the targets of its risk and broker faults, in time order. */
  static Stream<Arguments> targets() {
    return Stream.of(
        Arguments.of(1L, 80, List.of(2), List.of(3)),
        Arguments.of(2L, 80, List.of(2), List.of(1)),
        Arguments.of(2L, 120, List.of(2), List.of(1)),
        Arguments.of(7L, 1800, List.of(1, 1, 1, 2, 1, 1, 2), List.of(2, 1, 1, 3, 1, 1)));
  }

  @ParameterizedTest(name = "seed {0}, {1} s")
  @MethodSource("targets")
  void theSeedChoosesWhichRiskInstanceAndWhichBrokerDie(
      long seed, int loadSeconds, List<Integer> riskTargets, List<Integer> brokerTargets) {
    ChaosSchedule s = ChaosSchedule.derive(seed, Duration.ofSeconds(loadSeconds), ALL);

    assertThat(targetsOf(s, FaultKind.KILL_RISK)).isEqualTo(riskTargets);
    assertThat(targetsOf(s, FaultKind.KILL_BROKER)).isEqualTo(brokerTargets);
    assertThat(s.faults())
        .filteredOn(f -> f.kind() != FaultKind.KILL_RISK && f.kind() != FaultKind.KILL_BROKER)
        .allSatisfy(f -> assertThat(f.target()).isZero());
  }

  private static List<Integer> targetsOf(ChaosSchedule s, FaultKind kind) {
    return s.faults().stream().filter(f -> f.kind() == kind).map(Fault::target).toList();
  }

  @Test
  void aFaultRefusesATargetItsKindDoesNotHave() {
    Duration at = Duration.ofSeconds(1);
    assertThatThrownBy(() -> new Fault(at, FaultKind.KILL_BROKER, 4))
        .hasMessageContaining("target 4 does not fit KILL_BROKER (3 targets)");
    assertThatThrownBy(() -> new Fault(at, FaultKind.KILL_RISK, 0))
        .hasMessageContaining("target 0 does not fit KILL_RISK");
    assertThatThrownBy(() -> new Fault(at, FaultKind.KILL_CDC, 1))
        .hasMessageContaining("target 1 does not fit KILL_CDC (0 targets)");
    assertThat(new Fault(at, FaultKind.KILL_BROKER, 2).description())
        .isEqualTo("kill -9 + restart Kafka broker 2");
  }

  @Test
  void badInputIsRefusedNamingTheField() {
    assertThatThrownBy(() -> ChaosSchedule.derive(1, Duration.ofSeconds(30), ALL))
        .hasMessageContaining("load must be at least 80 s");
    assertThatThrownBy(() -> ChaosSchedule.derive(1, Duration.ofSeconds(90), List.of()))
        .hasMessageContaining("kinds");
  }
}
