package io.settleflow.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.junit.jupiter.api.Test;

/** The reporter hands the matcher's Flink metrics to the service's Micrometer registry. */
class ReconMetricsReporterTest {

  /** A metric group of one subtask of an operator, with the variables Flink would give it. */
  private static MetricGroup group(String scope, Map<String, String> variables) {
    return new UnregisteredMetricsGroup() {
      @Override
      public Map<String, String> getAllVariables() {
        return variables;
      }

      @Override
      public String getMetricIdentifier(String metricName) {
        return scope + "." + metricName;
      }
    };
  }

  @Test
  void servesCountsLatencyAndWatermarkLagAndForgetsRemovedMetrics() {
    MetricReporter reporter = new ReconMetricsReporter.Factory().createMetricReporter(null);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ReconcileService.registerJobMetrics(registry);

    MetricGroup matcher0 =
        group("job.matcher.0", Map.of("<operator_name>", ReconcileService.MATCHER_NAME));
    MetricGroup matcher1 =
        group("job.matcher.1", Map.of("<operator_name>", ReconcileService.MATCHER_NAME));
    MetricGroup sink0 = group("job.sink.0", Map.of("<operator_name>", "recon-matches: Writer"));
    SimpleCounter matches0 = new SimpleCounter();
    SimpleCounter matches1 = new SimpleCounter();
    SimpleCounter amount0 = new SimpleCounter();
    DescriptiveStatisticsHistogram latency0 = new DescriptiveStatisticsHistogram(100);
    matches0.inc(3);
    matches1.inc(4);
    amount0.inc(2);
    latency0.update(120);
    latency0.update(80);
    long now = System.currentTimeMillis();
    Gauge<Long> watermark0 = () -> now - 60_000;
    Gauge<Long> watermark1 = () -> now - 5_000;
    Gauge<Long> sinkWatermark = () -> now - 3_600_000; // another operator: not the matcher's lag

    reporter.notifyOfAddedMetric(matches0, PaymentSettlementMatcher.MATCHES_METRIC, matcher0);
    reporter.notifyOfAddedMetric(matches1, PaymentSettlementMatcher.MATCHES_METRIC, matcher1);
    reporter.notifyOfAddedMetric(
        amount0,
        PaymentSettlementMatcher.MISMATCHES_METRIC,
        group("job.matcher.0.kind.AMOUNT_MISMATCH", Map.of("<kind>", "AMOUNT_MISMATCH")));
    reporter.notifyOfAddedMetric(latency0, PaymentSettlementMatcher.ALERT_LATENCY_METRIC, matcher0);
    reporter.notifyOfAddedMetric(
        watermark0, ReconMetricsReporter.OUTPUT_WATERMARK_METRIC, matcher0);
    reporter.notifyOfAddedMetric(
        watermark1, ReconMetricsReporter.OUTPUT_WATERMARK_METRIC, matcher1);
    reporter.notifyOfAddedMetric(
        sinkWatermark, ReconMetricsReporter.OUTPUT_WATERMARK_METRIC, sink0);
    reporter.notifyOfAddedMetric(new SimpleCounter(), "numRecordsIn", matcher0); // not kept
    // A task whose chain is the matcher alone has the matcher's identifier (default scope
    // formats); its metric of the same name must not displace the operator's.
    MetricGroup task1 =
        group("job.matcher.1", Map.of("<task_name>", ReconcileService.MATCHER_NAME));
    Gauge<Long> taskWatermark = () -> Long.MIN_VALUE;
    reporter.notifyOfAddedMetric(
        taskWatermark, ReconMetricsReporter.OUTPUT_WATERMARK_METRIC, task1);

    try {
      assertThat(registry.get("settleflow_recon_matches").functionCounter().count()).isEqualTo(7);
      assertThat(
              registry
                  .get("settleflow_recon_mismatches")
                  .tag("kind", "AMOUNT_MISMATCH")
                  .functionCounter()
                  .count())
          .isEqualTo(2);
      assertThat(
              registry
                  .get("settleflow_recon_mismatches")
                  .tag("kind", "ORPHAN_SETTLEMENT")
                  .functionCounter()
                  .count())
          .isZero();
      assertThat(registry.get("settleflow_recon_alert_latency_alerts").functionCounter().count())
          .isEqualTo(2);
      assertThat(
              registry.get("settleflow_recon_alert_latency_ms").tag("stat", "max").gauge().value())
          .isEqualTo(120);
      // The slowest subtask's watermark: about 60 s behind the wall clock.
      assertThat(registry.get("settleflow_recon_watermark_lag_seconds").gauge().value())
          .isBetween(59.0, 120.0);
      assertThat(ReconMetricsReporter.named("numRecordsIn")).isEmpty();
    } finally {
      reporter.notifyOfRemovedMetric(matches0, PaymentSettlementMatcher.MATCHES_METRIC, matcher0);
      reporter.notifyOfRemovedMetric(matches1, PaymentSettlementMatcher.MATCHES_METRIC, matcher1);
      reporter.notifyOfRemovedMetric(
          amount0,
          PaymentSettlementMatcher.MISMATCHES_METRIC,
          group("job.matcher.0.kind.AMOUNT_MISMATCH", Map.of("<kind>", "AMOUNT_MISMATCH")));
      reporter.notifyOfRemovedMetric(
          latency0, PaymentSettlementMatcher.ALERT_LATENCY_METRIC, matcher0);
      reporter.notifyOfRemovedMetric(
          watermark0, ReconMetricsReporter.OUTPUT_WATERMARK_METRIC, matcher0);
      reporter.notifyOfRemovedMetric(
          watermark1, ReconMetricsReporter.OUTPUT_WATERMARK_METRIC, matcher1);
      reporter.notifyOfRemovedMetric(
          sinkWatermark, ReconMetricsReporter.OUTPUT_WATERMARK_METRIC, sink0);
      reporter.notifyOfRemovedMetric(
          taskWatermark, ReconMetricsReporter.OUTPUT_WATERMARK_METRIC, task1);
    }
    // Once the job's metrics are gone (job cancelled), nothing stale is served.
    assertThat(registry.get("settleflow_recon_matches").functionCounter().count()).isZero();
    assertThat(registry.get("settleflow_recon_watermark_lag_seconds").gauge().value()).isNaN();
    assertThat(registry.get("settleflow_recon_alert_latency_ms").tag("stat", "p99").gauge().value())
        .isNaN();
  }
}
