package io.settleflow.risk;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

/**
 * Histories kept decoded for the scoring processor and encoded once per commit: a merchant's entry
 * (≈ 2 kB with its velocity log) changes with every payment, and encoding it per payment was the
 * largest item of the stream thread. {@link #write} only marks an entry dirty; before every commit
 * Kafka Streams calls {@link #flushCache} (it does so on every store that is a {@link
 * CachedStateStore}, as it does for its own record cache), which encodes each dirty entry once into
 * the key-value store below (RocksDB and its changelog), so each commit's transaction holds every
 * change made before it. At most {@link #MAX_DIRTY} entries wait; past that they are written early.
 *
 * <p>As a {@link ReadOnlyKeyValueStore} (the interactive queries, the sweep) it shows the encoded
 * entries as of the last flush. Only the stream thread touches the decoded entries.
 */
final class EntityHistoryStore
    implements StateStore, ReadOnlyKeyValueStore<String, byte[]>, CachedStateStore<String, byte[]> {
  /** Dirty entries past which they are encoded before the commit (bounds the memory). */
  static final int MAX_DIRTY = 10_000;

  private final KeyValueStore<String, byte[]> stored;
  private final int maxDecoded;

  /** Entries changed since the last flush, in the order first changed. */
  private final Map<String, EntityHistory> dirty = new LinkedHashMap<>();

  /**
   * Decoded entries read or written lately (a read cache; dirty ones are also in {@link #dirty}).
   */
  private final Map<String, EntityHistory> decoded;

  EntityHistoryStore(KeyValueStore<String, byte[]> stored, int maxDecoded) {
    this.stored = stored;
    this.maxDecoded = maxDecoded;
    this.decoded =
        new LinkedHashMap<>(256, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, EntityHistory> eldest) {
            return size() > EntityHistoryStore.this.maxDecoded;
          }
        };
  }

  /** The entry at {@code key}, or null; the caller may change it and must then {@link #write}. */
  EntityHistory history(String key) {
    EntityHistory h = decoded.get(key);
    if (h == null) {
      h = dirty.get(key);
    }
    if (h == null) {
      byte[] bytes = stored.get(key);
      if (bytes == null) {
        return null;
      }
      h = EntityHistory.decode(bytes);
    }
    if (maxDecoded > 0) {
      decoded.put(key, h);
    }
    return h;
  }

  /** Newest event time of the entry at {@code key}, the unflushed change included. */
  long lastEventMs(String key, byte[] storedBytes) {
    EntityHistory h = dirty.get(key);
    return h != null ? h.lastEventMs() : EntityHistory.lastEventMs(storedBytes);
  }

  /** Marks the entry changed (encoded at the next flush); an empty entry is deleted now. */
  void write(String key, EntityHistory h) {
    if (h.isEmpty()) {
      delete(key);
      return;
    }
    if (maxDecoded > 0) {
      decoded.put(key, h);
    }
    dirty.put(key, h);
    if (dirty.size() >= MAX_DIRTY) {
      writeDirty();
    }
  }

  void delete(String key) {
    decoded.remove(key);
    dirty.remove(key);
    stored.delete(key);
  }

  private void writeDirty() {
    for (Map.Entry<String, EntityHistory> e : dirty.entrySet()) {
      stored.put(e.getKey(), e.getValue().encode());
    }
    dirty.clear();
  }

  // ---- Kafka Streams: flushed before every commit ----

  @Override
  public void flushCache() {
    writeDirty();
    if (stored instanceof CachedStateStore<?, ?> c) {
      c.flushCache();
    }
  }

  @Override
  public void clearCache() {
    // uncommitted changes of a task closed dirty: dropped, as its changelog transaction is
    dirty.clear();
    decoded.clear();
    if (stored instanceof CachedStateStore<?, ?> c) {
      c.clearCache();
    }
  }

  @Override
  public boolean setFlushListener(
      CacheFlushListener<String, byte[]> listener, boolean sendOldValues) {
    return false;
  }

  @Override
  public void flush() {
    writeDirty();
    stored.flush();
  }

  @Override
  public String name() {
    return stored.name();
  }

  @Override
  public void init(StateStoreContext context, StateStore root) {
    // a revived task restores from the changelog: nothing of its old objects may survive
    dirty.clear();
    decoded.clear();
    stored.init(context, root);
  }

  @Override
  public void close() {
    dirty.clear();
    decoded.clear();
    stored.close();
  }

  @Override
  public boolean persistent() {
    return stored.persistent();
  }

  @Override
  public boolean isOpen() {
    return stored.isOpen();
  }

  @Override
  public <R> QueryResult<R> query(Query<R> query, PositionBound bound, QueryConfig config) {
    return stored.query(query, bound, config);
  }

  @Override
  public Position getPosition() {
    return stored.getPosition();
  }

  // ---- the entries as of the last flush, encoded: the interactive queries (other threads) and
  // the sweep read these; they never touch the decoded objects ----

  @Override
  public byte[] get(String key) {
    return stored.get(key);
  }

  @Override
  public KeyValueIterator<String, byte[]> range(String from, String to) {
    return stored.range(from, to);
  }

  @Override
  public KeyValueIterator<String, byte[]> reverseRange(String from, String to) {
    return stored.reverseRange(from, to);
  }

  @Override
  public KeyValueIterator<String, byte[]> all() {
    return stored.all();
  }

  @Override
  public KeyValueIterator<String, byte[]> reverseAll() {
    return stored.reverseAll();
  }

  @Override
  public <PS extends Serializer<P>, P> KeyValueIterator<String, byte[]> prefixScan(
      P prefix, PS prefixKeySerializer) {
    return stored.prefixScan(prefix, prefixKeySerializer);
  }

  @Override
  public long approximateNumEntries() {
    return stored.approximateNumEntries();
  }

  /**
   * Builds the store around the key-value store {@code stored} builds (its changelog, its name).
   */
  static StoreBuilder<EntityHistoryStore> builder(
      StoreBuilder<KeyValueStore<String, byte[]>> stored, int maxDecoded) {
    return new StoreBuilder<>() {
      @Override
      public StoreBuilder<EntityHistoryStore> withCachingEnabled() {
        stored.withCachingEnabled();
        return this;
      }

      @Override
      public StoreBuilder<EntityHistoryStore> withCachingDisabled() {
        stored.withCachingDisabled();
        return this;
      }

      @Override
      public StoreBuilder<EntityHistoryStore> withLoggingEnabled(Map<String, String> config) {
        stored.withLoggingEnabled(config);
        return this;
      }

      @Override
      public StoreBuilder<EntityHistoryStore> withLoggingDisabled() {
        stored.withLoggingDisabled();
        return this;
      }

      @Override
      public EntityHistoryStore build() {
        return new EntityHistoryStore(stored.build(), maxDecoded);
      }

      @Override
      public Map<String, String> logConfig() {
        return stored.logConfig();
      }

      @Override
      public boolean loggingEnabled() {
        return stored.loggingEnabled();
      }

      @Override
      public String name() {
        return stored.name();
      }
    };
  }
}
