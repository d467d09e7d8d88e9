package io.settleflow.reconcile;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * A backtest replay: recorded payments and settlement lines through the job's own keyed operators
 * ({@link PaymentSettlementMatcher}, via {@link MergedInputMatcherFunction}, and {@link
 * PayoutBatchFunction}) on a local Flink environment of parallelism 1, routed as {@link
 * ReconcileJob} routes them.
 *
 * <p>Deterministic: one source emits the recording in event-time order (ties in recorded order),
 * each record followed by its watermark (the highest event time so far minus the job's
 * out-of-orderness bound), and each operator has one input channel. So every operator sees the same
 * records, watermarks and timers in the same order on every run; outputs are then sorted by {@link
 * BacktestOutcome#ORDER}. The live job's two sources can interleave differently (a line near its
 * payment's deadline may be a plain match there and OVERDUE + RESOLVED here, or the reverse): the
 * replay shows what the rules decide for the recorded order of events.
 */
public final class ReconBacktestJob {
  /** Told how far a replay is: {@code done} of {@code total} recorded events. */
  public interface Progress {
    Progress NONE = (done, total) -> {};

    void replayed(long done, long total);
  }

  /** Replayed-record counters of running replays (the local cluster runs in this JVM). */
  private static final Map<String, AtomicLong> REPLAYED = new ConcurrentHashMap<>();

  private ReconBacktestJob() {}

  /** One rule set to replay under. */
  public record Variant(String rulesName, MatcherSettings settings) {}

  /**
   * Replays {@code ordered} (see {@link ReplayEvent#inEventTimeOrder}) once per variant, all in one
   * job (each variant has its own operators, fed the same records and watermarks). Outcomes decided
   * after the last recorded event time (timers the end of the input would fire: overdue payments
   * and orphan lines whose time had not come) are left out and counted.
   *
   * @return one run per variant, in the variants' order
   */
  public static List<ReconBacktestReport.Run> run(
      List<ReplayEvent> ordered, List<Variant> variants, Duration outOfOrderness, Progress progress)
      throws Exception {
    List<List<BacktestOutcome>> outcomes = new ArrayList<>();
    variants.forEach(v -> outcomes.add(new ArrayList<>()));
    if (!ordered.isEmpty()) {
      Configuration conf = new Configuration();
      conf.set(PipelineOptions.GENERIC_TYPES, false);
      StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, conf);
      String runId = UUID.randomUUID().toString();
      AtomicLong replayed = new AtomicLong();
      REPLAYED.put(runId, replayed);
      ScheduledExecutorService ticker =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "recon-backtest-progress");
                t.setDaemon(true);
                return t;
              });
      try {
        ScheduledFuture<?> ticks =
            ticker.scheduleAtFixedRate(
                () -> progress.replayed(replayed.get(), ordered.size()),
                0,
                250,
                TimeUnit.MILLISECONDS);
        DataStream<BacktestOutcome> all =
            build(env, ordered, variants, outOfOrderness.toMillis(), runId);
        try (CloseableIterator<BacktestOutcome> it = all.executeAndCollect("recon-backtest")) {
          it.forEachRemaining(o -> outcomes.get(o.variant).add(o));
        }
        ticks.cancel(false);
      } finally {
        ticker.shutdownNow();
        ticker.awaitTermination(5, TimeUnit.SECONDS);
        REPLAYED.remove(runId);
      }
    }
    progress.replayed(ordered.size(), ordered.size());
    long lastMs = ordered.stream().mapToLong(ReplayEvent::eventTimeMs).max().orElse(0);
    List<ReconBacktestReport.Run> runs = new ArrayList<>();
    for (int i = 0; i < variants.size(); i++) {
      List<BacktestOutcome> decided = new ArrayList<>();
      long undecided = 0;
      for (BacktestOutcome o : outcomes.get(i)) {
        if (o.atMs > lastMs) {
          undecided++;
        } else {
          decided.add(o);
        }
      }
      decided.sort(BacktestOutcome.ORDER);
      runs.add(new ReconBacktestReport.Run(variants.get(i).rulesName(), decided, undecided));
    }
    return runs;
  }

  private static DataStream<BacktestOutcome> build(
      StreamExecutionEnvironment env,
      List<ReplayEvent> ordered,
      List<Variant> variants,
      long outOfOrdernessMs,
      String runId) {
    DataStream<ReplayEvent> in =
        env.fromData(ordered, TypeInformation.of(ReplayEvent.class))
            .name("recorded-input")
            .assignTimestampsAndWatermarks(
                WatermarkStrategy.<ReplayEvent>forGenerator(
                        c -> new PerRecordWatermarks(outOfOrdernessMs))
                    .withTimestampAssigner((e, ts) -> e.eventTimeMs()))
            .name("event-time")
            .map(new CountReplayed(runId))
            .name("count-replayed");
    DataStream<ReplayEvent> perPayment =
        in.filter(e -> e.payment != null || e.line.isMatchedPerPayment())
            .name("reconciled-lines-only");
    DataStream<Settlement> lines =
        in.filter(e -> e.line != null)
            .name("lines-only")
            .map(e -> e.line, TypeInformation.of(Settlement.class));
    DataStream<Settlement> batchLines =
        in.filter(e -> e.line != null && e.line.hasBatch())
            .name("batch-lines-only")
            .map(e -> e.line, TypeInformation.of(Settlement.class));
    DataStream<BacktestOutcome> all = null;
    for (int i = 0; i < variants.size(); i++) {
      DataStream<BacktestOutcome> one =
          operators(perPayment, batchLines, lines, variants.get(i), i);
      all = all == null ? one : all.union(one);
    }
    return all;
  }

  /** The job's two keyed operators under one variant's rules, routed as ReconcileJob routes. */
  private static DataStream<BacktestOutcome> operators(
      DataStream<ReplayEvent> perPayment,
      DataStream<Settlement> batchLines,
      DataStream<Settlement> lines,
      Variant variant,
      int index) {
    TypeInformation<BacktestOutcome> outcome = TypeInformation.of(BacktestOutcome.class);
    MatcherSettings settings = variant.settings();
    SingleOutputStreamOperator<PaymentMatch> matched =
        perPayment
            .filter(e -> e.payment != null || !PayoutWindowFunction.takes(settings, e.line))
            .name("not-window-payouts-" + index)
            .keyBy(MergedInputMatcherFunction::key, Types.STRING)
            .process(
                new MergedInputMatcherFunction(new PaymentSettlementMatcher(variant.settings())),
                TypeInformation.of(PaymentMatch.class))
            .name("payment-settlement-matcher-" + index);
    SingleOutputStreamOperator<PaymentMatch> batches =
        batchLines
            .keyBy(PayoutBatchFunction.BATCH_KEY)
            .process(
                new PayoutBatchFunction(variant.settings()), TypeInformation.of(PaymentMatch.class))
            .name("payout-batch-matcher-" + index);
    SingleOutputStreamOperator<PaymentMatch> windows =
        ReconcileJob.payoutWindows(matched, lines, settings, "-" + index);
    return matched
        .map((PaymentMatch m) -> BacktestOutcome.of(m).in(index), outcome)
        .union(
            batches.map((PaymentMatch m) -> BacktestOutcome.of(m).in(index), outcome),
            windows.map((PaymentMatch m) -> BacktestOutcome.of(m).in(index), outcome),
            windows
                .getSideOutput(PayoutWindowFunction.ALERTS)
                .map((ReconAlert a) -> BacktestOutcome.of(a).in(index), outcome),
            matched
                .getSideOutput(PaymentSettlementMatcher.ALERTS)
                .map((ReconAlert a) -> BacktestOutcome.of(a).in(index), outcome),
            batches
                .getSideOutput(PayoutBatchFunction.ALERTS)
                .map((ReconAlert a) -> BacktestOutcome.of(a).in(index), outcome));
  }

  /** A watermark after every record: punctuated, so timers fire at the same records every run. */
  static final class PerRecordWatermarks implements WatermarkGenerator<ReplayEvent> {
    private final long outOfOrdernessMs;
    private long maxMs = Long.MIN_VALUE;

    PerRecordWatermarks(long outOfOrdernessMs) {
      this.outOfOrdernessMs = outOfOrdernessMs;
    }

    @Override
    public void onEvent(ReplayEvent e, long eventTimestamp, WatermarkOutput output) {
      if (eventTimestamp > maxMs) {
        maxMs = eventTimestamp;
        // as forBoundedOutOfOrderness computes it
        output.emitWatermark(new Watermark(maxMs - outOfOrdernessMs - 1));
      }
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
      // punctuated only: a periodic watermark would land between records by wall-clock time
    }
  }

  /** Counts replayed records for the progress bar. */
  static final class CountReplayed implements MapFunction<ReplayEvent, ReplayEvent> {
    private static final long serialVersionUID = 1L;
    private final String runId;

    CountReplayed(String runId) {
      this.runId = runId;
    }

    @Override
    public ReplayEvent map(ReplayEvent e) {
      AtomicLong n = REPLAYED.get(runId);
      if (n != null) {
        n.incrementAndGet();
      }
      return e;
    }
  }
}
