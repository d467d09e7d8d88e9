package io.settleflow.risk;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Decoded merchant histories: encoded into the store below only when Streams flushes. */
class EntityHistoryStoreTest {
  private static final long T = 1_764_064_800_000L;

  private EntityHistoryStore store;

  @BeforeEach
  void open() {
    store = storeKeeping(16);
  }

  private static EntityHistoryStore storeKeeping(int maxDecoded) {
    EntityHistoryStore s =
        EntityHistoryStore.builder(
                Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore("h"), Serdes.String(), Serdes.ByteArray())
                    .withLoggingDisabled(),
                maxDecoded)
            .build();
    s.init(new MockProcessorContext<>().getStateStoreContext(), s);
    return s;
  }

  private static EntityHistory merchantWith(long... times) {
    EntityHistory h = new EntityHistory(EntityHistory.Kind.MERCHANT);
    for (long t : times) {
      h.authorized(t, "EUR", 100);
    }
    return h;
  }

  @Test
  void aChangeReachesTheStoreBelowOnlyAtTheFlushOnceForAllItsWrites() {
    EntityHistory h = merchantWith(T);
    store.write("m|1", h);
    h.authorized(T + 1, "EUR", 50);
    store.write("m|1", h);

    assertThat(store.get("m|1")).isNull();
    assertThat(store.history("m|1")).isSameAs(h);

    store.flushCache();
    EntityHistory expected = merchantWith(T);
    expected.authorized(T + 1, "EUR", 50);
    assertThat(store.get("m|1")).isEqualTo(expected.encode());
  }

  @Test
  void aFlushedEntryIsTheEncodedHistory() {
    store.write("m|1", merchantWith(T, T + 5));
    store.flush();
    assertThat(store.get("m|1")).isEqualTo(merchantWith(T, T + 5).encode());
  }

  @Test
  void clearingTheCacheDropsChangesNotFlushed() {
    store.write("m|1", merchantWith(T));
    store.flushCache();
    EntityHistory changed = store.history("m|1");
    changed.authorized(T + 1, "EUR", 7);
    store.write("m|1", changed);

    store.clearCache();

    assertThat(store.history("m|1").encode()).isEqualTo(merchantWith(T).encode());
  }

  @Test
  void aDirtyEntryPushedOutOfTheDecodedOnesIsStillReadAsChanged() {
    EntityHistoryStore small = storeKeeping(1);
    EntityHistory a = merchantWith(T);
    small.write("m|a", a);
    small.write("m|b", merchantWith(T));

    assertThat(small.get("m|a")).isNull();
    assertThat(small.history("m|a")).isSameAs(a);
  }

  @Test
  void anEmptyEntryIsDeletedAtOnce() {
    store.write("m|1", merchantWith(T));
    store.flushCache();
    store.write("m|1", new EntityHistory(EntityHistory.Kind.MERCHANT));

    assertThat(store.get("m|1")).isNull();
    assertThat(store.history("m|1")).isNull();
    store.flushCache();
    assertThat(store.get("m|1")).isNull();
  }

  @Test
  void theSweepJudgesAChangedEntryByItsChange() {
    store.write("m|1", merchantWith(T));
    store.flushCache();
    byte[] stored = store.get("m|1");
    EntityHistory h = store.history("m|1");
    h.authorized(T + 1_000, "EUR", 1);
    store.write("m|1", h);

    assertThat(store.lastEventMs("m|1", stored)).isEqualTo(T + 1_000);
    assertThat(store.lastEventMs("m|other", stored)).isEqualTo(T);
  }

  @Test
  void pastTheDirtyLimitEntriesAreWrittenBeforeTheFlush() {
    for (int i = 0; i < EntityHistoryStore.MAX_DIRTY; i++) {
      store.write("m|" + i, merchantWith(T));
    }
    assertThat(store.get("m|0")).isNotNull();
    assertThat(store.approximateNumEntries()).isEqualTo(EntityHistoryStore.MAX_DIRTY);
  }
}
