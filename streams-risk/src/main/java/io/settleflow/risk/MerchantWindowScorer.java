package io.settleflow.risk;

import io.settleflow.avro.RiskDecision;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.Topics;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The merchant-keyed half of the topology. A copy of an event already seen is dropped first. Every
 * money movement of a merchant updates its {@link EntityHistory} (one entry per merchant and per
 * card at it); an authorization is first scored on what the histories held before it (event time
 * occurred_at), then added. Captures and refunds feed the refund ratio; cancellations, refunds and
 * settlements reduce the open exposure.
 *
 * <p>Rules are read from the global rules store on every payment, so a version published on
 * risk.rules applies from the next payment this task scores.
 */
final class MerchantWindowScorer implements Processor<String, MerchantEvent, String, byte[]> {
  private final RiskScorer scorer;
  private final RiskCounters counters;
  private final PublishedRules.InvalidRuleListener invalidRules;
  private PublishedRules published;
  private final ConfluentWireFormat wire;
  private ProcessorContext<String, byte[]> context;
  private WindowStore<String, byte[]> decisions;
  private WindowStore<String, Long> seen;
  private final long dedupeRetentionMs;
  private EntityHistoryStore histories;
  private KeyValueStore<String, byte[]> cardHistories;
  private ReadOnlyKeyValueStore<String, ValueAndTimestamp<byte[]>> rules;
  private final FeatureState state;
  private final EntityHistory.Limits limits;

  /**
   * At most this many decoded merchant histories per task in memory ({@link EntityHistoryStore}): a
   * payment neither decodes its merchant nor encodes it (that happens once per commit).
   */
  static final int HOT_ENTITIES = 4_096;

  /**
   * Expired entries (nothing left in any window) are deleted by a sweep that visits {@link
   * #SWEEP_BATCH} entries of each history store every {@link #SWEEP_EVERY_EVENTS} events: 2 per
   * event and store, while an event creates at most 1 in each, so each store stays within about
   * twice its live entries.
   */
  static final int SWEEP_EVERY_EVENTS = 256;

  static final int SWEEP_BATCH = 512;

  private final int sweepEveryEvents;
  private int eventsSinceSweep;
  private Sweep merchantSweep;
  private Sweep cardSweep;

  /**
   * @param sweepEveryEvents events between two sweeps ({@link #SWEEP_EVERY_EVENTS}; tests shorten
   *     it)
   * @param ruleWrites writes the global rules store has taken ({@link RuleDocumentsStore#writes});
   *     the rules are re-read only after it changed, -1 for always
   */
  MerchantWindowScorer(
      RiskConfig config,
      RiskScorer scorer,
      RiskCounters counters,
      PublishedRules.InvalidRuleListener invalidRules,
      ConfluentWireFormat wire,
      int sweepEveryEvents,
      LongSupplier ruleWrites) {
    this.sweepEveryEvents = sweepEveryEvents;
    this.ruleWrites = ruleWrites;
    this.wire = wire;
    this.state = new FeatureState(config);
    this.dedupeRetentionMs = config.dedupeRetention().toMillis();
    this.limits = EntityHistory.Limits.of(config);
    this.scorer = scorer;
    this.counters = counters;
    this.invalidRules = invalidRules;
  }

  @Override
  public void init(ProcessorContext<String, byte[]> context) {
    this.context = context;
    this.decisions = context.getStateStore(RiskTopology.DECISIONS_STORE);
    this.histories = context.getStateStore(RiskTopology.HISTORY_STORE);
    this.cardHistories = context.getStateStore(RiskTopology.CARD_HISTORY_STORE);
    this.seen = context.getStateStore(RiskTopology.DEDUPE_STORE);
    this.eventsSinceSweep = 0;
    this.merchantSweep =
        new Sweep(histories, (key, bytes) -> histories.lastEventMs(key, bytes), histories::delete);
    this.cardSweep =
        new Sweep(
            cardHistories, (key, bytes) -> EntityHistory.lastEventMs(bytes), cardHistories::delete);
    this.rules = context.getStateStore(RiskTopology.RULES_STORE);
    this.published = rememberedRules(context.getStateStore(RiskTopology.RULE_MEMORY_STORE));
    this.rulesRead = null;
    // a task that scores no payment still learns each new version (and so refuses an older one
    // published later, even after a restart) within this period
    context.schedule(RULE_REFRESH_INTERVAL, PunctuationType.WALL_CLOCK_TIME, now -> currentRules());
  }

