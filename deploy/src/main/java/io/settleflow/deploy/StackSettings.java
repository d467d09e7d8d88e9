package io.settleflow.deploy;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Where the stack lives and how it listens. Port 0 means "pick a free one" (tests); the defaults
 * that {@code ./settleflow up} uses are fixed so the printed URLs stay the same between runs.
 */
public record StackSettings(
    Path home,
    Path runDir,
    boolean keepData,
    int postgresPort,
    int kafkaPort,
    int kafkaControllerPort,
    int registryPort,
    int ingestPort,
    int cdcPort,
    int riskPort,
    int reconPort,
    Duration settlementDeadline,
    Duration orphanGrace,
    Path reconRulesFile) {

  public static final int DEFAULT_POSTGRES_PORT = 15432;
  public static final int DEFAULT_KAFKA_PORT = 19092;
  public static final int DEFAULT_KAFKA_CONTROLLER_PORT = 19093;
  public static final int DEFAULT_REGISTRY_PORT = 18081;
  public static final int DEFAULT_INGEST_PORT = 18080;
  public static final int DEFAULT_CDC_PORT = 18090;
  public static final int DEFAULT_RISK_PORT = 18091;
  public static final int DEFAULT_RECON_PORT = 18092;
  public static final int DEFAULT_CONSOLE_PORT = 18093;

  /** Production-like: a payment must settle within two days. */
  public static final Duration DEFAULT_SETTLEMENT_DEADLINE = Duration.ofDays(2);

  public static final Duration DEFAULT_ORPHAN_GRACE = Duration.ofHours(1);

  /**
   * The reconciliation rules `up` and `demo` run with (fee schedules, FX rates), under the home
   * directory; passed to flink-reconcile as SETTLEFLOW_RECON_RULES_FILE.
   */
  public static final Path RECON_RULES = Path.of("deploy", "recon-rules.yaml");

  /**
   * Every port free-picked: for tests and demos that run beside other stacks. Data is kept (the run
   * directory is new anyway), so a part can be restarted on it.
   */
  public static StackSettings ephemeral(Path home, Path runDir, Duration deadline, Duration grace) {
    return new StackSettings(home, runDir, true, 0, 0, 0, 0, 0, 0, 0, 0, deadline, grace, null);
  }

  /**
   * The same settings with flink-reconcile reading this rules document (null: its built-in rules,
   * exact amounts and no fee schedule or FX rate).
   */
  public StackSettings withReconRulesFile(Path rules) {
    return new StackSettings(
        home,
        runDir,
        keepData,
        postgresPort,
        kafkaPort,
        kafkaControllerPort,
        registryPort,
        ingestPort,
        cdcPort,
        riskPort,
        reconPort,
        settlementDeadline,
        orphanGrace,
        rules);
  }

  /** The finance console's port: fixed when the other services' are, else free-picked. */
  public int consolePort() {
    return reconPort == 0 ? 0 : DEFAULT_CONSOLE_PORT;
  }

  public Path jarOf(String module) {
    return home.resolve(module).resolve("target").resolve(module + ".jar");
  }
}
