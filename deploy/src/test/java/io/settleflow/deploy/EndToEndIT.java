package io.settleflow.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.settleflow.deploy.demo.Demo;
import io.settleflow.deploy.demo.DemoReport;
import io.settleflow.deploy.demo.SettlementPlan;
import io.settleflow.deploy.demo.SettlementPlan.PlantedKind;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline on real parts, each in its own process as {@code ./settleflow up} runs it:
 * HTTP → PostgreSQL (ledger + outbox) → WAL → Debezium → Kafka → Kafka Streams → Flink → alerts.
 */
@Tag("integration")
class EndToEndIT {
  private static final Duration DEADLINE = Duration.ofSeconds(30);

  @TempDir Path runDir;

  @Test
  void paymentsFlowThroughEveryStageExactlyOnceAndPlantedMismatchesAreAlerted() {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(new TeeStream(System.out, captured), true, StandardCharsets.UTF_8);
    StackSettings settings = StackSettings.ephemeral(home(), runDir, DEADLINE, Duration.ofSeconds(8));
    // one of each kind, one amount mismatch among them; 20 CDC events redelivered
    Demo.Options options = new Demo.Options(2, 6, Duration.ofSeconds(12), 1, new SettlementPlan.Counts(1, 1, 1, 1, 1), 20, 11);

    DemoReport report;
    try (Stack stack = Stack.start(settings, out)) {
      report = new Demo(stack, options, DEADLINE, out, Clock.systemUTC()).run();
    }
    out.print(report.render());

    // ledger: every accepted payment exactly once, balanced
    assertThat(report.accepted()).isGreaterThan(50);
    assertThat(report.ledgerPayments()).isEqualTo(report.accepted());
    assertThat(report.ledgerEntries()).isEqualTo(2 * report.accepted());
    assertThat(report.balanced()).isTrue();
    assertThat(report.replaysMatched()).isPositive();
    assertThat(report.replaysDiffered()).isZero();
    // CDC: every outbox row reached Kafka; the redelivered copies are there too
    assertThat(report.cdcMissing()).isZero();
    assertThat(report.cdcDistinctEvents()).isEqualTo(report.outboxRows());
    assertThat(report.cdcRecords()).isGreaterThanOrEqualTo(report.outboxRows() + report.redeliveriesInjected());
    // risk: exactly one decision per distinct event despite the redeliveries
    assertThat(report.decisions()).isEqualTo(report.decisionsDistinct()).isEqualTo(report.cdcDistinctEvents());
    // reconciliation: exactly one alert for the amount mismatch, every planted kind found, the rest matched
    assertThat(report.alertsByKind()).containsEntry("AMOUNT_MISMATCH", 1L);
    for (PlantedKind k : PlantedKind.values()) {
      assertThat(report.detectedByKind().get(k)).as(k.name()).isEqualTo(1L);
    }
    assertThat(report.unexpectedAlerts()).isEmpty();
    assertThat(report.alerts()).isEqualTo(report.alertsDistinct()).isEqualTo(5);
    assertThat(report.matches()).isEqualTo(report.matchesDistinct()).isEqualTo(report.matchesExpected());
    assertThat(report.passed()).isTrue();
    assertThat(captured.toString(StandardCharsets.UTF_8)).contains("ALERT AMOUNT_MISMATCH");
  }

  static Path home() {
    String prop = System.getProperty("settleflow.home");
    return prop != null ? Path.of(prop) : Path.of("..").toAbsolutePath().normalize();
  }

  /** Writes to two streams: the live log and a capture to assert on. */
  private static final class TeeStream extends java.io.OutputStream {
    private final java.io.OutputStream a;
    private final java.io.OutputStream b;

    TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public synchronized void write(int c) throws java.io.IOException {
      a.write(c);
      b.write(c);
    }

    @Override
    public synchronized void write(byte[] buf, int off, int len) throws java.io.IOException {
      a.write(buf, off, len);
      b.write(buf, off, len);
    }

    @Override
    public void flush() throws java.io.IOException {
      a.flush();
      b.flush();
    }
  }
}
