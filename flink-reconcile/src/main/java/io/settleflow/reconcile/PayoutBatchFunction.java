package io.settleflow.reconcile;

import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * One-to-many: matches a batch's payout line (a bank credit or processor payout) with the member
 * lines of the batch, keyed by {@code batch:<batch_id>}, in event time. Members are summed as they
 * arrive ({@link BatchTotals}); the payout is decided by {@link PayoutBatchRules} once the
 * watermark passes its settlement time + {@code batches.wait}, so members arriving a little later
 * still count. Members with no payout line by {@code batches.payout_sla} → OVERDUE_PAYMENT for the
 * batch (RESOLVED when the payout comes after all). A member line after the decision → an
 * AMOUNT_MISMATCH naming the new sum; a second payout line → DUPLICATE_SETTLEMENT. Re-imports (same
 * event id) are ignored. After a decision everything is cleared once {@code decidedRetentionMs} of
 * event time has passed.
 *
 * <p>The members are also reconciled one by one against the ledger by {@link
 * PaymentSettlementMatcher}; this operator checks that the payout settles them all.
 */
public class PayoutBatchFunction extends KeyedProcessFunction<String, Settlement, PaymentMatch> {
  private static final long serialVersionUID = 1L;

  /** Alerts leave through this side output. */
  public static final OutputTag<ReconAlert> ALERTS =
      new OutputTag<>("batch-alerts", TypeInformation.of(ReconAlert.class));

  /** Member and duplicate-payout event ids remembered per batch for re-import detection. */
  public static final int MAX_REMEMBERED_LINES = 100_000;

  public static final KeySelector<Settlement, String> BATCH_KEY = new BatchKey();

  private final MatcherSettings settings;
  private final PayoutBatchRules rules;

  private transient ValueState<Settlement> payout;
  private transient ValueState<BatchTotals> totals;
  private transient ValueState<ReconDecision> decision;
  private transient MapState<String, Boolean> seenEventIds;
  private transient ValueState<Integer> seenCount;
  private transient Counter matches;
  private transient Map<AlertKind, Counter> mismatches;

  public PayoutBatchFunction(MatcherSettings settings) {
    this.settings = settings;
    this.rules = new PayoutBatchRules(settings.rules().batches());
  }

  @Override
  public void open(OpenContext openContext) {
    payout = getRuntimeContext().getState(new ValueStateDescriptor<>("payout", Settlement.class));
    totals = getRuntimeContext().getState(new ValueStateDescriptor<>("members", BatchTotals.class));
    decision =
        getRuntimeContext().getState(new ValueStateDescriptor<>("decision", ReconDecision.class));
    seenEventIds =
        getRuntimeContext()
            .getMapState(
                new MapStateDescriptor<>("seen-line-event-ids", Types.STRING, Types.BOOLEAN));
    seenCount = getRuntimeContext().getState(new ValueStateDescriptor<>("seen-count", Types.INT));
    MetricGroup metrics = getRuntimeContext().getMetricGroup();
    matches = metrics.counter(PaymentSettlementMatcher.MATCHES_METRIC);
    mismatches = new EnumMap<>(AlertKind.class);
    for (AlertKind kind : AlertKind.values()) {
      mismatches.put(
          kind,
          metrics
              .addGroup("kind", kind.name())
              .counter(PaymentSettlementMatcher.MISMATCHES_METRIC));
    }
  }

  private void alert(Context ctx, ReconAlert a) {
    mismatches.get(a.kind).inc();
    ctx.output(ALERTS, a);
  }

