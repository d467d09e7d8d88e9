package io.settleflow.reconcile;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/**
 * A Flink metric reporter that hands the reconciliation metrics to {@link ReconcileService}, which
 * serves them on /metrics. The MiniCluster runs in the service's JVM, so the reporter Flink creates
 * (found through {@code META-INF/services}, configured as reporter {@link #NAME}) and the service
 * meet in this class's static registry. Only the few metrics /metrics shows are kept.
 */
public final class ReconMetricsReporter implements MetricReporter {
  /** The reporter's name in the Flink configuration ({@code metrics.reporter.<name>.*}). */
  public static final String NAME = "settleflow";

  /**
   * The watermark an operator last emitted: for the two-input matcher its event-time clock, which
   * leaves idle inputs out. Its {@code currentInputWatermark} is not: Flink reports the minimum of
   * the two inputs' last watermarks, so an input that went idle before it ever carried a watermark
   * holds it at Long.MIN_VALUE while the operator's timers run on.
   */
  public static final String OUTPUT_WATERMARK_METRIC = "currentOutputWatermark";

  /** Flink's job-level checkpoint gauges (JobManager, in the service's JVM like the rest). */
  public static final String COMPLETED_CHECKPOINTS_METRIC = "numberOfCompletedCheckpoints";

  public static final String FAILED_CHECKPOINTS_METRIC = "numberOfFailedCheckpoints";

  /** Milliseconds the last completed checkpoint took, trigger to acknowledged. */
  public static final String LAST_CHECKPOINT_DURATION_METRIC = "lastCheckpointDuration";

  static final Set<String> KEPT =
      Set.of(
          COMPLETED_CHECKPOINTS_METRIC,
          FAILED_CHECKPOINTS_METRIC,
          LAST_CHECKPOINT_DURATION_METRIC,
          PaymentSettlementMatcher.MATCHES_METRIC,
          PaymentSettlementMatcher.MISMATCHES_METRIC,
          PaymentSettlementMatcher.ALERT_LATENCY_METRIC,
          ConfluentAvroDeserializer.DEAD_LETTERS_METRIC,
          OUTPUT_WATERMARK_METRIC);

  /** A registered metric with its group's variables ({@code <operator_name>}, {@code <kind>}…). */
  public record Registered(String name, Map<String, String> variables, Metric metric) {}

  private static final Map<String, Registered> REGISTERED = new ConcurrentHashMap<>();

  /** The kept metrics currently registered under {@code name}, one per subtask. */
  public static List<Registered> named(String name) {
    return REGISTERED.values().stream().filter(r -> r.name().equals(name)).toList();
  }

  @Override
  public void open(MetricConfig config) {}

  @Override
  public void close() {}

  @Override
  public void notifyOfAddedMetric(Metric metric, String metricName, MetricGroup group) {
    if (KEPT.contains(metricName)) {
      REGISTERED.put(
          key(metricName, group),
          new Registered(metricName, Map.copyOf(group.getAllVariables()), metric));
    }
  }

  @Override
  public void notifyOfRemovedMetric(Metric metric, String metricName, MetricGroup group) {
    if (KEPT.contains(metricName)) {
      REGISTERED.computeIfPresent(
          key(metricName, group), (k, r) -> r.metric() == metric ? null : r);
    }
  }

  /**
   * The identifier alone is not unique: with the default scope formats a task whose chain is one
   * operator has the same identifier as that operator, and Flink registers some metrics (e.g.
   * currentInputWatermark) on both, so the task's would replace the operator's. The variables
   * (operator id and name, subtask, attempt) tell them apart.
   */
  private static String key(String metricName, MetricGroup group) {
    return group.getMetricIdentifier(metricName) + new TreeMap<>(group.getAllVariables());
  }

  /** Found by Flink through {@code META-INF/services}. */
  public static final class Factory implements MetricReporterFactory {
    @Override
    public MetricReporter createMetricReporter(Properties properties) {
      return new ReconMetricsReporter();
    }
  }
}
