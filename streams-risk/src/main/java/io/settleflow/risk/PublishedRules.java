package io.settleflow.risk;

import java.nio.ByteBuffer;
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

  /**
   * What is remembered of a rule id across restarts: the highest version ever in force, and the
   * document in force (null while the latest document is invalid).
   */
  record Remembered(long highestVersion, byte[] documentInForce) {
    /** 8-byte big-endian version, then the document's bytes (none: no rule in force). */
    byte[] encode() {
      byte[] doc = documentInForce == null ? new byte[0] : documentInForce;
      return ByteBuffer.allocate(Long.BYTES + doc.length).putLong(highestVersion).put(doc).array();
    }

    static Remembered decode(byte[] bytes) {
      if (bytes == null || bytes.length < Long.BYTES) {
        throw new IllegalArgumentException("remembered rule: fewer than 8 bytes");
      }
      ByteBuffer b = ByteBuffer.wrap(bytes);
      long version = b.getLong();
      byte[] doc = new byte[b.remaining()];
      b.get(doc);
      return new Remembered(version, doc.length == 0 ? null : doc);
    }
  }

  /**
   * Where the version memory is kept so that it outlives a restart: after one, the compacted topic
   * may hold an older document that was published last, and it must still be refused.
   */
  interface Memory {
    Memory NONE =
        new Memory() {
          @Override
          public void remember(String key, Remembered r) {}

          @Override
          public void forget(String key) {}
        };

    void remember(String key, Remembered r);

    void forget(String key);
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

  private final Memory memory;

  private List<RiskRule> current = List.of();

  PublishedRules(InvalidRuleListener invalid) {
    this(invalid, Map.of(), Memory.NONE);
  }

  /**
   * @param restored what {@code memory} held before a restart, by rule id: those rules are in force
   *     again and their versions are the ones to beat
   * @param memory told of every change of a rule's highest version or document in force
   */
  PublishedRules(InvalidRuleListener invalid, Map<String, Remembered> restored, Memory memory) {
    this.invalid = invalid;
    this.memory = memory;
    restored.forEach(
        (key, r) -> {
          highestVersion.put(key, r.highestVersion());
          if (r.documentInForce() != null) {
            RiskRuleValidator.Result result = RiskRuleValidator.validate(key, r.documentInForce());
            // the same document on the topic is then not looked at again (and not "stale")
            byKey.put(key, new Parsed(r.documentInForce(), result));
            result.rule().ifPresent(rule -> inForce.put(key, rule));
          }
        });
    publish();
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
        if (inForce.remove(key) != null) {
          changed = true;
          memory.remember(key, new Remembered(highestVersion.get(key), null));
        }
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
      memory.remember(key, new Remembered(rule.version(), bytes));
      changed = true;
    }
    // tombstoned since the last refresh: the key starts over
    Set<String> gone = new HashSet<>(highestVersion.keySet());
    gone.addAll(byKey.keySet());
    gone.removeAll(seen);
    for (String key : gone) {
      byKey.remove(key);
      highestVersion.remove(key);
      inForce.remove(key);
      memory.forget(key);
      changed = true;
    }
    if (changed) {
      publish();
    }
    return current;
  }

  private void publish() {
    List<RiskRule> rules = new ArrayList<>(inForce.values());
    rules.sort(Comparator.comparing(RiskRule::id));
    current = List.copyOf(rules.subList(0, Math.min(rules.size(), MAX_RULES)));
  }
}
