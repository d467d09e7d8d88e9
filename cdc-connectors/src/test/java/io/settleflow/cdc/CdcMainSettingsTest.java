package io.settleflow.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settleflow.runtime.ServiceConfig;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CdcMainSettingsTest {
  @Test
  void unsetVariablesGiveTheDocumentedDefaults() {
    OutboxMaintenance.Settings s = CdcMain.maintenanceSettings(new ServiceConfig(Map.of()));
    assertThat(s.retention()).isEqualTo(Duration.ofMinutes(10));
    assertThat(s.cleanupInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(s.batchRows()).isEqualTo(1_000);
    assertThat(s.maxBatchesPerRun()).isEqualTo(100);
    assertThat(s.slotPollInterval()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void variablesOverrideTheDefaults() {
    OutboxMaintenance.Settings s =
        CdcMain.maintenanceSettings(
            new ServiceConfig(
                Map.of(
                    CdcMain.OUTBOX_RETENTION_VARIABLE, "60000",
                    CdcMain.CLEANUP_INTERVAL_VARIABLE, "250",
                    CdcMain.CLEANUP_BATCH_VARIABLE, "10000",
                    CdcMain.SLOT_POLL_VARIABLE, "500")));
    assertThat(s)
        .isEqualTo(
            new OutboxMaintenance.Settings(
                Duration.ofMinutes(1),
                Duration.ofMillis(250),
                10_000,
                100,
                Duration.ofMillis(500)));
  }

  @Test
  void batchAboveThePurgeFunctionsLimitIsRejectedNamingTheVariable() {
    assertThatThrownBy(
            () ->
                CdcMain.maintenanceSettings(
                    new ServiceConfig(Map.of(CdcMain.CLEANUP_BATCH_VARIABLE, "10001"))))
        .isInstanceOf(ServiceConfig.ConfigException.class)
        .hasMessageContaining(CdcMain.CLEANUP_BATCH_VARIABLE);
  }

  @Test
  void zeroRetentionIsRejected() {
    assertThatThrownBy(
            () ->
                CdcMain.maintenanceSettings(
                    new ServiceConfig(Map.of(CdcMain.OUTBOX_RETENTION_VARIABLE, "0"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("retention");
  }

  @Test
  void traceHeadersAreOffUnlessSetToTrueAndOtherValuesAreRejected() {
    assertThat(CdcMain.traceHeaders(new ServiceConfig(Map.of()))).isFalse();
    assertThat(
            CdcMain.traceHeaders(new ServiceConfig(Map.of(CdcMain.TRACE_HEADERS_VARIABLE, "true"))))
        .isTrue();
    assertThatThrownBy(
            () ->
                CdcMain.traceHeaders(
                    new ServiceConfig(Map.of(CdcMain.TRACE_HEADERS_VARIABLE, "yes"))))
        .isInstanceOf(ServiceConfig.ConfigException.class)
        .hasMessageContaining(CdcMain.TRACE_HEADERS_VARIABLE);
  }
}
