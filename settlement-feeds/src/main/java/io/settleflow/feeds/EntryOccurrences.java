package io.settleflow.feeds;

import java.util.HashMap;
import java.util.Map;

/**
 * Numbers identical entry keys within one scope (a statement, an account, a report), so five
 * identical legitimate charges stay five records with five ids: the first keeps its key, later ones
 * get {@code #2}, {@code #3}... Deterministic, so a re-import repeats the same ids.
 *
 * <p>Memory grows with the entries of one scope, not the file: callers {@link #reset()} it at every
 * statement or account. Keys are kept as 64-bit hashes; a collision only makes a number skip, ids
 * stay unique because the key text differs.
 */
final class EntryOccurrences {
  /** Most distinct keys in one scope (one statement or account); beyond it the file is refused. */
  static final int MAX_KEYS_PER_SCOPE = 2_000_000;

  private final Map<Long, Integer> seen = new HashMap<>();

  /** {@code key} for its first occurrence in the scope, {@code key#n} for the n-th. */
  String identify(String key) throws UnreadableFileException {
    long hash = hash64(key);
    Integer n = seen.merge(hash, 1, Integer::sum);
    if (seen.size() > MAX_KEYS_PER_SCOPE) {
      throw new UnreadableFileException(
          "too many entries in one statement or account: more than " + MAX_KEYS_PER_SCOPE);
    }
    return SettlementIds.bounded(n == 1 ? key : key + "#" + n);
  }

  void reset() {
    seen.clear();
  }

  private static long hash64(String s) {
    // FNV-1a over UTF-16 code units: cheap and stable across runs and JVMs.
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < s.length(); i++) {
      h ^= s.charAt(i);
      h *= 0x100000001b3L;
    }
    return h;
  }
}
