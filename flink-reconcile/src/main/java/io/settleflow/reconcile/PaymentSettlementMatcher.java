package io.settleflow.reconcile;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Matches ledger payments with settlement lines, keyed by payment id (= the settlement's payment
 * reference), in event time.
 *
 * <ul>
 *   <li>Payment first: kept, with a timer at occurred_at + deadline; none by then → OVERDUE.
 *   <li>Settlement first: kept, with a timer at settled_at + grace; none by then → ORPHAN.
 *   <li>Both: {@link SettlementMatchRules} decide; a match goes to the main output, a mismatch to
 *       {@link #ALERTS}.
 *   <li>The same event_id again is a redelivery and is ignored; a different settlement for a
 *       settled payment is a DUPLICATE_SETTLEMENT.
 * </ul>
 *
 * After speaking, only a {@link ReconDecision} marker stays until a cleanup timer, then every piece
 * of state for the key is cleared.
 */
public class PaymentSettlementMatcher
    extends KeyedCoProcessFunction<String, LedgerPayment, Settlement, PaymentMatch> {
  private static final long serialVersionUID = 1L;

  /** Alerts leave through this side output. */
  public static final OutputTag<ReconAlert> ALERTS =
      new OutputTag<>("recon-alerts", TypeInformation.of(ReconAlert.class));

  /** Duplicate settlement event ids remembered per payment, to bound state under a bad feed. */
  public static final int MAX_REMEMBERED_DUPLICATES = 64;

  public static final KeySelector<LedgerPayment, String> PAYMENT_KEY = new PaymentKey();
  public static final KeySelector<Settlement, String> SETTLEMENT_KEY = new SettlementKey();

  private final MatcherSettings settings;
  private final SettlementMatchRules rules;

  private transient ValueState<LedgerPayment> payment;
  private transient ValueState<Settlement> settlement;
  private transient ValueState<ReconDecision> decision;
  private transient MapState<String, Boolean> duplicateEventIds;

  public PaymentSettlementMatcher(MatcherSettings settings) {
    this.settings = settings;
    this.rules = new SettlementMatchRules(settings.amountToleranceMinor());
  }

  @Override
  public void open(OpenContext openContext) {
    payment =
        getRuntimeContext().getState(new ValueStateDescriptor<>("payment", LedgerPayment.class));
    settlement =
        getRuntimeContext().getState(new ValueStateDescriptor<>("settlement", Settlement.class));
    decision =
        getRuntimeContext().getState(new ValueStateDescriptor<>("decision", ReconDecision.class));
    duplicateEventIds =
        getRuntimeContext()
            .getMapState(
                new MapStateDescriptor<>(
                    "duplicate-settlement-event-ids", Types.STRING, Types.BOOLEAN));
  }

  @Override
  public void processElement1(LedgerPayment p, Context ctx, Collector<PaymentMatch> out)
      throws Exception {
    ReconDecision d = decision.value();
    if (d != null && d.isFinal()) {
      return; // a late CDC redelivery (or a later event) of a payment already decided
    }
    if (payment.value() != null) {
      return; // same event_id redelivered, or another event for the payment: the first one counts
    }
    Settlement s = settlement.value();
    if (s != null) {
      decide(p, s, ctx, out);
      return;
    }
    payment.update(p);
    ctx.timerService().registerEventTimeTimer(deadlineAt(p));
  }

  @Override
  public void processElement2(Settlement s, Context ctx, Collector<PaymentMatch> out)
      throws Exception {
    ReconDecision d = decision.value();
    if (d != null && d.isFinal()) {
      if (!isRepeat(s, d.settlementEventId)) {
        ctx.output(
            ALERTS,
            ReconFindings.duplicate(
                ctx.getCurrentKey(),
                d.merchantId,
                d.expectedAmountMinor,
                d.source,
                d.settlementId,
                s));
        remember(s);
      }
      return;
    }
    Settlement known = settlement.value();
    if (known != null) {
      if (!isRepeat(s, known.eventId)) {
        LedgerPayment p = payment.value();
        ctx.output(
            ALERTS,
            ReconFindings.duplicate(
                ctx.getCurrentKey(),
                p != null ? p.merchantId : known.merchantId,
                p != null ? p.amountMinor : null,
                known.source,
                known.settlementId,
                s));
        remember(s);
      }
      return;
    }
    LedgerPayment p = payment.value();
    if (p != null) {
      decide(p, s, ctx, out);
      return;
    }
    settlement.update(s);
    ctx.timerService().registerEventTimeTimer(orphanAt(s));
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
    LedgerPayment p = payment.value();
    if (p != null && timestamp == deadlineAt(p)) {
      ctx.output(ALERTS, ReconFindings.overdue(p, settings.settlementDeadlineMs(), timestamp));
      // The payment stays until cleanup so a late settlement can still be matched against it.
      ReconDecision open = new ReconDecision();
      open.outcome = AlertKind.OVERDUE_PAYMENT.name();
      open.paymentEventId = p.eventId;
      open.merchantId = p.merchantId;
      open.expectedAmountMinor = p.amountMinor;
      markDecided(open, timestamp, ctx);
      return;
    }
    Settlement s = settlement.value();
    if (s != null && timestamp == orphanAt(s)) {
      ctx.output(ALERTS, ReconFindings.orphan(s, settings.orphanGraceMs(), timestamp));
      ReconDecision open = new ReconDecision();
      open.outcome = AlertKind.ORPHAN_SETTLEMENT.name();
      open.merchantId = s.merchantId;
      open.settlementEventId = s.eventId;
      open.settlementId = s.settlementId;
      open.source = s.source;
      markDecided(open, timestamp, ctx);
    }
  }

  private void decide(LedgerPayment p, Settlement s, Context ctx, Collector<PaymentMatch> out)
      throws Exception {
    SettlementMatchRules.Verdict verdict = rules.compare(p, s);
    // The later of the two event times is when the outcome became certain; replays agree on it.
    long atMs = Math.max(p.occurredAtMs, s.settledAtMs);
    if (verdict.isMatch()) {
      out.collect(ReconFindings.match(p, s, verdict, atMs));
    } else {
      ctx.output(ALERTS, ReconFindings.mismatch(p, s, verdict, atMs));
    }
    ctx.timerService().deleteEventTimeTimer(deadlineAt(p));
    ctx.timerService().deleteEventTimeTimer(orphanAt(s));
    ReconDecision d = decision.value();
    if (d != null) {
      ctx.timerService().deleteEventTimeTimer(d.cleanupAtMs);
    }
    payment.clear();
    settlement.clear();
    ReconDecision done = new ReconDecision();
    done.outcome = verdict.outcome().name();
    done.paymentEventId = p.eventId;
    done.merchantId = p.merchantId;
    done.expectedAmountMinor = p.amountMinor;
    done.settlementEventId = s.eventId;
    done.settlementId = s.settlementId;
    done.source = s.source;
    markDecided(done, Math.max(atMs, ctx.timerService().currentWatermark()), ctx);
  }

  private void markDecided(ReconDecision d, long fromMs, Context ctx) throws Exception {
    d.cleanupAtMs = saturatingAdd(fromMs, settings.decidedRetentionMs());
    decision.update(d);
    ctx.timerService().registerEventTimeTimer(d.cleanupAtMs);
  }

  private boolean isRepeat(Settlement s, String firstEventId) throws Exception {
    return s.eventId.equals(firstEventId) || duplicateEventIds.contains(s.eventId);
  }

  private void remember(Settlement s) throws Exception {
    int size = 0;
    for (String ignored : duplicateEventIds.keys()) {
      size++;
    }
    // Past the cap a re-imported duplicate alerts again, with the same event_id: safe to dedupe.
    if (size < MAX_REMEMBERED_DUPLICATES) {
      duplicateEventIds.put(s.eventId, Boolean.TRUE);
    }
  }

  private void clearAll() {
    payment.clear();
    settlement.clear();
    decision.clear();
    duplicateEventIds.clear();
  }

  private long deadlineAt(LedgerPayment p) {
    return saturatingAdd(p.occurredAtMs, settings.settlementDeadlineMs());
  }

  private long orphanAt(Settlement s) {
    return saturatingAdd(s.settledAtMs, settings.orphanGraceMs());
  }

  private static long saturatingAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? (a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : r;
  }

  /** Keys payments by payment id. */
  static final class PaymentKey implements KeySelector<LedgerPayment, String> {
    @Override
    public String getKey(LedgerPayment p) {
      return p.paymentId;
    }
  }

  /** Keys settlements by the payment they reference. */
  static final class SettlementKey implements KeySelector<Settlement, String> {
    @Override
    public String getKey(Settlement s) {
      return s.matchKey();
    }
  }
}
