package io.settleflow.risk;

/**
 * What the topology counts, for /metrics. Under exactly-once a retried transaction counts again,
 * so these are attempts; the topics themselves are the exact record.
 */
public interface RiskCounters {
  RiskCounters NONE =
      new RiskCounters() {
        @Override
        public void decided() {}

        @Override
        public void duplicateDropped() {}

        @Override
        public void deadLettered() {}
      };

  void decided();

  void duplicateDropped();

  void deadLettered();
}