  /** How often the rules are re-read while no payment arrives. */
  static final Duration RULE_REFRESH_INTERVAL = Duration.ofSeconds(1);

  /**
   * Versions only go up across restarts: the highest version and the document in force per rule id
   * live in a changelogged store of this task, restored before the task runs again.
   */
  private PublishedRules rememberedRules(KeyValueStore<String, byte[]> memory) {
    Map<String, PublishedRules.Remembered> restored = new HashMap<>();
    try (KeyValueIterator<String, byte[]> all = memory.all()) {
      while (all.hasNext()) {
        KeyValue<String, byte[]> kv = all.next();
        restored.put(kv.key, PublishedRules.Remembered.decode(kv.value));
      }
    }
    return new PublishedRules(
        invalidRules,
        restored,
        new PublishedRules.Memory() {
          @Override
          public void remember(String key, PublishedRules.Remembered r) {
            memory.put(key, r.encode());
          }

          @Override
          public void forget(String key) {
            memory.delete(key);
          }
        });
  }

  @Override
  public void process(Record<String, MerchantEvent> record) {
    MerchantEvent e = record.value();
    long t = e.occurredAtMs();
    // the newest event time of this task: what no later read needs any more is dropped
    long horizon = Math.max(context.currentStreamTimeMs(), t);
    byte[] earlierDecision = null;
    if (t > horizon - dedupeRetentionMs) {
      // within the dedupe retention: a CDC copy (same event_id and occurred_at) is dropped here,
      // where every copy meets its first one (same merchant, same task). An authorization is
      // found by its decision (no store write of its own); other movements by their event id.
      if (e.kind() == MerchantEvent.Kind.AUTHORIZED) {
        earlierDecision = decisions.fetch(e.paymentId(), t);
        if (earlierDecision != null
            && (e.eventId().equals(sourceEventId(earlierDecision))
                || seen.fetch(e.eventId(), t) != null)) {
          counters.duplicateDropped();
          return;
        }
      } else if (seen.fetch(e.eventId(), t) != null) {
        counters.duplicateDropped();
        return;
      } else {
        seen.put(e.eventId(), t, t);
      }
    }
    // the key is the merchant after the repartition, the payment id when scored in place
    String merchant = e.merchantId();
    String merchantKey = FeatureState.merchantKey(merchant);
    EntityHistory m = merchant(merchantKey);
    switch (e.kind()) {
      case AUTHORIZED -> authorized(record, merchant, m, e, t, horizon, earlierDecision);
      case CAPTURED -> m.captured(t, e.currency(), e.amountMinor());
      case REFUNDED -> m.refunded(t, e.currency(), e.amountMinor());
      case CANCELLED, SETTLED -> m.closed(t, e.currency(), e.amountMinor());
    }
    write(merchantKey, m, horizon);
    if (++eventsSinceSweep >= sweepEveryEvents) {
      eventsSinceSweep = 0;
      merchantSweep.run(horizon);
      cardSweep.run(horizon);
    }
  }

  private void authorized(
      Record<String, MerchantEvent> record,
      String merchant,
      EntityHistory m,
      MerchantEvent e,
      long t,
      long horizon,
      byte[] earlierDecision) {
    String cardKey = e.cardToken() == null ? null : FeatureState.cardKey(merchant, e.cardToken());
    EntityHistory card = cardKey == null ? null : card(cardKey);
    List<RiskRule> rules = currentRules();
    FeatureInputs inputs = state.read(m, card, e.currency(), t, scorer.featuresUsed(rules));
    RiskAssessment assessment = scorer.score(rules, e.amountMinor(), e.currency(), inputs);
    m.authorized(t, e.currency(), e.amountMinor());
    if (card != null) {
      card.authorized(t, e.currency(), e.amountMinor());
      write(cardKey, card, horizon);
    }
    counters.decided();
    RiskDecision decision = RiskDecisions.of(e, assessment);
    // encoded once: the same bytes go to risk.decisions and to the decision store the queries read
    // (kept here rather than read back from risk.decisions: no second consumer of every decision)
    byte[] bytes = wire.encode(Topics.RISK_DECISIONS, decision);
    if (earlierDecision != null) {
      // another authorization of this payment at the same millisecond: its decision is replaced
      // below, so its event id is remembered the other way
      seen.put(sourceEventId(earlierDecision), t, t);
    }
    decisions.put(decision.getPaymentId(), bytes, t);
    // keyed by payment id: the sink partitions by it (a sink needs no repartition topic)
    context.forward(new Record<>(decision.getPaymentId(), bytes, t, record.headers()));
  }

