package io.settleflow.reconcile;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
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
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * One-to-many without a batch id ("sum within a window"), keyed by {@code merchant:<merchant id>}:
 * input 1 is every sale match of the per-payment matcher whose line names no batch ({@link
 * WindowCandidate}: a settled payment not paid out yet), input 2 the merchant's payout lines
 * ({@link Settlement#isWindowPayout()}). A payout line is decided when the watermark passes its
 * settlement time + the orphan grace (the moment the matcher would have called it an orphan), so
 * the payments it pays have had that long to be matched. {@link PayoutWindowRules} choose the
 * payments: a match names them and they leave the unpaid set; no fit → ORPHAN_SETTLEMENT as before,
 * explained by the search. Unpaid payments are dropped once no payout can take them any more
 * (settled_at + window + grace). Re-imports of a payout line (same event id) are ignored.
 */
public class PayoutWindowFunction
    extends KeyedCoProcessFunction<String, WindowCandidate, Settlement, PaymentMatch> {
  private static final long serialVersionUID = 1L;

  /** Alerts leave through this side output. */
  public static final OutputTag<ReconAlert> ALERTS =
      new OutputTag<>("window-alerts", TypeInformation.of(ReconAlert.class));

  /** Unpaid payments kept per merchant; later ones are not kept (no window payout pays them). */
  public static final int MAX_OPEN_PAYMENTS = 10_000;

  /** Decided payout event ids remembered per merchant for re-import detection. */
  public static final int MAX_REMEMBERED_PAYOUTS = 10_000;

  /** Unpaid payments are dropped on whole minutes of event time (one timer per minute). */
  public static final long DROP_GRANULARITY_MS = 60_000;

  public static final KeySelector<WindowCandidate, String> CANDIDATE_KEY = new CandidateKey();
  public static final KeySelector<Settlement, String> PAYOUT_KEY = new PayoutKey();

  private final MatcherSettings settings;
  private final PayoutWindowRules rules;

  private transient MapState<String, WindowCandidate> open;
  private transient ValueState<Integer> openCount;
  private transient MapState<String, Settlement> payouts;
  private transient MapState<String, Long> decidedDropAt;
  private transient ValueState<Integer> decidedCount;
  private transient Counter matches;
  private transient Map<AlertKind, Counter> mismatches;

  public PayoutWindowFunction(MatcherSettings settings) {
    this.settings = settings;
    this.rules = new PayoutWindowRules(settings.rules().windows());
  }

  /** Whether the job routes {@code s} here (and not to the per-payment matcher). */
  public static boolean takes(MatcherSettings settings, Settlement s) {
    return settings.rules().windows().enabled() && s.isWindowPayout();
  }

  @Override
  public void open(OpenContext openContext) {
    open =
        getRuntimeContext()
            .getMapState(
                new MapStateDescriptor<>(
                    "unpaid-payments", Types.STRING, TypeInformation.of(WindowCandidate.class)));
    openCount = getRuntimeContext().getState(new ValueStateDescriptor<>("unpaid-count", Types.INT));
    payouts =
        getRuntimeContext()
            .getMapState(
                new MapStateDescriptor<>(
                    "waiting-payouts", Types.STRING, TypeInformation.of(Settlement.class)));
    decidedDropAt =
        getRuntimeContext()
            .getMapState(
                new MapStateDescriptor<>("decided-payout-event-ids", Types.STRING, Types.LONG));
    decidedCount =
        getRuntimeContext().getState(new ValueStateDescriptor<>("decided-count", Types.INT));
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

  @Override
  public void processElement1(WindowCandidate c, Context ctx, Collector<PaymentMatch> out)
      throws Exception {
    if (open.contains(c.paymentId)) {
      return; // a replayed match
    }
    int count = count(openCount);
    if (count >= MAX_OPEN_PAYMENTS) {
      return;
    }
    open.put(c.paymentId, c);
    openCount.update(count + 1);
    ctx.timerService().registerEventTimeTimer(dropAt(c));
  }

  @Override
  public void processElement2(Settlement s, Context ctx, Collector<PaymentMatch> out)
      throws Exception {
    if (payouts.contains(s.eventId) || decidedDropAt.contains(s.eventId)) {
      return; // a re-import
    }
    payouts.put(s.eventId, s);
    ctx.timerService().registerEventTimeTimer(decideAt(s));
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<PaymentMatch> out)
      throws Exception {
    List<Settlement> due = new ArrayList<>();
    for (Settlement s : payouts.values()) {
      if (decideAt(s) <= timestamp) {
        due.add(s);
      }
    }
    // Oldest payout first: it pays the oldest payments; a replay decides in the same order.
    due.sort(
        Comparator.comparingLong((Settlement s) -> s.settledAtMs).thenComparing(s -> s.eventId));
    int paid = 0;
    for (Settlement s : due) {
      List<WindowCandidate> pool = new ArrayList<>();
      open.values().forEach(pool::add);
      PayoutWindowRules.Verdict verdict = rules.compare(s, pool);
      long atMs = decideAt(s);
      if (verdict.isMatch()) {
        matches.inc();
        out.collect(ReconFindings.windowMatch(s, verdict, atMs));
        for (WindowCandidate c : verdict.chosen()) {
          open.remove(c.paymentId);
          paid++;
        }
      } else {
        ReconAlert a = ReconFindings.windowOrphan(s, verdict, settings.orphanGraceMs(), atMs);
        mismatches.get(a.kind).inc();
        ctx.output(ALERTS, a);
      }
      payouts.remove(s.eventId);
      int decided = count(decidedCount);
      // Past the cap a re-imported payout line is decided again: bounded state over exactness.
      if (decided < MAX_REMEMBERED_PAYOUTS) {
        long drop = EventTimes.saturatingAdd(atMs, settings.decidedRetentionMs());
        decidedDropAt.put(s.eventId, drop);
        decidedCount.update(decided + 1);
        ctx.timerService().registerEventTimeTimer(drop);
      }
    }
    List<String> expired = new ArrayList<>();
    for (WindowCandidate c : open.values()) {
      if (dropAt(c) <= timestamp) {
        expired.add(c.paymentId);
      }
    }
    for (String id : expired) {
      open.remove(id);
    }
    List<String> forgotten = new ArrayList<>();
    for (Map.Entry<String, Long> e : decidedDropAt.entries()) {
      if (e.getValue() <= timestamp) {
        forgotten.add(e.getKey());
      }
    }
    for (String id : forgotten) {
      decidedDropAt.remove(id);
    }
    update(openCount, count(openCount) - paid - expired.size());
    update(decidedCount, count(decidedCount) - forgotten.size());
  }

  private static void update(ValueState<Integer> state, int value) throws Exception {
    if (value == 0) {
      state.clear();
    } else {
      state.update(value);
    }
  }

  private static int count(ValueState<Integer> state) throws Exception {
    Integer n = state.value();
    return n == null ? 0 : n;
  }

  private long decideAt(Settlement s) {
    return EventTimes.saturatingAdd(s.settledAtMs, settings.orphanGraceMs());
  }

  /**
   * After this no payout line can take the payment: its window and grace have passed. Rounded up to
   * {@link #DROP_GRANULARITY_MS} so a merchant's payments share a few timers.
   */
  private long dropAt(WindowCandidate c) {
    long at =
        EventTimes.saturatingAdd(
            EventTimes.saturatingAdd(c.settledAtMs, settings.rules().windows().windowMs()),
            settings.orphanGraceMs());
    long rounded =
        EventTimes.saturatingAdd(
            at, DROP_GRANULARITY_MS - 1 - Math.floorMod(at - 1, DROP_GRANULARITY_MS));
    return rounded;
  }

  /** Keys settled payments by their merchant. */
  static final class CandidateKey implements KeySelector<WindowCandidate, String> {
    @Override
    public String getKey(WindowCandidate c) {
      return c.merchantKey();
    }
  }

  /** Keys payout lines by their merchant. */
  static final class PayoutKey implements KeySelector<Settlement, String> {
    @Override
    public String getKey(Settlement s) {
      return s.merchantKey();
    }
  }
}
