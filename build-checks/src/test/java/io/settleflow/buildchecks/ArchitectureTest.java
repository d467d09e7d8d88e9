package io.settleflow.buildchecks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import io.settleflow.risk.ImpureScorer;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The module boundaries STYLE.md describes, checked on the compiled main classes of every module.
 * What counts as pure logic or wiring is defined in {@link ArchitectureRules}.
 */
class ArchitectureTest {

  private static final JavaClasses MAIN_CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .withImportOption(location -> !location.contains("/io/settleflow/avro/"))
          .withImportOption(location -> !location.contains("/io/settleflow/buildchecks/"))
          .importPackages("io.settleflow");

  @Test
  void everyModuleIsOnTheClasspathSoNoRuleHoldsVacuously() {
    Set<String> packages =
        MAIN_CLASSES.stream().map(JavaClass::getPackageName).collect(Collectors.toSet());
    assertThat(packages)
        .contains(
            "io.settleflow.schemas",
            "io.settleflow.runtime",
            "io.settleflow.embedded",
            "io.settleflow.ledger",
            "io.settleflow.ingest",
            "io.settleflow.cdc",
            "io.settleflow.risk",
            "io.settleflow.feeds",
            "io.settleflow.reconcile",
            "io.settleflow.deploy",
            "io.settleflow.checker");
  }

  @Test
  void theConservationCheckerSharesNoCodeWithWhatItChecks() {
    ArchitectureRules.checkerIsIndependent().check(MAIN_CLASSES);
  }

  @Test
  void pureLogicImportsNoFrameworkIoOrClock() {
    ArchitectureRules.pureLogicStaysPure().check(MAIN_CLASSES);
  }

  @Test
  void pureLogicNeverReadsTheTime() {
    ArchitectureRules.pureLogicNeverReadsTheTime().check(MAIN_CLASSES);
  }

  static List<ArchRule> stagesAreIndependent() {
    return ArchitectureRules.stagesDoNotDependOnEachOther();
  }

  @ParameterizedTest
  @MethodSource("stagesAreIndependent")
  void streamStagesNeverImportEachOther(ArchRule rule) {
    rule.check(MAIN_CLASSES);
  }

  @Test
  void onlyWiringReadsConfigurationOrEnvironment() {
    ArchitectureRules.onlyWiringReadsConfiguration().check(MAIN_CLASSES);
  }

  @Test
  void onlyEntryPointsExitTheJvm() {
    ArchitectureRules.onlyEntryPointsExit().check(MAIN_CLASSES);
  }

  /** The rules must be able to fail: each one, run on a class that breaks it, reports it. */
  @Test
  void theRulesCatchAClassThatBreaksThem() {
    JavaClasses offender = new ClassFileImporter().importClasses(ImpureScorer.class);
    assertThatThrownBy(() -> ArchitectureRules.pureLogicStaysPure().check(offender))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("java.time.Clock");
    assertThatThrownBy(() -> ArchitectureRules.pureLogicNeverReadsTheTime().check(offender))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("currentTimeMillis");
    assertThatThrownBy(() -> ArchitectureRules.onlyWiringReadsConfiguration().check(offender))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("getenv");
    assertThatThrownBy(() -> ArchitectureRules.onlyEntryPointsExit().check(offender))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("exit");
  }

  @Test
  void everyClassNamedAsWiringStillExists() {
    assertThat(ArchitectureRules.WIRING_CLASSES.keySet())
        .as("WIRING_CLASSES entries whose class is gone")
        .allMatch(MAIN_CLASSES::contain);
  }

  @Test
  void wiringIsRecognisedByName() {
    assertThat(ArchitectureRules.isWiring("io.settleflow.risk.RiskMain")).isTrue();
    assertThat(ArchitectureRules.isWiring("io.settleflow.risk.RiskTopology")).isTrue();
    assertThat(ArchitectureRules.isWiring("io.settleflow.feeds.SettlementImporter")).isTrue();
    assertThat(ArchitectureRules.isWiring("io.settleflow.risk.RiskScorer")).isFalse();
    assertThat(ArchitectureRules.isWiring("io.settleflow.feeds.CamtParser")).isFalse();
  }
}
