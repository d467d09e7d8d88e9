package io.settleflow.risk;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** {@link RiskCounters} as Prometheus counters (settleflow_risk_*_total). */
final class MicrometerRiskCounters implements RiskCounters {
  private final Counter decisions;
  private final Counter duplicates;
  private final Counter deadLetters;
  private final Counter invalidRules;
  private final Counter staleRules;

  MicrometerRiskCounters(MeterRegistry registry) {
    decisions =
        Counter.builder("settleflow.risk.decisions")
            .description("Risk decisions emitted")
            .register(registry);
    duplicates =
        Counter.builder("settleflow.risk.duplicates.dropped")
            .description("Payment events dropped as redeliveries of an event_id already decided")
            .register(registry);
    deadLetters =
        Counter.builder("settleflow.risk.dead.letters")
            .description("Input records sent to risk.dlq")
            .register(registry);
    invalidRules =
        Counter.builder("settleflow.risk.invalid.rules")
            .description(
                "Documents on risk.rules ignored as invalid (per distinct document and task)")
            .register(registry);
    staleRules =
        Counter.builder("settleflow.risk.stale.rules")
            .description(
                "Valid rule documents ignored because their version is not above the one in force")
            .register(registry);
  }

  @Override
  public void decided() {
    decisions.increment();
  }

  @Override
  public void duplicateDropped() {
    duplicates.increment();
  }

  @Override
  public void deadLettered() {
    deadLetters.increment();
  }

  @Override
  public void invalidRuleIgnored() {
    invalidRules.increment();
  }

  @Override
  public void staleRuleIgnored() {
    staleRules.increment();
  }
}
