package io.settleflow.risk;

import java.util.concurrent.atomic.AtomicInteger;

/** RiskCounters that tests can read. */
final class CountingCounters implements RiskCounters {
  final AtomicInteger decisions = new AtomicInteger();
  final AtomicInteger duplicates = new AtomicInteger();
  final AtomicInteger deadLetters = new AtomicInteger();
  final AtomicInteger invalidRules = new AtomicInteger();
  final AtomicInteger staleRules = new AtomicInteger();

  @Override
  public void decided() {
    decisions.incrementAndGet();
  }

  @Override
  public void duplicateDropped() {
    duplicates.incrementAndGet();
  }

  @Override
  public void deadLettered() {
    deadLetters.incrementAndGet();
  }

  @Override
  public void invalidRuleIgnored() {
    invalidRules.incrementAndGet();
  }

  @Override
  public void staleRuleIgnored() {
    staleRules.incrementAndGet();
  }
}
