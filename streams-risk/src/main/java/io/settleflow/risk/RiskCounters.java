package io.settleflow.risk;

/**
 * What the topology counts, for /metrics. Under exactly-once a retried transaction counts again, so
 * these are attempts; the topics themselves are the exact record.
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

        @Override
        public void invalidRuleIgnored() {}

        @Override
        public void staleRuleIgnored() {}
      };

  void decided();

  void duplicateDropped();

  void deadLettered();

  /** A document on risk.rules failed validation (once per distinct document per task). */
  void invalidRuleIgnored();

  /** A valid rule document whose version is not above the one in force was ignored. */
  void staleRuleIgnored();
}
