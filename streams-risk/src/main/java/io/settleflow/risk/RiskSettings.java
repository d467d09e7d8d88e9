package io.settleflow.risk;

import io.settleflow.runtime.ServiceConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;

/** Everything RiskMain reads from the environment (docs/contracts.md and this module's README). */
public record RiskSettings(
    String bootstrapServers,
    String registryUrl,
    Path stateDir,
    String httpHost,
    int httpPort,
    String applicationId,
    int streamThreads,
    RiskConfig risk,
    int queryPort,
    String queryAdvertisedHost,
    int commitIntervalMs,
    Optional<String> instanceId) {

  public static final String DEFAULT_APPLICATION_ID = "settleflow-risk";
  public static final int DEFAULT_HTTP_PORT = 8092;

  /** 0 = any free port (logged): a fixed default would clash between stacks on one machine. */
  public static final int DEFAULT_QUERY_PORT = 0;

  public static final int MAX_STREAM_THREADS = 16;

  /** Longest commit interval accepted: decisions reach read_committed consumers after a commit. */
  public static final int MAX_COMMIT_INTERVAL_MS = 60_000;

  /** What Kafka accepts in a group.instance.id, with room for Streams' thread suffix. */
  private static final Pattern INSTANCE_ID = Pattern.compile("[A-Za-z0-9._-]{1,200}");

  private static final long MAX_BYTES = 16L * 1024 * 1024 * 1024;

  public static RiskSettings from(ServiceConfig env) {
    RiskConfig d = RiskConfig.defaults();
    RiskConfig risk =
        new RiskConfig(
            env.longValue(
                "SETTLEFLOW_RISK_AMOUNT_LIMIT_MINOR", d.amountLimitMinor(), 1, Long.MAX_VALUE),
            env.integer(
                "SETTLEFLOW_RISK_VELOCITY_MAX_PAYMENTS",
                d.velocityMaxPayments(),
                1,
                Integer.MAX_VALUE),
            Duration.ofMillis(
                env.longValue(
                    "SETTLEFLOW_RISK_VELOCITY_WINDOW_MS",
                    d.velocityWindow().toMillis(),
                    1,
                    RiskConfig.MAX_VELOCITY_WINDOW.toMillis())),
            env.integer("SETTLEFLOW_RISK_MEAN_MULTIPLE", d.meanMultiple(), 2, 1_000_000),
            env.integer("SETTLEFLOW_RISK_MEAN_MIN_PAYMENTS", d.meanMinPayments(), 1, 1_000_000),
            Duration.ofMillis(
                env.longValue(
                    "SETTLEFLOW_RISK_DEDUPE_RETENTION_MS",
                    d.dedupeRetention().toMillis(),
                    Duration.ofMinutes(1).toMillis(),
                    Duration.ofDays(365).toMillis())),
            env.longValue(
                "SETTLEFLOW_RISK_ROCKSDB_BLOCK_CACHE_BYTES",
                d.rocksDbBlockCacheBytes(),
                1024 * 1024,
                MAX_BYTES),
            env.longValue(
                "SETTLEFLOW_RISK_ROCKSDB_WRITE_BUFFER_BYTES",
                d.rocksDbWriteBufferBytes(),
                256 * 1024,
                MAX_BYTES),
            env.longValue(
                "SETTLEFLOW_RISK_EXPOSURE_LIMIT_MINOR", d.exposureLimitMinor(), 1, Long.MAX_VALUE),
            days(
                env,
                "SETTLEFLOW_RISK_EXPOSURE_HORIZON_MS",
                d.exposureHorizon(),
                Duration.ofDays(1)),
            days(env, "SETTLEFLOW_RISK_CARD_MEMORY_MS", d.cardMemory(), Duration.ofDays(1)),
            days(
                env,
                "SETTLEFLOW_RISK_DECISION_RETENTION_MS",
                d.decisionRetention(),
                Duration.ofMinutes(1)));
    return new RiskSettings(
        env.required("SETTLEFLOW_KAFKA_BOOTSTRAP"),
        env.required("SETTLEFLOW_REGISTRY_URL"),
        env.path("SETTLEFLOW_STATE_DIR", Path.of("state", "streams-risk")),
        env.string("SETTLEFLOW_HTTP_HOST", "127.0.0.1"),
        env.integer("SETTLEFLOW_HTTP_PORT", DEFAULT_HTTP_PORT, 0, 65_535),
        env.string("SETTLEFLOW_RISK_APPLICATION_ID", DEFAULT_APPLICATION_ID),
        env.integer("SETTLEFLOW_RISK_STREAM_THREADS", 1, 1, MAX_STREAM_THREADS),
        risk,
        env.integer("SETTLEFLOW_RISK_QUERY_PORT", DEFAULT_QUERY_PORT, 0, 65_535),
        env.string(
            "SETTLEFLOW_RISK_QUERY_ADVERTISED_HOST",
            env.string("SETTLEFLOW_HTTP_HOST", "127.0.0.1")),
        env.integer(
            "SETTLEFLOW_RISK_COMMIT_INTERVAL_MS",
            RiskStreamsConfig.COMMIT_INTERVAL_MS,
            10,
            MAX_COMMIT_INTERVAL_MS),
        instanceId(env));
  }

  /**
   * {@code SETTLEFLOW_RISK_INSTANCE_ID}: a stable name per instance (a StatefulSet pod's name)
   * turns on static group membership, so a restarted instance takes its partitions back at once
   * instead of waiting for a session timeout and a rebalance; unset = dynamic membership.
   */
  private static Optional<String> instanceId(ServiceConfig env) {
    Optional<String> id = env.optional("SETTLEFLOW_RISK_INSTANCE_ID");
    if (id.isPresent() && !INSTANCE_ID.matcher(id.get()).matches()) {
      throw new ServiceConfig.ConfigException(
          "SETTLEFLOW_RISK_INSTANCE_ID", "must be 1-200 of A-Z a-z 0-9 . _ -, was " + id.get());
    }
    return id;
  }

  private static Duration days(
      ServiceConfig env, String name, Duration defaultValue, Duration min) {
    return Duration.ofMillis(
        env.longValue(
            name, defaultValue.toMillis(), min.toMillis(), RiskConfig.MAX_MEMORY.toMillis()));
  }
}
