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
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Matches ledger payments with settlement lines, keyed by payment id (= the settlement's payment
 * reference), in event time.
 *
 * <ul>
 *   <li>Payment first: kept, with a timer at occurred_at + deadline; none by then → OVERDUE.
 *   <li>Settlement first: kept, with a timer at settled_at + grace; none by then → ORPHAN. Further
 *       sale lines for the payment wait with it (a split seen first) and are decided when the
 *       payment comes as if they had come after it; at the grace end they are duplicates.
 *   <li>Both: {@link SettlementMatchRules} decide; a match goes to the main output, a mismatch to
 *       {@link #ALERTS}.
 *   <li>The same event_id again is a redelivery and is ignored; a different settlement for a
 *       settled payment is a DUPLICATE_SETTLEMENT.
 *   <li>A settlement after the payment's OVERDUE alert: RESOLVED (naming the overdue alert), then
 *       the match or mismatch as usual.
 *   <li>Refunds pair under the key {@code refund:<payment id>} (ledger REFUNDED event × REFUND
 *       line); a CHARGEBACK or REVERSAL line is keyed on itself and raises CHARGEBACK at once.
 *   <li>A ledger cancellation (payments.cancelled) ends the wait: no OVERDUE for a payment that
 *       will never settle (RESOLVED when the alert already went out); a line for a cancelled
 *       payment, before or after the cancellation, is an AMOUNT_MISMATCH against the 0 expected.
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

  /**
   * Further sale lines kept per payment while its ledger event has not arrived (a processor's split
   * seen before the payment); past this a further line is a duplicate at once.
   */
  public static final int MAX_WAITING_LINES = 64;

  /** Ledger refunds and refund lines remembered per payment for redelivery detection. */
  public static final int MAX_REMEMBERED_REFUND_EVENTS = 256;

  /** Flink metric names (bridged to /metrics by {@link ReconMetricsReporter}). */
  public static final String MATCHES_METRIC = "reconMatches";

  /** A counter per {@link AlertKind}, in a {@code kind} group. */
  public static final String MISMATCHES_METRIC = "reconMismatches";

  /**
   * Milliseconds from the triggering record's arrival in Kafka to the alert's emission, for alerts
   * a record triggers (not timer alerts: overdue, orphan).
   */
  public static final String ALERT_LATENCY_METRIC = "reconAlertLatencyMs";

  /** The latency histogram keeps the last this many alerts per subtask. */
  public static final int ALERT_LATENCY_WINDOW = 10_000;

  public static final KeySelector<LedgerPayment, String> PAYMENT_KEY = new PaymentKey();
  public static final KeySelector<Settlement, String> SETTLEMENT_KEY = new SettlementKey();

  private final MatcherSettings settings;
  private final SettlementMatchRules rules;

  private transient ValueState<LedgerPayment> payment;
  private transient ValueState<Settlement> settlement;
  private transient ValueState<ReconDecision> decision;
  private transient MapState<String, Boolean> duplicateEventIds;
  private transient MapState<String, Settlement> furtherLines;
  private transient MapState<String, LedgerPayment> openRefunds;
  private transient MapState<String, Settlement> openRefundLines;
  private transient MapState<String, Long> overdueRefundDropAt;
  private transient ValueState<RefundTally> refundTally;
  private transient Counter matches;
  private transient Map<AlertKind, Counter> mismatches;
  private transient Histogram alertLatencyMs;

  /** Kafka arrival of the record being processed; 0 while a timer fires. */
  private transient long triggerArrivalMs;

  public PaymentSettlementMatcher(MatcherSettings settings) {
    this.settings = settings;
    this.rules = new SettlementMatchRules(settings.rules());
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
    furtherLines =
        getRuntimeContext()
            .getMapState(
                new MapStateDescriptor<>(
                    "waiting-further-lines", Types.STRING, TypeInformation.of(Settlement.class)));
    openRefunds =
        getRuntimeContext()
            .getMapState(
                new MapStateDescriptor<>(
                    "open-refunds", Types.STRING, TypeInformation.of(LedgerPayment.class)));
    openRefundLines =
        getRuntimeContext()
            .getMapState(
                new MapStateDescriptor<>(
                    "open-refund-lines", Types.STRING, TypeInformation.of(Settlement.class)));
    overdueRefundDropAt =
        getRuntimeContext()
            .getMapState(
                new MapStateDescriptor<>("overdue-refund-drop-at", Types.STRING, Types.LONG));
    refundTally =
        getRuntimeContext().getState(new ValueStateDescriptor<>("refund-tally", RefundTally.class));
    MetricGroup metrics = getRuntimeContext().getMetricGroup();
    matches = metrics.counter(MATCHES_METRIC);
    mismatches = new EnumMap<>(AlertKind.class);
    for (AlertKind kind : AlertKind.values()) {
      mismatches.put(kind, metrics.addGroup("kind", kind.name()).counter(MISMATCHES_METRIC));
    }
    alertLatencyMs =
        metrics.histogram(
            ALERT_LATENCY_METRIC, new DescriptiveStatisticsHistogram(ALERT_LATENCY_WINDOW));
  }

  private void matched(Collector<PaymentMatch> out, PaymentMatch m) {
    matches.inc();
    out.collect(m);
  }

  private void alert(Context ctx, ReconAlert a) {
    mismatches.get(a.kind).inc();
    if (triggerArrivalMs > 0) {
      alertLatencyMs.update(
          Math.max(0, ctx.timerService().currentProcessingTime() - triggerArrivalMs));
    }
    ctx.output(ALERTS, a);
  }

  @Override
  public void processElement1(LedgerPayment p, Context ctx, Collector<PaymentMatch> out)
      throws Exception {
    triggerArrivalMs = p.arrivedAtMs;
    if (isRefundKey(ctx.getCurrentKey())) {
      ledgerRefund(p, ctx, out);
      return;
    }
    if (p.isCancellation()) {
      cancelled(p, ctx);
      return;
    }
    ReconDecision d = decision.value();
    if (d != null && d.isFinal()) {
      return; // a late CDC redelivery (or a later event) of a payment already decided
    }
    if (payment.value() != null) {
      return; // same event_id redelivered, or another event for the payment: the first one counts
    }
    if (settlement.value() != null) {
      decideWaiting(p, ctx, out);
      return;
    }
    payment.update(p);
    ctx.timerService().registerEventTimeTimer(deadlineAt(p));
  }

  @Override
  public void processElement2(Settlement s, Context ctx, Collector<PaymentMatch> out)
      throws Exception {
    triggerArrivalMs = s.arrivedAtMs;
    if (isRefundKey(ctx.getCurrentKey())) {
      refundLine(s, ctx, out);
      return;
    }
    ReconDecision d = decision.value();
    if (s.isChargeback()) {
      // Keyed on the line itself: the marker only recognises a re-import of the same line.
      if (d == null) {
        alert(ctx, ReconFindings.chargeback(s));
        ReconDecision done = new ReconDecision();
        done.outcome = AlertKind.CHARGEBACK.name();
        done.merchantId = s.merchantId;
        done.settlementEventId = s.eventId;
        done.settlementId = s.settlementId;
        done.source = s.source;
        markDecided(done, Math.max(s.settledAtMs, ctx.timerService().currentWatermark()), ctx);
      }
      return;
    }
    if (d != null && d.isFinal()) {
      afterDecision(d, s, ctx, out);
      return;
    }
    Settlement known = settlement.value();
    if (known != null) {
      if (!isRepeat(s, known.eventId) && !furtherLines.contains(s.eventId)) {
        if (d == null // not after the first line's orphan alert: then a duplicate, as before
            && "PAYMENT".equals(s.recordType)
            && "PAYMENT".equals(known.recordType)
            && size(furtherLines) < MAX_WAITING_LINES) {
          // Possibly a split seen before its payment: kept, decided with the first when the
          // payment arrives (or when the orphan grace ends), as if they had come after it.
          furtherLines.put(s.eventId, s);
          ctx.timerService().registerEventTimeTimer(orphanAt(s));
          return;
        }
        LedgerPayment p = payment.value();
        alert(
            ctx,
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
    triggerArrivalMs = 0;
    if (isRefundKey(ctx.getCurrentKey())) {
      refundTimer(timestamp, ctx, out);
      return;
    }
    ReconDecision d = decision.value();
    if (d != null) {
      if (timestamp >= d.cleanupAtMs) {
        clearAll();
      }
      return;
    }
    LedgerPayment p = payment.value();
    if (p != null) {
      long due = deadlineAt(p);
      if (timestamp < due) {
        // The SLA grew since this timer was set (new rules after a restore): wait for the new one.
        ctx.timerService().registerEventTimeTimer(due);
        return;
      }
      ReconRules.Overdue overdue = settings.rules().overdue();
      alert(
          ctx,
          ReconFindings.overdue(
              p,
              overdue.slaMsFor(p.merchantId),
              overdue.processorFor(p.merchantId),
              overdue.rule(),
              timestamp));
      // The payment stays until cleanup so a late settlement can still be matched against it.
      ReconDecision open = new ReconDecision();
      open.outcome = AlertKind.OVERDUE_PAYMENT.name();
      open.paymentEventId = p.eventId;
      open.merchantId = p.merchantId;
      open.expectedAmountMinor = p.amountMinor;
      markDecided(open, timestamp, ctx);
      return;
    }
    if (settlement.value() != null) {
      List<Settlement> lines = waitingLines();
      Settlement s = lines.get(0);
      long due = orphanAt(s);
      if (timestamp < due) {
        ctx.timerService().registerEventTimeTimer(due); // the grace grew since (see above)
        return;
      }
      alert(ctx, ReconFindings.orphan(s, settings.orphanGraceMs(), timestamp));
      // Further lines waiting with it: duplicates of the first, as they were before they waited.
      for (Settlement other : lines.subList(1, lines.size())) {
        ctx.timerService().deleteEventTimeTimer(orphanAt(other));
        alert(
            ctx,
            ReconFindings.duplicate(
                ctx.getCurrentKey(), s.merchantId, null, s.source, s.settlementId, other));
        remember(other);
      }
      furtherLines.clear();
      settlement.update(s); // kept so a late payment is still matched against it
      ReconDecision open = new ReconDecision();
      open.outcome = AlertKind.ORPHAN_SETTLEMENT.name();
      open.merchantId = s.merchantId;
      open.settlementEventId = s.eventId;
      open.settlementId = s.settlementId;
      open.source = s.source;
      markDecided(open, timestamp, ctx);
    }
  }

  /** The lines waiting for the payment, the first one first: by settled_at, then event id. */
  private List<Settlement> waitingLines() throws Exception {
    List<Settlement> lines = new ArrayList<>();
    Settlement first = settlement.value();
    if (first != null) {
      lines.add(first);
    }
    furtherLines.values().forEach(lines::add);
    lines.sort(
        Comparator.comparingLong((Settlement l) -> l.settledAtMs).thenComparing(l -> l.eventId));
    return lines;
  }

  /**
   * The payment arrives after its line(s): the first line is decided against it, then each further
   * line as if it had arrived after the decision (a split's part or a duplicate).
   */
  private void decideWaiting(LedgerPayment p, Context ctx, Collector<PaymentMatch> out)
      throws Exception {
    List<Settlement> lines = waitingLines();
    for (Settlement l : lines) {
      ctx.timerService().deleteEventTimeTimer(orphanAt(l));
    }
    furtherLines.clear();
    decide(p, lines.get(0), ctx, out);
    for (Settlement l : lines.subList(1, lines.size())) {
      afterDecision(decision.value(), l, ctx, out);
    }
  }

  /** A line for a payment already decided: a further part of a split, or a duplicate. */
  private void afterDecision(
      ReconDecision d, Settlement s, Context ctx, Collector<PaymentMatch> out) throws Exception {
    if (isRepeat(s, d.settlementEventId)) {
      return;
    }
    if (ReconDecision.CANCELLED.equals(d.outcome)) {
      alert(
          ctx,
          ReconFindings.settledThoughCancelled(
              ctx.getCurrentKey(), d.merchantId, d.expectedAmountMinor, d.cancelledAtMs, s));
      remember(s);
      return;
    }
    if (continuesSplit(d, s)) {
      remember(s);
      addToSplit(d, s, ctx, out);
      return;
    }
    alert(
        ctx,
        ReconFindings.duplicate(
            ctx.getCurrentKey(), d.merchantId, d.expectedAmountMinor, d.source, d.settlementId, s));
    remember(s);
  }

  /**
   * The ledger cancelled the payment (possible only while nothing is captured): its authorization
   * is released and nothing will settle. A payment waiting for its settlement stops waiting (after
   * its overdue alert: RESOLVED); lines already waiting, or arriving later, settle money for a
   * cancelled payment (AMOUNT_MISMATCH, also after their orphan alert); a cancellation after the
   * payment was settled is one too. The marker then stays for the retention, so a late
   * authorization is ignored and a late line still alerts.
   */
  private void cancelled(LedgerPayment c, Context ctx) throws Exception {
    ReconDecision d = decision.value();
    if (d != null && d.cancelEventId != null) {
      return; // a CDC redelivery
    }
    String key = ctx.getCurrentKey();
    if (d != null && d.isFinal()) {
      alert(ctx, ReconFindings.cancelledAfterSettlement(key, d, c));
      d.cancelEventId = c.eventId;
      d.cancelledAtMs = c.occurredAtMs;
      decision.update(d);
      return;
    }
    ReconDecision done = new ReconDecision();
    done.outcome = ReconDecision.CANCELLED;
    done.merchantId = c.merchantId;
    done.expectedAmountMinor = c.amountMinor;
    done.cancelEventId = c.eventId;
    done.cancelledAtMs = c.occurredAtMs;
    LedgerPayment p = payment.value();
    if (p != null) {
      ctx.timerService().deleteEventTimeTimer(deadlineAt(p));
      if (d != null) { // its overdue alert went out
        alert(ctx, ReconFindings.cancellationResolves(p, c, deadlineAt(p)));
      }
      done.paymentEventId = p.eventId;
      done.expectedAmountMinor = p.amountMinor;
      payment.clear();
    }
    if (settlement.value() != null) {
      List<Settlement> lines = waitingLines();
      for (Settlement l : lines) {
        if (d == null) { // else the first line's orphan alert went out, its timer with it
          ctx.timerService().deleteEventTimeTimer(orphanAt(l));
        }
        alert(
            ctx, ReconFindings.settledThoughCancelled(key, c.merchantId, null, c.occurredAtMs, l));
        remember(l);
      }
      Settlement first = lines.get(0);
      done.settlementEventId = first.eventId;
      done.settlementId = first.settlementId;
      done.source = first.source;
      settlement.clear();
      furtherLines.clear();
    }
    if (d != null) {
      ctx.timerService().deleteEventTimeTimer(d.cleanupAtMs);
    }
    markDecided(done, Math.max(c.occurredAtMs, ctx.timerService().currentWatermark()), ctx);
  }

  private static int size(MapState<String, ?> map) throws Exception {
    int n = 0;
    for (String ignored : map.keys()) {
      n++;
    }
    return n;
  }

  private void decide(LedgerPayment p, Settlement s, Context ctx, Collector<PaymentMatch> out)
      throws Exception {
    SettlementMatchRules.Verdict verdict = rules.compare(p, s);
    // The later of the two event times is when the outcome became certain; replays agree on it.
    long atMs = Math.max(p.occurredAtMs, s.settledAtMs);
    ReconDecision d = decision.value();
    if (d != null && AlertKind.OVERDUE_PAYMENT.name().equals(d.outcome)) {
      alert(
          ctx,
          ReconFindings.resolved(p, s, deadlineAt(p), settings.rules().overdue().rule(), atMs));
    }
    if (verdict.isMatch()) {
      matched(out, ReconFindings.match(p, s, verdict, atMs));
    } else {
      alert(ctx, ReconFindings.mismatch(p, s, verdict, atMs));
    }
    ctx.timerService().deleteEventTimeTimer(deadlineAt(p));
    ctx.timerService().deleteEventTimeTimer(orphanAt(s));
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
    if (verdict.outcome() == SettlementMatchRules.Outcome.AMOUNT_MISMATCH
        && !p.isRefund()
        && s.currency != null
        && s.currency.equalsIgnoreCase(p.currency)
        && s.grossAmountMinor > 0
        && s.grossAmountMinor < p.amountMinor) {
      // Short: a processor may have split the payment; further lines can still complete it.
      done.splitGrossMinor = s.grossAmountMinor;
      done.splitFeeMinor = s.feeAmountMinor;
      done.splitCurrency = p.currency;
    }
    markDecided(done, Math.max(atMs, ctx.timerService().currentWatermark()), ctx);
  }

  /** Whether {@code s} can be a further part of a split the decision is waiting on. */
  private boolean continuesSplit(ReconDecision d, Settlement s) {
    if (d.splitGrossMinor == null
        || d.expectedAmountMinor == null
        || !"PAYMENT".equals(s.recordType)
        || !d.splitCurrency.equalsIgnoreCase(s.currency)
        || s.grossAmountMinor <= 0) {
      return false;
    }
    long allowed = settings.rules().amount().allowedMinor(d.expectedAmountMinor);
    long sum = EventTimes.saturatingAdd(d.splitGrossMinor, s.grossAmountMinor);
    return sum <= EventTimes.saturatingAdd(d.expectedAmountMinor, allowed);
  }

  /** Counts a further line of a split; once the lines sum to the amount, match and resolve. */
  private void addToSplit(ReconDecision d, Settlement s, Context ctx, Collector<PaymentMatch> out)
      throws Exception {
    long allowed = settings.rules().amount().allowedMinor(d.expectedAmountMinor);
    long sum = d.splitGrossMinor + s.grossAmountMinor; // bounded by continuesSplit
    d.splitGrossMinor = sum;
    d.splitFeeMinor = EventTimes.saturatingAdd(d.splitFeeMinor, s.feeAmountMinor);
    d.settlementId = d.settlementId + "+" + s.settlementId;
    if (Math.abs(sum - d.expectedAmountMinor) <= allowed) {
      String key = ctx.getCurrentKey();
      matched(out, ReconFindings.splitMatch(key, d, s, allowed));
      alert(ctx, ReconFindings.splitResolved(key, d, s, allowed));
      d.outcome = SettlementMatchRules.Outcome.MATCH.name();
      d.splitGrossMinor = null;
      d.splitFeeMinor = null;
      d.splitCurrency = null;
    }
    decision.update(d);
  }

  private void markDecided(ReconDecision d, long fromMs, Context ctx) throws Exception {
    d.cleanupAtMs = EventTimes.saturatingAdd(fromMs, settings.decidedRetentionMs());
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
    furtherLines.clear();
    openRefunds.clear();
    openRefundLines.clear();
    overdueRefundDropAt.clear();
    refundTally.clear();
  }

  // ---- Refunds: under refund:<payment id>, each ledger refund pairs with one refund line. ----

  private static boolean isRefundKey(String key) {
    return key.startsWith(LedgerPayment.REFUND_KEY_PREFIX);
  }

  /**
   * A ledger refund: pairs at once with a waiting refund line the rules match; else waits for one
   * until its SLA (then, at the timer, with any waiting line as a mismatch, or OVERDUE_PAYMENT).
   */
  private void ledgerRefund(LedgerPayment r, Context ctx, Collector<PaymentMatch> out)
      throws Exception {
    if (duplicateEventIds.contains(r.eventId) || openRefunds.contains(r.eventId)) {
      return; // a CDC redelivery
    }
    Settlement partner = null;
    for (Settlement l : openRefundLines.values()) {
      if (rules.compare(r, l).isMatch() && (partner == null || earlier(l, partner))) {
        partner = l;
      }
    }
    if (partner != null) {
      long atMs = Math.max(r.occurredAtMs, partner.settledAtMs);
      pairRefund(r, partner, atMs, Math.max(atMs, ctx.timerService().currentWatermark()), ctx, out);
      return;
    }
    openRefunds.put(r.eventId, r);
    ctx.timerService().registerEventTimeTimer(deadlineAt(r));
  }

  /**
   * A refund line: pairs at once with a waiting (or overdue) ledger refund the rules match; else
   * waits until its orphan grace ends (then, at the timer, with any waiting ledger refund as a
   * mismatch; or, when every ledger refund is paired already, it goes beyond what the ledger
   * refunded: DUPLICATE_SETTLEMENT; or ORPHAN_SETTLEMENT when the ledger refunded nothing).
   */
  private void refundLine(Settlement l, Context ctx, Collector<PaymentMatch> out) throws Exception {
    if (duplicateEventIds.contains(l.eventId) || openRefundLines.contains(l.eventId)) {
      return; // a re-import
    }
    LedgerPayment partner = null;
    for (LedgerPayment r : openRefunds.values()) {
      if (rules.compare(r, l).isMatch() && (partner == null || earlier(r, partner))) {
        partner = r;
      }
    }
    if (partner != null) {
      long atMs = Math.max(partner.occurredAtMs, l.settledAtMs);
      pairRefund(partner, l, atMs, Math.max(atMs, ctx.timerService().currentWatermark()), ctx, out);
      return;
    }
    openRefundLines.put(l.eventId, l);
    ctx.timerService().registerEventTimeTimer(orphanAt(l));
  }

  private void refundTimer(long timestamp, OnTimerContext ctx, Collector<PaymentMatch> out)
      throws Exception {
    // Due ledger refunds first, then due lines, each in event-time order: a replay agrees.
    for (LedgerPayment r : sortedRefunds()) {
      if (overdueRefundDropAt.contains(r.eventId)) {
        if (overdueRefundDropAt.get(r.eventId) <= timestamp) {
          openRefunds.remove(r.eventId); // overdue long ago and no line came: let it go
          overdueRefundDropAt.remove(r.eventId);
        }
        continue;
      }
      long due = deadlineAt(r);
      if (due > timestamp) {
        continue;
      }
      Settlement oldest = oldestOpenLine();
      if (oldest != null) {
        pairRefund(r, oldest, due, due, ctx, out);
        continue;
      }
      ReconRules.Overdue overdue = settings.rules().overdue();
      alert(
          ctx,
          ReconFindings.overdue(
              r,
              overdue.slaMsFor(r.merchantId),
              overdue.processorFor(r.merchantId),
              overdue.rule(),
              due));
      // Kept so a late line still pairs (RESOLVED first), until the decided retention ends.
      long dropAt = EventTimes.saturatingAdd(due, settings.decidedRetentionMs());
      overdueRefundDropAt.put(r.eventId, dropAt);
      ctx.timerService().registerEventTimeTimer(dropAt);
    }
    for (Settlement l : sortedLines()) {
      long due = orphanAt(l);
      if (due > timestamp) {
        continue;
      }
      LedgerPayment oldest = oldestOpenRefund();
      if (oldest != null) {
        pairRefund(oldest, l, due, due, ctx, out);
        continue;
      }
      openRefundLines.remove(l.eventId);
      rememberRefundEvent(l.eventId);
      RefundTally tally = refundTally.value();
      if (tally != null && tally.pairedRefunds > 0) {
        alert(ctx, ReconFindings.excessRefund(ctx.getCurrentKey(), tally, l, due));
      } else {
        alert(ctx, ReconFindings.orphan(l, settings.orphanGraceMs(), due));
      }
      extendRefundCleanup(due, ctx, l.merchantId);
    }
    RefundTally tally = refundTally.value();
    if (openRefunds.isEmpty()
        && openRefundLines.isEmpty()
        && (tally == null || timestamp >= tally.cleanupAtMs)) {
      clearAll();
    }
  }

  /**
   * Decides one ledger refund against one refund line (both leave the waiting lists).
   *
   * @param cleanupFromMs the event time the key's retention counts from (a timer's own time, so a
   *     replay agrees)
   */
  private void pairRefund(
      LedgerPayment r,
      Settlement l,
      long atMs,
      long cleanupFromMs,
      Context ctx,
      Collector<PaymentMatch> out)
      throws Exception {
    if (overdueRefundDropAt.contains(r.eventId)) {
      alert(
          ctx,
          ReconFindings.resolved(r, l, deadlineAt(r), settings.rules().overdue().rule(), atMs));
      overdueRefundDropAt.remove(r.eventId);
    }
    SettlementMatchRules.Verdict verdict = rules.compare(r, l);
    if (verdict.isMatch()) {
      matched(out, ReconFindings.match(r, l, verdict, atMs));
    } else {
      alert(ctx, ReconFindings.mismatch(r, l, verdict, atMs));
    }
    openRefunds.remove(r.eventId);
    openRefundLines.remove(l.eventId);
    rememberRefundEvent(r.eventId);
    rememberRefundEvent(l.eventId);
    RefundTally tally = refundTally.value();
    if (tally == null) {
      tally = new RefundTally();
    }
    tally.pairedRefunds++;
    tally.pairedRefundedMinor = EventTimes.saturatingAdd(tally.pairedRefundedMinor, r.amountMinor);
    tally.merchantId = r.merchantId;
    refundTally.update(tally);
    extendRefundCleanup(cleanupFromMs, ctx, r.merchantId);
  }

  private void extendRefundCleanup(long fromMs, Context ctx, String merchantId) throws Exception {
    RefundTally tally = refundTally.value();
    if (tally == null) {
      tally = new RefundTally();
      tally.merchantId = merchantId;
    }
    long at = EventTimes.saturatingAdd(fromMs, settings.decidedRetentionMs());
    if (at > tally.cleanupAtMs) {
      tally.cleanupAtMs = at;
      ctx.timerService().registerEventTimeTimer(at);
    }
    refundTally.update(tally);
  }

  private void rememberRefundEvent(String eventId) throws Exception {
    int size = 0;
    for (String ignored : duplicateEventIds.keys()) {
      size++;
    }
    // Past the cap a redelivered refund event waits and is decided again (same alert ids).
    if (size < MAX_REMEMBERED_REFUND_EVENTS) {
      duplicateEventIds.put(eventId, Boolean.TRUE);
    }
  }

  private java.util.List<LedgerPayment> sortedRefunds() throws Exception {
    java.util.List<LedgerPayment> list = new java.util.ArrayList<>();
    openRefunds.values().forEach(list::add);
    list.sort(
        java.util.Comparator.<LedgerPayment>comparingLong(r -> r.occurredAtMs)
            .thenComparing(r -> r.eventId));
    return list;
  }

  private java.util.List<Settlement> sortedLines() throws Exception {
    java.util.List<Settlement> list = new java.util.ArrayList<>();
    openRefundLines.values().forEach(list::add);
    list.sort(
        java.util.Comparator.<Settlement>comparingLong(l -> l.settledAtMs)
            .thenComparing(l -> l.eventId));
    return list;
  }

  private LedgerPayment oldestOpenRefund() throws Exception {
    LedgerPayment oldest = null;
    for (LedgerPayment r : openRefunds.values()) {
      if (oldest == null || earlier(r, oldest)) {
        oldest = r;
      }
    }
    return oldest;
  }

  private Settlement oldestOpenLine() throws Exception {
    Settlement oldest = null;
    for (Settlement l : openRefundLines.values()) {
      if (oldest == null || earlier(l, oldest)) {
        oldest = l;
      }
    }
    return oldest;
  }

  private static boolean earlier(LedgerPayment a, LedgerPayment b) {
    return a.occurredAtMs < b.occurredAtMs
        || (a.occurredAtMs == b.occurredAtMs && a.eventId.compareTo(b.eventId) < 0);
  }

  private static boolean earlier(Settlement a, Settlement b) {
    return a.settledAtMs < b.settledAtMs
        || (a.settledAtMs == b.settledAtMs && a.eventId.compareTo(b.eventId) < 0);
  }

  private long deadlineAt(LedgerPayment p) {
    return EventTimes.saturatingAdd(
        p.occurredAtMs, settings.rules().overdue().slaMsFor(p.merchantId));
  }

  private long orphanAt(Settlement s) {
    return EventTimes.saturatingAdd(s.settledAtMs, settings.orphanGraceMs());
  }

  /** Keys payments by payment id (refunds by the payment's refund key). */
  static final class PaymentKey implements KeySelector<LedgerPayment, String> {
    @Override
    public String getKey(LedgerPayment p) {
      return p.matchKey();
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
