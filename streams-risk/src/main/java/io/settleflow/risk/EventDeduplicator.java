package io.settleflow.risk;

import java.time.Duration;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Passes each event_id once. CDC is at-least-once and replays a batch after a crash; a replayed
 * event carries the same payment id key, so its first copy was seen by this same task.
 *
 * <p>Ids live in a window store stamped with the event's occurred_at, so the store forgets an id
 * once event time has moved {@code retention} past it: state stays bounded, and the retention must
 * exceed how far back a CDC replay can reach.
 */
final class EventDeduplicator implements FixedKeyProcessor<String, MerchantEvent, MerchantEvent> {
  private final String storeName;
  private final long retentionMs;
  private final RiskCounters counters;
  private FixedKeyProcessorContext<String, MerchantEvent> context;
  private WindowStore<String, Long> seen;

  EventDeduplicator(String storeName, Duration retention, RiskCounters counters) {
    this.storeName = storeName;
    this.retentionMs = retention.toMillis();
    this.counters = counters;
  }

  @Override
  public void init(FixedKeyProcessorContext<String, MerchantEvent> context) {
    this.context = context;
    this.seen = context.getStateStore(storeName);
  }

  @Override
  public void process(FixedKeyRecord<String, MerchantEvent> record) {
    String eventId = record.value().eventId();
    long occurredAtMs = record.value().occurredAtMs();
    // A copy should repeat occurred_at exactly; searching the whole retention also catches a
    // producer that re-stamped it.
    try (WindowStoreIterator<Long> earlier =
        seen.fetch(eventId, Math.max(0, occurredAtMs - retentionMs), occurredAtMs + retentionMs)) {
      if (earlier.hasNext()) {
        counters.duplicateDropped();
        return;
      }
    }
    seen.put(eventId, occurredAtMs, occurredAtMs);
    context.forward(record);
  }
}
