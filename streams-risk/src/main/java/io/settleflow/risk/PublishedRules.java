package io.settleflow.risk;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The valid rules among the documents currently on risk.rules. Each document is parsed once per
 * distinct content (a new version is new content); invalid ones are reported once to {@code
 * invalid} and left out. No Kafka types: the processor hands in (key, bytes) pairs.
 */
final class PublishedRules {
  /** Rules evaluated per payment at most; beyond this, the first by id are kept. */
  static final int MAX_RULES = 1_000;

  /** Told about each invalid document once, with the validator's errors. */
  interface InvalidRuleListener {
    void invalid(String key, List<String> errors);

    /** A valid document whose version is not above the one in force; the one in force stays. */
    default void notNewer(String key, long version, long current) {}
  }

  private record Parsed(byte[] document, RiskRuleValidator.Result result) {}

  private final InvalidRuleListener invalid;
  private final Map<String, Parsed> byKey = new HashMap<>();

  /** The rule in force per key: only a higher version replaces it. */
  private final Map<String, RiskRule> inForce = new HashMap<>();

  /**
   * The highest version ever in force per key, kept when a later document is invalid, so that
   * fixing an invalid document still needs a new version; forgotten only on a tombstone.
   */
  private final Map<String, Long> highestVersion = new HashMap<>();

  private List<RiskRule> current = List.of();

  PublishedRules(InvalidRuleListener invalid) {
    this.invalid = invalid;
  }

  /** Valid rules sorted by id; empty when the topic holds none (the scorer then uses defaults). */
  List<RiskRule> refresh(Iterator<? extends Map.Entry<String, byte[]>> documents) {
    boolean changed = false;
    Set<String> seen = new HashSet<>();
    while (documents.hasNext()) {
      Map.Entry<String, byte[]> doc = documents.next();
      String key = doc.getKey();
      byte[] bytes = doc.getValue();
      if (key == null || bytes == null) {
        continue;
      }
      seen.add(key);
      Parsed cached = byKey.get(key);
      if (cached != null && Arrays.equals(cached.document(), bytes)) {
        continue;
      }
      RiskRuleValidator.Result result = RiskRuleValidator.validate(key, bytes);
      byKey.put(key, new Parsed(bytes, result));
      if (!result.isValid()) {
        invalid.invalid(key, result.errors());
        changed |= inForce.remove(key) != null;
        continue;
      }
      RiskRule rule = result.rule().get();
      Long highest = highestVersion.get(key);
      if (RiskRuleValidator.versionProblem(key, rule.version(), highest).isPresent()) {
        // an out-of-order or repeated publish must never roll a rule back
        invalid.notNewer(key, rule.version(), highest);
        continue;
      }
      highestVersion.put(key, rule.version());
      inForce.put(key, rule);
      changed = true;
    }
    // tombstoned since the last refresh: the key starts over
    changed |= byKey.keySet().retainAll(seen);
    highestVersion.keySet().retainAll(seen);
    changed |= inForce.keySet().retainAll(seen);
    if (changed) {
      List<RiskRule> rules = new ArrayList<>(inForce.values());
      rules.sort(Comparator.comparing(RiskRule::id));
      current = List.copyOf(rules.subList(0, Math.min(rules.size(), MAX_RULES)));
    }
    return current;
  }
}
