package io.settleflow.risk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settleflow.runtime.ServiceConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RiskSettingsTest {
  private static final Map<String, String> REQUIRED =
      Map.of(
          "SETTLEFLOW_KAFKA_BOOTSTRAP", "127.0.0.1:9092",
          "SETTLEFLOW_REGISTRY_URL", "http://127.0.0.1:8081/apis/ccompat/v7");

  @Test
  void defaultsMatchTheReadme() {
    RiskSettings s = RiskSettings.from(new ServiceConfig(REQUIRED));

    assertThat(s.applicationId()).isEqualTo("settleflow-risk");
    assertThat(s.httpHost()).isEqualTo("127.0.0.1");
    assertThat(s.stateDir()).isEqualTo(Path.of("state", "streams-risk"));
    assertThat(s.risk()).isEqualTo(RiskConfig.defaults());
    assertThat(s.risk().amountLimitMinor()).isEqualTo(500_000);
    assertThat(s.risk().velocityMaxPayments()).isEqualTo(100);
    assertThat(s.risk().velocityWindow()).isEqualTo(Duration.ofSeconds(60));
    assertThat(s.risk().dedupeRetention()).isEqualTo(Duration.ofDays(7));
    assertThat(s.commitIntervalMs()).isEqualTo(RiskStreamsConfig.COMMIT_INTERVAL_MS).isEqualTo(100);
  }

  @Test
  void theCommitIntervalIsReadAndBounded() {
    Map<String, String> env = new java.util.HashMap<>(REQUIRED);
    env.put("SETTLEFLOW_RISK_COMMIT_INTERVAL_MS", "1000");
    assertThat(RiskSettings.from(new ServiceConfig(env)).commitIntervalMs()).isEqualTo(1000);
    for (String bad : new String[] {"5", "60001"}) {
      env.put("SETTLEFLOW_RISK_COMMIT_INTERVAL_MS", bad);
      assertThatThrownBy(() -> RiskSettings.from(new ServiceConfig(env)))
          .as(bad)
          .hasMessageContaining("SETTLEFLOW_RISK_COMMIT_INTERVAL_MS");
    }
  }

  @Test
  void everyRiskSettingIsReadFromTheEnvironment() {
    Map<String, String> env = new java.util.HashMap<>(REQUIRED);
    env.putAll(
        Map.of(
            "SETTLEFLOW_RISK_APPLICATION_ID", "risk-blue",
            "SETTLEFLOW_RISK_AMOUNT_LIMIT_MINOR", "100",
            "SETTLEFLOW_RISK_VELOCITY_MAX_PAYMENTS", "7",
            "SETTLEFLOW_RISK_VELOCITY_WINDOW_MS", "30000",
            "SETTLEFLOW_RISK_MEAN_MULTIPLE", "3",
            "SETTLEFLOW_RISK_MEAN_MIN_PAYMENTS", "4",
            "SETTLEFLOW_RISK_DEDUPE_RETENTION_MS", "86400000",
            "SETTLEFLOW_STATE_DIR", "/var/lib/risk",
            "SETTLEFLOW_HTTP_PORT", "9000"));

    RiskSettings s = RiskSettings.from(new ServiceConfig(env));

    assertThat(s.applicationId()).isEqualTo("risk-blue");
    assertThat(s.stateDir()).isEqualTo(Path.of("/var/lib/risk"));
    assertThat(s.httpPort()).isEqualTo(9000);
    assertThat(s.risk().rules()).isEqualTo(new RiskRules(100, 7, 3, 4));
    assertThat(s.risk().velocityWindow()).isEqualTo(Duration.ofSeconds(30));
    assertThat(s.risk().dedupeRetention()).isEqualTo(Duration.ofDays(1));
  }

  @Test
  void anInstanceIdTurnsOnStaticMembershipAndIsValidated() {
    assertThat(RiskSettings.from(new ServiceConfig(REQUIRED)).instanceId()).isEmpty();
    Map<String, String> env = new java.util.HashMap<>(REQUIRED);
    env.put("SETTLEFLOW_RISK_INSTANCE_ID", "streams-risk-0");
    assertThat(RiskSettings.from(new ServiceConfig(env)).instanceId()).contains("streams-risk-0");
    for (String bad : new String[] {"risk 1", "risk/1", "x".repeat(201)}) {
      env.put("SETTLEFLOW_RISK_INSTANCE_ID", bad);
      assertThatThrownBy(() -> RiskSettings.from(new ServiceConfig(env)))
          .as(bad)
          .hasMessageContaining("SETTLEFLOW_RISK_INSTANCE_ID");
    }
  }

  @Test
  void missingBrokerIsReportedByName() {
    assertThatThrownBy(() -> RiskSettings.from(new ServiceConfig(Map.of())))
        .hasMessageContaining("SETTLEFLOW_KAFKA_BOOTSTRAP");
  }

  @Test
  void aDedupeRetentionBelowOneMinuteIsRejected() {
    Map<String, String> env = new java.util.HashMap<>(REQUIRED);
    env.put("SETTLEFLOW_RISK_DEDUPE_RETENTION_MS", "1000");
    assertThatThrownBy(() -> RiskSettings.from(new ServiceConfig(env)))
        .hasMessageContaining("SETTLEFLOW_RISK_DEDUPE_RETENTION_MS");
  }
}
