package io.settleflow.reconcile;

import io.settleflow.runtime.ServiceConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Everything the reconcile service reads from its environment (docs/contracts.md), typed and
 * checked once at start.
 */
public record ReconcileConfig(
    String kafkaBootstrap,
    String registryUrl,
    Path stateDir,
    String httpHost,
    int httpPort,
    MatcherSettings matcher,
    Duration outOfOrderness,
    Duration idleness,
    Duration checkpointInterval,
    boolean stateChangelog,
    int parallelism,
    String consumerGroupId,
    String transactionalIdPrefix,
    Optional<ReconciliationTable> table) {
  /**
   * Where results are also written ({@code ledger.reconciliation}), when {@link #TABLE_DB_URL} is
   * set: JDBC URL and a login role that is a member of {@code settleflow_recon}.
   */
  public record ReconciliationTable(String jdbcUrl, String user, String password) {
    @Override
    public String toString() {
      return "ReconciliationTable[" + jdbcUrl + " as " + user + "]"; // never the password
    }
  }

  public static final String TABLE_DB_URL = "SETTLEFLOW_RECON_DB_URL";
  public static final String TABLE_DB_USER = "SETTLEFLOW_RECON_DB_USER";
  public static final String TABLE_DB_PASSWORD = "SETTLEFLOW_RECON_DB_PASSWORD";
  public static final String DEFAULT_TABLE_DB_USER = "settleflow_recon_writer";

  public static final String DEFAULT_HTTP_HOST = "127.0.0.1";

  /** The port the local launcher (deploy/) gives reconciliation by default. */
  public static final int DEFAULT_HTTP_PORT = 18092;

  public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(1);

  /**
   * Whether the hashmap state runs under Flink's changelog state backend: a checkpoint then writes
   * the state changes since the previous one, not all of the state (issue 8: full snapshots of a
   * backlog's state every second took a third of the job's CPU; every state change is logged
   * instead). Off by default: measured, it saved CPU on long, loaded drains and cost CPU on short
   * ones (README). A checkpoint taken with full snapshots restores under the changelog ({@code
   * ReconcileKafkaIT}).
   */
  public static final String STATE_CHANGELOG = "SETTLEFLOW_RECON_STATE_CHANGELOG";

  public static final boolean DEFAULT_STATE_CHANGELOG = false;

  public static final int DEFAULT_PARALLELISM = 2;
  public static final int MAX_PARALLELISM = 16;
  public static final Path DEFAULT_STATE_DIR = Path.of("state", "flink-reconcile");
  public static final String DEFAULT_CONSUMER_GROUP = "settleflow-reconcile";
  public static final String DEFAULT_TRANSACTIONAL_ID_PREFIX = "settleflow-reconcile";

  /** Alerts wait for a checkpoint; more than a minute between them would defeat the live page. */
  public static final Duration MAX_CHECKPOINT_INTERVAL = Duration.ofMinutes(1);

  /** Names a rules document (YAML/JSON) to use instead of the built-in one. */
  public static final String RULES_FILE = "SETTLEFLOW_RECON_RULES_FILE";

  public static final String SETTLEMENT_DEADLINE = "SETTLEFLOW_RECON_SETTLEMENT_DEADLINE_MS";
  public static final String AMOUNT_TOLERANCE = "SETTLEFLOW_RECON_AMOUNT_TOLERANCE_MINOR";

  public static ReconcileConfig from(ServiceConfig env) {
    ReconRules rules = rules(env);
    Duration checkpoint = env.millis("SETTLEFLOW_RECON_CHECKPOINT_MS", DEFAULT_CHECKPOINT_INTERVAL);
    if (checkpoint.toMillis() < 10 || checkpoint.compareTo(MAX_CHECKPOINT_INTERVAL) > 0) {
      throw new ServiceConfig.ConfigException(
          "SETTLEFLOW_RECON_CHECKPOINT_MS",
          "must be between 10 and "
              + MAX_CHECKPOINT_INTERVAL.toMillis()
              + ", was "
              + checkpoint.toMillis());
    }
    MatcherSettings matcher =
        new MatcherSettings(
            positive(
                env.millis(
                    "SETTLEFLOW_RECON_ORPHAN_GRACE_MS", MatcherSettings.DEFAULT_ORPHAN_GRACE),
                "SETTLEFLOW_RECON_ORPHAN_GRACE_MS"),
            positive(
                env.millis(
                    "SETTLEFLOW_RECON_DECIDED_RETENTION_MS",
                    Duration.ofMillis(rules.longestSlaMs())),
                "SETTLEFLOW_RECON_DECIDED_RETENTION_MS"),
            rules);
    return new ReconcileConfig(
        env.required("SETTLEFLOW_KAFKA_BOOTSTRAP"),
        env.required("SETTLEFLOW_REGISTRY_URL"),
        env.path("SETTLEFLOW_STATE_DIR", DEFAULT_STATE_DIR),
        env.string("SETTLEFLOW_HTTP_HOST", DEFAULT_HTTP_HOST),
        env.integer("SETTLEFLOW_HTTP_PORT", DEFAULT_HTTP_PORT, 0, 65535),
        matcher,
        env.millis("SETTLEFLOW_RECON_OUT_OF_ORDERNESS_MS", ReconcileJob.DEFAULT_OUT_OF_ORDERNESS),
        positiveDuration(
            env.millis("SETTLEFLOW_RECON_IDLENESS_MS", ReconcileJob.DEFAULT_IDLENESS),
            "SETTLEFLOW_RECON_IDLENESS_MS"),
        checkpoint,
        env.bool(STATE_CHANGELOG, DEFAULT_STATE_CHANGELOG),
        env.integer("SETTLEFLOW_RECON_PARALLELISM", DEFAULT_PARALLELISM, 1, MAX_PARALLELISM),
        env.string("SETTLEFLOW_RECON_CONSUMER_GROUP", DEFAULT_CONSUMER_GROUP),
        env.string("SETTLEFLOW_RECON_TRANSACTIONAL_ID_PREFIX", DEFAULT_TRANSACTIONAL_ID_PREFIX),
        env.optional(TABLE_DB_URL)
            .map(
                url ->
                    new ReconciliationTable(
                        url,
                        env.string(TABLE_DB_USER, DEFAULT_TABLE_DB_USER),
                        env.secret(TABLE_DB_PASSWORD))));
  }

  /**
   * The rules document named by {@link #RULES_FILE} (else the built-in one), with the two older
   * environment settings applied on top when set: the default SLA and the absolute amount
   * tolerance.
   */
  static ReconRules rules(ServiceConfig env) {
    ReconRules rules;
    var file = env.optional(RULES_FILE);
    if (file.isPresent()) {
      Path path = Path.of(file.get());
      try {
        if (Files.size(path) > ReconRulesDocument.MAX_DOCUMENT_BYTES) {
          throw new ServiceConfig.ConfigException(
              RULES_FILE,
              path + " is larger than " + ReconRulesDocument.MAX_DOCUMENT_BYTES + " bytes");
        }
        rules = ReconRulesDocument.parse(Files.readString(path, StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new ServiceConfig.ConfigException(RULES_FILE, path + " unreadable: " + e);
      } catch (IllegalArgumentException e) {
        throw new ServiceConfig.ConfigException(RULES_FILE, path + ": " + e.getMessage());
      }
    } else {
      rules = ReconRulesDocument.builtin();
    }
    if (env.optional(SETTLEMENT_DEADLINE).isPresent()) {
      rules =
          rules.withDefaultSlaMs(
              positive(
                  env.millis(SETTLEMENT_DEADLINE, MatcherSettings.DEFAULT_SETTLEMENT_DEADLINE),
                  SETTLEMENT_DEADLINE));
    }
    if (env.optional(AMOUNT_TOLERANCE).isPresent()) {
      rules = rules.withAmountToleranceMinor(env.longValue(AMOUNT_TOLERANCE, 0, 0, Long.MAX_VALUE));
    }
    return rules;
  }

  /** Where retained checkpoints live; a restart restores from the newest one here. */
  public Path checkpointDir() {
    return stateDir.resolve("checkpoints");
  }

  /** The state changelog's files (with {@link #stateChangelog}); checkpoints refer to them. */
  public Path changelogDir() {
    return stateDir.resolve("changelog");
  }

  private static long positive(Duration d, String name) {
    return positiveDuration(d, name).toMillis();
  }

  private static Duration positiveDuration(Duration d, String name) {
    if (d.isZero() || d.isNegative()) {
      throw new ServiceConfig.ConfigException(name, "must be positive, was " + d.toMillis());
    }
    return d;
  }
}
