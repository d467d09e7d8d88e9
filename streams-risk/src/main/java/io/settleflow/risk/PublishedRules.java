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
  }

  private record Parsed(byte[] document, RiskRuleValidator.Result result) {}

  private final InvalidRuleListener invalid;
  private final Map<String, Parsed> byKey = new HashMap<>();
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
      changed = true;
      if (!result.isValid()) {
        invalid.invalid(key, result.errors());
      }
    }
    changed |= byKey.keySet().retainAll(seen); // tombstoned since the last refresh
    if (changed) {
      List<RiskRule> rules = new ArrayList<>();
      for (Parsed p : byKey.values()) {
        p.result().rule().ifPresent(rules::add);
      }
      rules.sort(Comparator.comparing(RiskRule::id));
      current = List.copyOf(rules.subList(0, Math.min(rules.size(), MAX_RULES)));
    }
    return current;
  }
}
