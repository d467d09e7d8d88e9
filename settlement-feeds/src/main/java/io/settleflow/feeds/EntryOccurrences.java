package io.settleflow.feeds;

import java.util.Arrays;

/**
 * Numbers identical entry keys within one scope (a statement, an account, a report), so five
 * identical legitimate charges stay five records with five ids: the first keeps its key, later ones
 * get {@code #2}, {@code #3}... Deterministic, so a re-import repeats the same ids.
 *
 * <p>Memory grows with the entries of one scope, not the file: callers {@link #reset()} it at every
 * statement or account. Keys are kept as 64-bit hashes in an open-addressing table (no boxing per
 * entry); a collision only makes a number skip, ids stay unique because the key text differs.
 */
final class EntryOccurrences {
  /** Most distinct keys in one scope (one statement or account); beyond it the file is refused. */
  static final int MAX_KEYS_PER_SCOPE = 2_000_000;

  private static final int INITIAL_SLOTS = 1 << 10;

  private long[] hashes = new long[INITIAL_SLOTS];

  /** Occurrences so far of the hash in the same slot; 0 marks a free slot. */
  private int[] counts = new int[INITIAL_SLOTS];

  private int size;

  /** {@code key} for its first occurrence in the scope, {@code key#n} for the n-th. */
  String identify(String key) throws UnreadableFileException {
    int n = increment(hash64(key));
    return SettlementIds.bounded(n == 1 ? key : key + "#" + n);
  }

  void reset() {
    if (size == 0) {
      return;
    }
    if (hashes.length > INITIAL_SLOTS && hashes.length > 8 * size) {
      hashes = new long[INITIAL_SLOTS]; // a large scope before: do not clear its table each time
      counts = new int[INITIAL_SLOTS];
    } else {
      Arrays.fill(counts, 0);
    }
    size = 0;
  }

  private int increment(long hash) throws UnreadableFileException {
    int mask = hashes.length - 1;
    int slot = spread(hash) & mask;
    while (counts[slot] != 0) {
      if (hashes[slot] == hash) {
        return ++counts[slot];
      }
      slot = (slot + 1) & mask;
    }
    if (size >= MAX_KEYS_PER_SCOPE) {
      throw new UnreadableFileException(
          "too many entries in one statement or account: more than " + MAX_KEYS_PER_SCOPE);
    }
    hashes[slot] = hash;
    counts[slot] = 1;
    if (++size * 2 > hashes.length) {
      grow();
    }
    return 1;
  }

  private void grow() {
    long[] oldHashes = hashes;
    int[] oldCounts = counts;
    hashes = new long[oldHashes.length * 2];
    counts = new int[oldCounts.length * 2];
    int mask = hashes.length - 1;
    for (int i = 0; i < oldHashes.length; i++) {
      if (oldCounts[i] != 0) {
        int slot = spread(oldHashes[i]) & mask;
        while (counts[slot] != 0) {
          slot = (slot + 1) & mask;
        }
        hashes[slot] = oldHashes[i];
        counts[slot] = oldCounts[i];
      }
    }
  }

  private static int spread(long hash) {
    return (int) (hash ^ (hash >>> 32));
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
