package io.settleflow.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settleflow.runtime.ServiceConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateChangelogOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReconcileConfigTest {
  static Map<String, String> required() {
    Map<String, String> env = new HashMap<>();
    env.put("SETTLEFLOW_KAFKA_BOOTSTRAP", "127.0.0.1:9092");
    env.put("SETTLEFLOW_REGISTRY_URL", "http://127.0.0.1:8081/apis/ccompat/v7");
    return env;
  }

  @Test
  void defaultsFollowTheBrief() {
    ReconcileConfig c = ReconcileConfig.from(new ServiceConfig(required()));

    assertThat(c.matcher().settlementDeadlineMs()).isEqualTo(Duration.ofDays(2).toMillis());
    assertThat(c.matcher().orphanGraceMs()).isEqualTo(Duration.ofHours(1).toMillis());
    assertThat(c.matcher().decidedRetentionMs()).isEqualTo(c.matcher().settlementDeadlineMs());
    assertThat(c.matcher().amountToleranceMinor()).isZero();
    assertThat(c.checkpointInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.outOfOrderness()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.idleness()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.parallelism()).isEqualTo(2);
    assertThat(c.httpHost()).isEqualTo("127.0.0.1");
  }

  @Test
  void reconciliationTableIsWrittenOnlyWhenItsDatabaseIsConfigured() {
    assertThat(ReconcileConfig.from(new ServiceConfig(required())).table()).isEmpty();

    Map<String, String> env = required();
    env.put(ReconcileConfig.TABLE_DB_URL, "jdbc:postgresql://127.0.0.1:5432/settleflow");
    assertThatThrownBy(() -> ReconcileConfig.from(new ServiceConfig(env)))
        .hasMessageContaining(ReconcileConfig.TABLE_DB_PASSWORD);

    env.put(ReconcileConfig.TABLE_DB_PASSWORD, "s3cret-for-test");
    ReconcileConfig c = ReconcileConfig.from(new ServiceConfig(env));
    assertThat(c.table())
        .hasValue(
            new ReconcileConfig.ReconciliationTable(
                "jdbc:postgresql://127.0.0.1:5432/settleflow",
                ReconcileConfig.DEFAULT_TABLE_DB_USER,
                "s3cret-for-test"));
    assertThat(c.toString()).doesNotContain("s3cret-for-test");
  }

  @Test
  void demoTimingsComeFromTheEnvironment() {
    Map<String, String> env = required();
    env.put("SETTLEFLOW_RECON_SETTLEMENT_DEADLINE_MS", "30000");
    env.put("SETTLEFLOW_RECON_ORPHAN_GRACE_MS", "10000");
    env.put("SETTLEFLOW_RECON_AMOUNT_TOLERANCE_MINOR", "2");
    env.put("SETTLEFLOW_STATE_DIR", "/var/settleflow/recon");

    ReconcileConfig c = ReconcileConfig.from(new ServiceConfig(env));

    assertThat(c.matcher()).isEqualTo(new MatcherSettings(30_000, 10_000, 30_000, 2));
    assertThat(c.checkpointDir()).isEqualTo(Path.of("/var/settleflow/recon/checkpoints"));
  }

  @Test
  void rulesComeFromTheFileNamedInTheEnvironment(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("rules.yaml");
    Files.writeString(
        file,
        """
        version: ops-7
        amount: {version: 4, tolerance_minor: 3}
        overdue:
          version: 2
          default_sla: P3D
          processors: {stripe: P2D}
          merchant_processors: {m-1: stripe}
        """);
    Map<String, String> env = required();
    env.put("SETTLEFLOW_RECON_RULES_FILE", file.toString());

    ReconcileConfig c = ReconcileConfig.from(new ServiceConfig(env));

    assertThat(c.matcher().rules().version()).isEqualTo("ops-7");
    assertThat(c.matcher().rules().amount().rule()).isEqualTo("amount-within-tolerance@4");
    assertThat(c.matcher().settlementDeadlineMs()).isEqualTo(Duration.ofDays(3).toMillis());
    assertThat(c.matcher().rules().overdue().slaMsFor("m-1"))
        .isEqualTo(Duration.ofDays(2).toMillis());
    assertThat(c.matcher().decidedRetentionMs()).isEqualTo(Duration.ofDays(3).toMillis());

    env.put("SETTLEFLOW_RECON_AMOUNT_TOLERANCE_MINOR", "0");
    env.put("SETTLEFLOW_RECON_SETTLEMENT_DEADLINE_MS", "60000");
    ReconcileConfig overridden = ReconcileConfig.from(new ServiceConfig(env));
    assertThat(overridden.matcher().rules().amount().rule()).isEqualTo("amount-exact@4");
    assertThat(overridden.matcher().settlementDeadlineMs()).isEqualTo(60_000);
    assertThat(overridden.matcher().rules().overdue().slaMsFor("m-1"))
        .isEqualTo(Duration.ofDays(2).toMillis());
  }

  @Test
  void aBadRulesFileIsNamedWithTheFieldAndAMissingOneWithItsPath(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("rules.yaml");
    Files.writeString(file, "version: 1\nfx: {version: 1, rates: {EUR/USD: -1}}\n");
    Map<String, String> env = required();
    env.put("SETTLEFLOW_RECON_RULES_FILE", file.toString());
    assertThatThrownBy(() -> ReconcileConfig.from(new ServiceConfig(env)))
        .hasMessageContaining("SETTLEFLOW_RECON_RULES_FILE")
        .hasMessageContaining("fx.rates.EUR/USD");

    env.put("SETTLEFLOW_RECON_RULES_FILE", dir.resolve("missing.yaml").toString());
    assertThatThrownBy(() -> ReconcileConfig.from(new ServiceConfig(env)))
        .hasMessageContaining("SETTLEFLOW_RECON_RULES_FILE")
        .hasMessageContaining("missing.yaml");
  }

  @Test
  void missingBrokerIsNamedInTheError() {
    Map<String, String> env = required();
    env.remove("SETTLEFLOW_KAFKA_BOOTSTRAP");
    assertThatThrownBy(() -> ReconcileConfig.from(new ServiceConfig(env)))
        .hasMessageContaining("SETTLEFLOW_KAFKA_BOOTSTRAP");
  }

  @Test
  void zeroDeadlineAndHugeCheckpointIntervalAreRejected() {
    Map<String, String> zero = required();
    zero.put("SETTLEFLOW_RECON_SETTLEMENT_DEADLINE_MS", "0");
    assertThatThrownBy(() -> ReconcileConfig.from(new ServiceConfig(zero)))
        .hasMessageContaining("SETTLEFLOW_RECON_SETTLEMENT_DEADLINE_MS");

    Map<String, String> slow = required();
    slow.put("SETTLEFLOW_RECON_CHECKPOINT_MS", "3600000");
    assertThatThrownBy(() -> ReconcileConfig.from(new ServiceConfig(slow)))
        .hasMessageContaining("SETTLEFLOW_RECON_CHECKPOINT_MS");
  }

  @Test
  void changelogIsOffByDefaultAndTurnsOnNamingTheVariableWhenWrong() {
    Map<String, String> env = required();
    env.put("SETTLEFLOW_STATE_DIR", "/tmp/x");
    ReconcileConfig off = ReconcileConfig.from(new ServiceConfig(env));
    assertThat(off.stateChangelog()).isFalse();
    assertThat(
            ReconcileService.flinkConfiguration(off, Optional.empty())
                .get(StateChangelogOptions.ENABLE_STATE_CHANGE_LOG))
        .isFalse();

    env.put(ReconcileConfig.STATE_CHANGELOG, "TRUE");
    ReconcileConfig c = ReconcileConfig.from(new ServiceConfig(env));
    Configuration f = ReconcileService.flinkConfiguration(c, Optional.empty());

    assertThat(c.stateChangelog()).isTrue();
    assertThat(f.get(StateChangelogOptions.ENABLE_STATE_CHANGE_LOG)).isTrue();
    assertThat(f.get(StateChangelogOptions.STATE_CHANGE_LOG_STORAGE)).isEqualTo("filesystem");
    assertThat(f.toMap())
        .containsEntry("dstl.dfs.base-path", Path.of("/tmp/x/changelog").toUri().toString());

    env.put(ReconcileConfig.STATE_CHANGELOG, "yes");
    assertThatThrownBy(() -> ReconcileConfig.from(new ServiceConfig(env)))
        .hasMessageContaining(ReconcileConfig.STATE_CHANGELOG)
        .hasMessageContaining("true or false");
  }

  @Test
  void flinkRunsOnHashMapStateWithRetainedCheckpointsAndRestoresWhenGivenOne() {
    ReconcileConfig c = ReconcileConfig.from(new ServiceConfig(required()));
    Path chk = Path.of("/tmp/x/checkpoints/job/chk-7");

    Configuration fresh = ReconcileService.flinkConfiguration(c, Optional.empty());
    Configuration restoring = ReconcileService.flinkConfiguration(c, Optional.of(chk));

    assertThat(fresh.get(StateBackendOptions.STATE_BACKEND)).isEqualTo("hashmap");
    assertThat(fresh.get(PipelineOptions.GENERIC_TYPES)).isFalse();
    assertThat(fresh.get(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION))
        .isEqualTo(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
    assertThat(fresh.get(CheckpointingOptions.CHECKPOINTING_INTERVAL))
        .isEqualTo(Duration.ofSeconds(1));
    assertThat(fresh.getOptional(StateRecoveryOptions.SAVEPOINT_PATH)).isEmpty();
    assertThat(restoring.get(StateRecoveryOptions.SAVEPOINT_PATH)).isEqualTo(chk.toString());
  }
}
