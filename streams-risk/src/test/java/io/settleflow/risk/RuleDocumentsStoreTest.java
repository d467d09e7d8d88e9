package io.settleflow.risk;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/** The rules store counts every write, and only writes, so the scorer re-reads after each. */
class RuleDocumentsStoreTest {
  private static Bytes key(String k) {
    return Bytes.wrap(k.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void everyWriteCountsAndReadsDoNot() {
    RuleDocumentsStore documents = new RuleDocumentsStore();
    KeyValueStore<Bytes, byte[]> store = documents.supplier("risk-rules").get();
    store.init(new MockProcessorContext<>().getStateStoreContext(), store);
    assertThat(documents.writes()).isZero();

    store.put(key("a"), new byte[] {1});
    store.putIfAbsent(key("b"), new byte[] {2});
    store.putAll(List.of(KeyValue.pair(key("c"), new byte[] {3})));
    assertThat(documents.writes()).isEqualTo(3);

    assertThat(store.get(key("a"))).containsExactly(1);
    try (KeyValueIterator<Bytes, byte[]> all = store.all()) {
      assertThat(all).toIterable().hasSize(3);
    }
    assertThat(store.approximateNumEntries()).isEqualTo(3);
    assertThat(documents.writes()).isEqualTo(3);

    store.delete(key("a"));
    assertThat(documents.writes()).isEqualTo(4);
    assertThat(store.get(key("a"))).isNull();
    store.close();
  }
}
