package io.settleflow.reconcile;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.settleflow.runtime.MetricsServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.ToDoubleFunction;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateChangelogOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.RecoveryClaimMode;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link ReconcileJob} on a MiniCluster inside this JVM, with retained checkpoints under the
 * state directory (restoring from the newest on start), and serves /health and /metrics.
 */
public final class ReconcileService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReconcileService.class);

  public static final String JOB_NAME = "settleflow-reconcile";

  /** The hashmap backend needs no managed memory; keep a little for operators that ask. */
  static final MemorySize MANAGED_MEMORY = MemorySize.parse("16m");

  /** Enough buffers for the keyBy shuffle at the parallelism we run; the default is 64 MB. */
  static final MemorySize NETWORK_MEMORY = MemorySize.parse("32m");

  static final String MATCHER_NAME = "payment-settlement-matcher";

  static final Duration STATUS_TIMEOUT = Duration.ofSeconds(2);
  static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

  private final JobClient job;
  private final MetricsServer metrics;
  private final Optional<Path> restoredFrom;
  private final AtomicBoolean closed = new AtomicBoolean();

  private ReconcileService(JobClient job, MetricsServer metrics, Optional<Path> restoredFrom) {
    this.job = job;
    this.metrics = metrics;
    this.restoredFrom = restoredFrom;
  }

  /** Starts the job (restoring from the newest retained checkpoint, if any) and the HTTP server. */
  public static ReconcileService start(ReconcileConfig config, ReconcileJob reconcileJob)
      throws Exception {
    Optional<Path> restoreFrom = RetainedCheckpoints.latest(config.checkpointDir());
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.createLocalEnvironment(flinkConfiguration(config, restoreFrom));
    reconcileJob.build(env);
    restoreFrom.ifPresentOrElse(
        p -> LOG.info("restoring reconciliation state from {}", p),
        () ->
            LOG.info(
                "no retained checkpoint under {}; starting from committed offsets",
                config.checkpointDir()));
    JobClient client = env.executeAsync(JOB_NAME);
    MetricsServer metrics;
    try {
      metrics = MetricsServer.start(config.httpHost(), config.httpPort(), () -> health(client));
    } catch (Exception e) {
      client.cancel().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      throw e;
    }
    Gauge.builder("settleflow_recon_job_running", () -> health(client).up() ? 1 : 0)
        .description("1 while the reconciliation job is RUNNING")
        .register(metrics.registry());
    Gauge.builder(
            "settleflow_recon_restored_from_checkpoint", () -> restoreFrom.isPresent() ? 1 : 0)
        .description("1 when this run restored state from a retained checkpoint")
        .register(metrics.registry());
    Gauge.builder(
            "settleflow_recon_checkpoint_interval_seconds",
            () -> config.checkpointInterval().toMillis() / 1000.0)
        .description(
            "Checkpoint interval; output becomes visible to read_committed consumers at this pace")
        .register(metrics.registry());
    registerJobMetrics(metrics.registry());
    return new ReconcileService(client, metrics, restoreFrom);
  }

  /** The matcher's Flink metrics, as {@link ReconMetricsReporter} hands them over. */
  static void registerJobMetrics(MeterRegistry registry) {
    FunctionCounter.builder(
            "settleflow_recon_matches",
            PaymentSettlementMatcher.MATCHES_METRIC,
            m -> sum(ReconMetricsReporter.named(m), null))
        .description("Matches emitted (recon.matches) since this job started")
        .register(registry);
    for (AlertKind kind : AlertKind.values()) {
      FunctionCounter.builder(
              "settleflow_recon_mismatches",
              PaymentSettlementMatcher.MISMATCHES_METRIC,
              m -> sum(ReconMetricsReporter.named(m), kind.name()))
          .tag("kind", kind.name())
          .description("Alerts emitted (recon.mismatches) by kind since this job started")
          .register(registry);
    }
    FunctionCounter.builder(
            "settleflow_recon_dead_letters",
            ConfluentAvroDeserializer.DEAD_LETTERS_METRIC,
            m -> sum(ReconMetricsReporter.named(m), null))
        .description(
            "Input records that cannot be decoded, sent to recon.dlq since this job started"
                + " (counts attempts: a record read again after a restore counts again)")
        .register(registry);
    FunctionCounter.builder(
            "settleflow_recon_alert_latency_alerts",
            PaymentSettlementMatcher.ALERT_LATENCY_METRIC,
            m -> latencies(m).stream().mapToLong(Histogram::getCount).sum())
        .description("Record-triggered alerts whose latency was measured")
        .register(registry);
    latencyGauge(registry, "p50", h -> h.getStatistics().getQuantile(0.5));
    latencyGauge(registry, "p99", h -> h.getStatistics().getQuantile(0.99));
    latencyGauge(registry, "max", h -> h.getStatistics().getMax());
    FunctionCounter.builder(
            "settleflow_recon_checkpoints_completed",
            ReconMetricsReporter.COMPLETED_CHECKPOINTS_METRIC,
            ReconcileService::gaugeSum)
        .description(
            "Checkpoints completed since this job started; output becomes visible to"
                + " read_committed consumers with each")
        .register(registry);
    FunctionCounter.builder(
            "settleflow_recon_checkpoints_failed",
            ReconMetricsReporter.FAILED_CHECKPOINTS_METRIC,
            ReconcileService::gaugeSum)
        .description(
            "Checkpoints failed since this job started; while they fail, no new output becomes"
                + " visible")
        .register(registry);
    Gauge.builder(
            "settleflow_recon_checkpoint_duration_seconds",
            () ->
                gaugeSum(ReconMetricsReporter.COMPLETED_CHECKPOINTS_METRIC) == 0
                    ? Double.NaN
                    : gaugeSum(ReconMetricsReporter.LAST_CHECKPOINT_DURATION_METRIC) / 1000.0)
        .description(
            "How long the last completed checkpoint took; NaN before the first. Alerts reach"
                + " consumers up to one interval plus this after they are emitted")
        .register(registry);
    Gauge.builder(
            "settleflow_recon_watermark_lag_seconds",
            () -> {
              long watermark = matcherWatermark();
              return watermark == Long.MIN_VALUE
                  ? Double.NaN
                  : (System.currentTimeMillis() - watermark) / 1000.0;
            })
        .description(
            "Wall clock minus the matcher's event-time clock (the watermark it last emitted,"
                + " minimum over subtasks); NaN before the first watermark")
        .register(registry);
  }

  private static void latencyGauge(
      MeterRegistry registry, String stat, ToDoubleFunction<Histogram> value) {
    Gauge.builder(
            "settleflow_recon_alert_latency_ms",
            () ->
                latencies(PaymentSettlementMatcher.ALERT_LATENCY_METRIC).stream()
                    .filter(h -> h.getCount() > 0)
                    .mapToDouble(value)
                    .max()
                    .orElse(Double.NaN))
        .tag("stat", stat)
        .description(
            "Triggering record's Kafka arrival to the alert's emission, over the last "
                + PaymentSettlementMatcher.ALERT_LATENCY_WINDOW
                + " alerts per subtask (the largest subtask value); visible to read_committed"
                + " consumers at the next checkpoint")
        .register(registry);
  }

  private static double sum(List<ReconMetricsReporter.Registered> counters, String kind) {
    return counters.stream()
        .filter(r -> kind == null || kind.equals(r.variables().get("<kind>")))
        .mapToLong(r -> ((Counter) r.metric()).getCount())
        .sum();
  }

  /** The value of a Flink gauge, summed over its registrations (one per job: one here). */
  private static double gaugeSum(String name) {
    return ReconMetricsReporter.named(name).stream()
        .map(r -> ((org.apache.flink.metrics.Gauge<?>) r.metric()).getValue())
        .filter(v -> v instanceof Number)
        .mapToDouble(v -> ((Number) v).doubleValue())
        .sum();
  }

  private static List<Histogram> latencies(String name) {
    return ReconMetricsReporter.named(name).stream().map(r -> (Histogram) r.metric()).toList();
  }

  private static long matcherWatermark() {
    return ReconMetricsReporter.named(ReconMetricsReporter.OUTPUT_WATERMARK_METRIC).stream()
        .filter(r -> MATCHER_NAME.equals(r.variables().get("<operator_name>")))
        .map(r -> ((org.apache.flink.metrics.Gauge<?>) r.metric()).getValue())
        .filter(v -> v instanceof Number)
        .mapToLong(v -> ((Number) v).longValue())
        .min()
        .orElse(Long.MIN_VALUE);
  }

  static Configuration flinkConfiguration(ReconcileConfig c, Optional<Path> restoreFrom) {
    Configuration f = new Configuration();
    f.set(PipelineOptions.NAME, JOB_NAME);
    // Fail at submission if any type would fall back to Kryo (e.g. an Avro record slipped in).
    f.set(PipelineOptions.GENERIC_TYPES, false);
    f.set(CoreOptions.DEFAULT_PARALLELISM, c.parallelism());
    f.set(TaskManagerOptions.NUM_TASK_SLOTS, c.parallelism());
    f.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MANAGED_MEMORY);
    f.set(TaskManagerOptions.NETWORK_MEMORY_MIN, NETWORK_MEMORY);
    f.set(TaskManagerOptions.NETWORK_MEMORY_MAX, NETWORK_MEMORY);
    // The MiniCluster's REST endpoint is internal: loopback, any free port.
    f.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
    f.set(RestOptions.ADDRESS, "127.0.0.1");
    f.set(RestOptions.BIND_PORT, "0");
    // Hands the matcher's metrics to /metrics (see ReconMetricsReporter).
    f.set(
        ConfigOptions.key("metrics.reporter." + ReconMetricsReporter.NAME + ".factory.class")
            .stringType()
            .noDefaultValue(),
        ReconMetricsReporter.Factory.class.getName());
    f.set(StateBackendOptions.STATE_BACKEND, "hashmap");
    f.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
    f.set(
        CheckpointingOptions.CHECKPOINTS_DIRECTORY,
        c.checkpointDir().toAbsolutePath().toUri().toString());
    f.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, c.checkpointInterval());
    if (c.stateChangelog()) {
      // Incremental checkpoints for the hashmap backend: a checkpoint uploads the state changes
      // since the last one instead of all of the state.
      f.set(StateChangelogOptions.ENABLE_STATE_CHANGE_LOG, true);
      f.set(StateChangelogOptions.STATE_CHANGE_LOG_STORAGE, "filesystem");
      f.set(
          ConfigOptions.key("dstl.dfs.base-path").stringType().noDefaultValue(),
          c.changelogDir().toAbsolutePath().toUri().toString());
    }
    f.set(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, CheckpointingMode.EXACTLY_ONCE);
    f.set(
        CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
        ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
    restoreFrom.ifPresent(
        p -> {
          f.set(StateRecoveryOptions.SAVEPOINT_PATH, p.toAbsolutePath().toString());
          // The new job owns the restored checkpoint and deletes it once subsumed, so old runs'
          // checkpoints do not pile up in the state directory.
          f.set(StateRecoveryOptions.RESTORE_MODE, RecoveryClaimMode.CLAIM);
        });
    return f;
  }

  private static MetricsServer.Health health(JobClient client) {
    try {
      JobStatus status =
          client.getJobStatus().get(STATUS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      return status == JobStatus.RUNNING
          ? MetricsServer.Health.up("job " + client.getJobID() + " RUNNING")
          : MetricsServer.Health.down("job " + client.getJobID() + " " + status);
    } catch (ExecutionException | TimeoutException e) {
      return MetricsServer.Health.down("job status unknown: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return MetricsServer.Health.down("interrupted");
    }
  }

  public JobClient job() {
    return job;
  }

  public int httpPort() {
    return metrics.port();
  }

  public Optional<Path> restoredFrom() {
    return restoredFrom;
  }

  /** Cancels the job (its last checkpoint is retained for the next start) and stops HTTP. */
  @Override
  public void close() throws Exception {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      JobStatus status = job.getJobStatus().get(STATUS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (!status.isGloballyTerminalState()) {
        job.cancel().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } finally {
      metrics.close();
    }
  }
}