  private String sourceEventId(byte[] decision) {
    return wire.decode(decision, RiskDecision.class).getSourceEventId();
  }

  private EntityHistory merchant(String key) {
    EntityHistory h = histories.history(key);
    return h == null ? new EntityHistory(EntityHistory.Kind.MERCHANT) : h;
  }

  private EntityHistory card(String key) {
    byte[] stored = cardHistories.get(key);
    return stored == null
        ? new EntityHistory(EntityHistory.Kind.CARD)
        : EntityHistory.decode(stored);
  }

  /**
   * Prunes, then writes the entry (or deletes it when nothing is left): a merchant's is encoded at
   * the next commit, a card's now (cards are mostly seen once in a while: kept decoded, they would
   * only push merchants out).
   */
  private void write(String key, EntityHistory h, long horizon) {
    h.prune(horizon, limits);
    if (h.kind() == EntityHistory.Kind.MERCHANT) {
      histories.write(key, h);
    } else if (h.isEmpty()) {
      cardHistories.delete(key);
    } else {
      cardHistories.put(key, h.encode());
    }
  }

  /** Newest event time of a stored entry. */
  private interface LastEvent {
    long of(String key, byte[] stored);
  }

  /** Walks one history store {@link #SWEEP_BATCH} entries at a time, deleting expired ones. */
  private final class Sweep {
    private final ReadOnlyKeyValueStore<String, byte[]> store;
    private final LastEvent lastEvent;
    private final Consumer<String> delete;
    private String from;

    Sweep(
        ReadOnlyKeyValueStore<String, byte[]> store, LastEvent lastEvent, Consumer<String> delete) {
      this.store = store;
      this.lastEvent = lastEvent;
      this.delete = delete;
    }

    void run(long horizon) {
      List<String> expired = new ArrayList<>();
      String last = null;
      int visited = 0;
      try (KeyValueIterator<String, byte[]> it =
          from == null ? store.all() : store.range(from, null)) {
        while (visited < SWEEP_BATCH && it.hasNext()) {
          KeyValue<String, byte[]> kv = it.next();
          visited++;
          last = kv.key;
          // a merchant changed since the last commit is judged by its change, not its stored entry
          if (limits.expiresAfter(EntityHistory.kind(kv.value), lastEvent.of(kv.key, kv.value))
              < horizon) {
            expired.add(kv.key);
          }
        }
        // the smallest key after the last one visited; from the start once the end is reached
        from = visited == SWEEP_BATCH && it.hasNext() ? last + "\0" : null;
      }
      for (String key : expired) {
        delete.accept(key);
      }
    }
  }

  private final LongSupplier ruleWrites;

  /** The rules last read, and the rules store's write count read just before them. */
  private List<RiskRule> rulesRead;

  private long rulesReadAtWrites;

  private List<RiskRule> currentRules() {
    long writes = ruleWrites.getAsLong();
    if (rulesRead != null && writes >= 0 && writes == rulesReadAtWrites) {
      // no document changed since: refreshing would give the same rules, with no side effect
      return rulesRead;
    }
    rulesRead = readRules();
    rulesReadAtWrites = writes;
    return rulesRead;
  }

  private List<RiskRule> readRules() {
    try (KeyValueIterator<String, ValueAndTimestamp<byte[]>> all = rules.all()) {
      Iterator<Map.Entry<String, byte[]>> documents =
          new Iterator<>() {
            @Override
            public boolean hasNext() {
              return all.hasNext();
            }

            @Override
            public Map.Entry<String, byte[]> next() {
              KeyValue<String, ValueAndTimestamp<byte[]>> kv = all.next();
              return new AbstractMap.SimpleImmutableEntry<>(
                  kv.key, kv.value == null ? null : kv.value.value());
            }
          };
      return published.refresh(documents);
    }
  }
}