  @Override
  public void processElement(Settlement s, Context ctx, Collector<PaymentMatch> out)
      throws Exception {
    if (seenEventIds.contains(s.eventId)) {
      return; // a re-import
    }
    remember(s.eventId);
    ReconDecision d = decision.value();
    if (s.isPayout()) {
      Settlement known = payout.value();
      if (known != null || (d != null && d.isFinal())) {
        String firstSource = known != null ? known.source : d.source;
        String firstId = known != null ? known.settlementId : d.settlementId;
        alert(
            ctx, ReconFindings.duplicate(ctx.getCurrentKey(), null, null, firstSource, firstId, s));
        return;
      }
      BatchTotals t = totals.value();
      if (d != null) {
        // Open: the batch's overdue alert went out; the payout resolves it, then is decided.
        long deadline = t.firstAtMs + settings.rules().batches().payoutSlaMs();
        alert(
            ctx,
            ReconFindings.batchResolved(
                s,
                t,
                deadline,
                settings.rules().batches().deadlineRule(),
                Math.max(s.settledAtMs, deadline)));
        ctx.timerService().deleteEventTimeTimer(d.cleanupAtMs);
        decision.clear();
      }
      payout.update(s);
      ctx.timerService().registerEventTimeTimer(decideAt(s));
      return;
    }
    BatchTotals t = totals.value();
    if (t == null) {
      t = new BatchTotals();
    }
    t.add(s);
    totals.update(t);
    if (d != null && d.isFinal()) {
      alert(
          ctx,
          ReconFindings.lateBatchMember(
              ctx.getCurrentKey(), d, s, t, settings.rules().batches().rule()));
      return;
    }
    if (t.count == 1 && payout.value() == null && d == null) {
      ctx.timerService().registerEventTimeTimer(payoutDueAt(t));
    }
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<PaymentMatch> out)
      throws Exception {
    ReconDecision d = decision.value();
    if (d != null) {
      if (timestamp >= d.cleanupAtMs) {
        clearAll();
      }
      return;
    }
    Settlement p = payout.value();
    BatchTotals t = totals.value();
    if (p != null) {
      if (timestamp < decideAt(p)) {
        return; // an older payout-deadline timer; the decision timer follows
      }
      PayoutBatchRules.Verdict verdict = rules.compare(p, t);
      if (verdict.isMatch()) {
        matches.inc();
        out.collect(ReconFindings.batchMatch(p, t, verdict, timestamp));
      } else {
        alert(ctx, ReconFindings.batchMismatch(p, t, verdict, timestamp));
      }
      ReconDecision done = new ReconDecision();
      done.outcome = verdict.outcome().name();
      done.merchantId = p.merchantId;
      done.expectedAmountMinor = p.grossAmountMinor;
      done.settlementEventId = p.eventId;
      done.settlementId = p.settlementId;
      done.source = p.source;
      payout.clear();
      markDecided(done, timestamp, ctx);
      return;
    }
    if (t != null && timestamp >= payoutDueAt(t)) {
      ReconRules.Batches batches = settings.rules().batches();
      alert(
          ctx,
          ReconFindings.batchOverdue(
              ctx.getCurrentKey(), t, batches.payoutSlaMs(), batches.deadlineRule(), timestamp));
      ReconDecision open = new ReconDecision();
      open.outcome = AlertKind.OVERDUE_PAYMENT.name();
      open.merchantId = t.merchantId;
      markDecided(open, timestamp, ctx);
    }
  }

  /** Decisions are made on timers: {@code fromMs} is the timer's event time, as a replay has it. */
  private void markDecided(ReconDecision d, long fromMs, Context ctx) throws Exception {
    d.cleanupAtMs = EventTimes.saturatingAdd(fromMs, settings.decidedRetentionMs());
    decision.update(d);
    ctx.timerService().registerEventTimeTimer(d.cleanupAtMs);
  }

  private void remember(String eventId) throws Exception {
    Integer n = seenCount.value();
    int count = n == null ? 0 : n;
    // Past the cap a re-imported line counts again: bounded state over exactness for huge batches.
    if (count < MAX_REMEMBERED_LINES) {
      seenEventIds.put(eventId, Boolean.TRUE);
      seenCount.update(count + 1);
    }
  }

  private void clearAll() {
    payout.clear();
    totals.clear();
    decision.clear();
    seenEventIds.clear();
    seenCount.clear();
  }

  private long decideAt(Settlement p) {
    return EventTimes.saturatingAdd(p.settledAtMs, settings.rules().batches().waitMs());
  }

  private long payoutDueAt(BatchTotals t) {
    return EventTimes.saturatingAdd(t.firstAtMs, settings.rules().batches().payoutSlaMs());
  }

  /** Keys payout and member lines by their batch. */
  static final class BatchKey implements KeySelector<Settlement, String> {
    @Override
    public String getKey(Settlement s) {
      return s.batchKey();
    }
  }
}
