package io.settleflow.console;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The console's own series on /metrics: alerts and matches stored, records skipped, live pages, and
 * the open-mismatch figures the SLO rules watch.
 */
public final class ConsoleMetrics {
  private ConsoleMetrics() {}

  public static void register(
      MeterRegistry registry,
      ConsoleStore store,
      KafkaAlertFeed feed,
      ConsoleApi api,
      Clock clock) {
    FunctionCounter.builder("settleflow_console_alerts_stored", feed, KafkaAlertFeed::alertsStored)
        .description("mismatch alerts stored (replays not counted)")
        .register(registry);
    FunctionCounter.builder(
            "settleflow_console_matches_stored", feed, KafkaAlertFeed::matchesStored)
        .description("recon.matches stored for the match rate (replays not counted)")
        .register(registry);
    FunctionCounter.builder(
            "settleflow_console_alerts_auto_compensated", feed, KafkaAlertFeed::autoCompensated)
        .description("alerts booked and resolved by the auto-compensation policy on arrival")
        .register(registry);
    FunctionCounter.builder("settleflow_console_records_rejected", feed, KafkaAlertFeed::rejected)
        .description("records of recon.* that could not be decoded or stored, skipped")
        .register(registry);
    Gauge.builder("settleflow_console_live_clients", api, ConsoleApi::liveClients)
        .description("browsers listening for alerts")
        .register(registry);
    Gauge.builder("settleflow_console_open_alerts", store, s -> s.openSummary().count())
        .description("mismatch alerts not yet resolved")
        .register(registry);
    Gauge.builder(
            "settleflow_console_oldest_open_alert_age_seconds",
            store,
            s -> oldestAgeSeconds(s.openSummary().oldestDetectedAt(), clock.instant()))
        .description("age of the oldest unresolved mismatch (0 when none), from its detection")
        .register(registry);
  }

  static double oldestAgeSeconds(Optional<Instant> oldestDetectedAt, Instant now) {
    return oldestDetectedAt
        .map(at -> Math.max(0, Duration.between(at, now).toMillis() / 1000.0))
        .orElse(0.0);
  }
}
