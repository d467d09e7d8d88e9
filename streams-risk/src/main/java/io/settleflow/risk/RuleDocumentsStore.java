package io.settleflow.risk;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The global in-memory store of the rule documents on risk.rules, counting the writes it takes
 * while running, so a scoring task re-reads the rules only after one (reading them all per payment
 * was ≈ 5 % of the stream thread). A count read before the documents and compared before the next
 * payment never misses a write: a write lands, then counts. Restoring at start is not counted; a
 * task reads the rules once before its first payment anyway.
 */
final class RuleDocumentsStore {
  private final AtomicLong writes = new AtomicLong();

  /** Writes so far (of every store this supplier made, in this JVM). */
  long writes() {
    return writes.get();
  }

  KeyValueBytesStoreSupplier supplier(String name) {
    KeyValueBytesStoreSupplier inMemory = Stores.inMemoryKeyValueStore(name);
    return new KeyValueBytesStoreSupplier() {
      @Override
      public String name() {
        return inMemory.name();
      }

      @Override
      public KeyValueStore<Bytes, byte[]> get() {
        return new Counting(inMemory.get());
      }

      @Override
      public String metricsScope() {
        return inMemory.metricsScope();
      }
    };
  }

  /** Delegates everything; counts each write after it is done. */
  private final class Counting implements KeyValueStore<Bytes, byte[]> {
    private final KeyValueStore<Bytes, byte[]> store;

    Counting(KeyValueStore<Bytes, byte[]> store) {
      this.store = store;
    }

    @Override
    public void put(Bytes key, byte[] value) {
      store.put(key, value);
      writes.incrementAndGet();
    }

    @Override
    public byte[] putIfAbsent(Bytes key, byte[] value) {
      byte[] previous = store.putIfAbsent(key, value);
      writes.incrementAndGet();
      return previous;
    }

    @Override
    public void putAll(List<KeyValue<Bytes, byte[]>> entries) {
      store.putAll(entries);
      writes.incrementAndGet();
    }

    @Override
    public byte[] delete(Bytes key) {
      byte[] previous = store.delete(key);
      writes.incrementAndGet();
      return previous;
    }

    @Override
    public byte[] get(Bytes key) {
      return store.get(key);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
      return store.range(from, to);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> reverseRange(Bytes from, Bytes to) {
      return store.reverseRange(from, to);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> all() {
      return store.all();
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> reverseAll() {
      return store.reverseAll();
    }

    @Override
    public <PS extends Serializer<P>, P> KeyValueIterator<Bytes, byte[]> prefixScan(
        P prefix, PS prefixKeySerializer) {
      return store.prefixScan(prefix, prefixKeySerializer);
    }

    @Override
    public long approximateNumEntries() {
      return store.approximateNumEntries();
    }

    @Override
    public String name() {
      return store.name();
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
      store.init(context, root);
    }

    @Override
    public void flush() {
      store.flush();
    }

    @Override
    public void close() {
      store.close();
    }

    @Override
    public boolean persistent() {
      return store.persistent();
    }

    @Override
    public boolean isOpen() {
      return store.isOpen();
    }

    @Override
    public <R> QueryResult<R> query(Query<R> query, PositionBound bound, QueryConfig config) {
      return store.query(query, bound, config);
    }

    @Override
    public Position getPosition() {
      return store.getPosition();
    }
  }
}
