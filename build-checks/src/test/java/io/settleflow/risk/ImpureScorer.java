package io.settleflow.risk;

import java.time.Clock;

/**
 * A test fixture for build-checks' ArchitectureTest: a "pure" risk class that breaks every rule, so
 * the test can show the rules fail when they should. Not part of the risk engine.
 */
public final class ImpureScorer {
  public long score(Clock clock) {
    if (System.getenv("RISK_OFF") != null) {
      System.exit(3);
    }
    return clock.millis() + System.currentTimeMillis();
  }
}
