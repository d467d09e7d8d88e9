package io.settleflow.deploy.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.settleflow.deploy.Stack;
import io.settleflow.deploy.StackSettings;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The short seeded chaos run of the README's test command: two seeds, one after the other on one
 * stack with two risk-engine instances and three Kafka brokers (RF 3, min.insync.replicas 2; each
 * seed its own merchants; the checker reads both runs' observations), each 80 s of load through all
 * six fault kinds (one broker killed with -9 among them), then the independent checker must find
 * everything conserved. Longer runs: {@code ./settleflow chaos --seed N --minutes 30}
 * (deploy/README.md).
 */
@Tag("integration")
class ChaosIT {
  private static final Duration LOAD = ChaosSchedule.MIN_LOAD;
  private static final List<ChaosSchedule.FaultKind> ALL =
      List.of(ChaosSchedule.FaultKind.values());

  @TempDir static Path runDir;
  static Stack stack;

  @BeforeAll
  static void startStack() {
    // every seed's schedule at this load has the same deadline, so one stack serves both
    Duration deadline = ChaosSchedule.derive(1, LOAD, ALL).settlementDeadline();
    stack =
        Stack.start(
            StackSettings.ephemeral(home(), runDir, deadline, ChaosRun.ORPHAN_GRACE),
            System.out,
            ChaosRun.RISK_INSTANCES,
            ChaosRun.BROKERS);
  }

  @AfterAll
  static void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2})
  void aSeededRunThroughEveryFaultConservesMoney(long seed) {
    ChaosSchedule schedule = ChaosSchedule.derive(seed, LOAD, ALL);
    ChaosRun.Outcome outcome =
        new ChaosRun(
                new ChaosRun.Options(seed, LOAD, 2, 3, Duration.ofSeconds(240)),
                System.out,
                Clock.systemUTC())
            .run(stack, schedule, runDir);

    assertThat(outcome.faultsInjected()).isEqualTo(schedule.faults().size());
    assertThat(outcome.report().conserved())
        .as(
            "seed %d (replay: ./settleflow chaos --seed %d)%n%s",
            seed, seed, outcome.report().render())
        .isTrue();
    assertThat(schedule.faults()).hasSize(ALL.size());
    assertThat(outcome.resultLine())
        .isEqualTo("RESULT chaos seed=" + seed + " faults=6 conserved=true lost=0 duplicated=0");
  }

  static Path home() {
    String prop = System.getProperty("settleflow.home");
    return prop != null ? Path.of(prop) : Path.of("..").toAbsolutePath().normalize();
  }
}
