package io.settleflow.reconcile;

import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.Either;

/**
 * The reconciliation pipeline: payments and settlement lines in, matches and alerts out, and what
 * could not be decoded to the dead letters. Its sources and sinks are handed in, so tests run it
 * with finite sources and collecting sinks and {@link ReconcileMain} with Kafka. A source yields
 * either a dead letter (left) or a decoded record (right).
 */
public final class ReconcileJob {
  public static final Duration DEFAULT_OUT_OF_ORDERNESS = Duration.ofSeconds(2);
  public static final Duration DEFAULT_IDLENESS = Duration.ofSeconds(5);

  private final Source<Either<DeadLetter, LedgerPayment>, ?, ?> payments;
  private final Source<Either<DeadLetter, Settlement>, ?, ?> settlements;
  private final Sink<PaymentMatch> matches;
  private final Sink<ReconAlert> alerts;
  private final Sink<PaymentMatch> settled;
  private final Sink<DeadLetter> deadLetters;
  private final MatcherSettings settings;
  private final Duration outOfOrderness;
  private final Duration idleness;

  /** ledger.reconciliation, or null when results are only written to Kafka. */
  private final Sink<ReconciliationRow> table;

  public ReconcileJob(
      Source<Either<DeadLetter, LedgerPayment>, ?, ?> payments,
      Source<Either<DeadLetter, Settlement>, ?, ?> settlements,
      Sink<PaymentMatch> matches,
      Sink<ReconAlert> alerts,
      Sink<PaymentMatch> settled,
      Sink<DeadLetter> deadLetters,
      MatcherSettings settings,
      Duration outOfOrderness,
      Duration idleness) {
    this(
        payments,
        settlements,
        matches,
        alerts,
        settled,
        deadLetters,
        settings,
        outOfOrderness,
        idleness,
        null);
  }

  public ReconcileJob(
      Source<Either<DeadLetter, LedgerPayment>, ?, ?> payments,
      Source<Either<DeadLetter, Settlement>, ?, ?> settlements,
      Sink<PaymentMatch> matches,
      Sink<ReconAlert> alerts,
      Sink<PaymentMatch> settled,
      Sink<DeadLetter> deadLetters,
      MatcherSettings settings,
      Duration outOfOrderness,
      Duration idleness,
      Sink<ReconciliationRow> table) {
    this.payments = payments;
    this.settlements = settlements;
    this.matches = matches;
    this.alerts = alerts;
    this.settled = settled;
    this.deadLetters = deadLetters;
    this.settings = settings;
    this.outOfOrderness = outOfOrderness;
    this.idleness = idleness;
    this.table = table;
  }

  /**
   * The window matcher fed by the matcher's sale matches and the payout lines without a batch id
   * (none while {@code payout_windows} is off: the operator then holds nothing). Shared with {@link
   * ReconBacktestJob}, so the backtest replays the same routing.
   */
  static SingleOutputStreamOperator<PaymentMatch> payoutWindows(
      DataStream<PaymentMatch> matched,
      DataStream<Settlement> lines,
      MatcherSettings settings,
      String uidSuffix) {
    boolean enabled = settings.rules().windows().enabled();
    DataStream<WindowCandidate> settledPayments =
        matched
            .filter(m -> enabled && WindowCandidate.takes(m))
            .name("unpaid-sale-matches")
            .uid("unpaid-sale-matches" + uidSuffix)
            .map(WindowCandidate::of, TypeInformation.of(WindowCandidate.class))
            .name("window-candidates")
            .uid("window-candidates" + uidSuffix);
    DataStream<Settlement> payoutLines =
        lines
            .filter(s -> PayoutWindowFunction.takes(settings, s))
            .name("window-payout-lines")
            .uid("window-payout-lines" + uidSuffix);
    return settledPayments
        .connect(payoutLines)
        .keyBy(PayoutWindowFunction.CANDIDATE_KEY, PayoutWindowFunction.PAYOUT_KEY, Types.STRING)
        .process(new PayoutWindowFunction(settings), TypeInformation.of(PaymentMatch.class))
        .name("payout-window-matcher")
        .uid("payout-window-matcher" + uidSuffix);
  }

  /** Adds the pipeline to {@code env}; the caller executes it. */
  public void build(StreamExecutionEnvironment env) {
    // An idle topic (no settlement files today) must not hold every overdue timer back.
    WatermarkStrategy<Either<DeadLetter, LedgerPayment>> paymentTime =
        WatermarkStrategy.<Either<DeadLetter, LedgerPayment>>forBoundedOutOfOrderness(
                outOfOrderness)
            .withTimestampAssigner(
                (p, ts) -> DeadLetterSplitFunction.eventTime(p, x -> x.occurredAtMs))
            .withIdleness(idleness);
    WatermarkStrategy<Either<DeadLetter, Settlement>> settlementTime =
        WatermarkStrategy.<Either<DeadLetter, Settlement>>forBoundedOutOfOrderness(outOfOrderness)
            .withTimestampAssigner(
                (s, ts) -> DeadLetterSplitFunction.eventTime(s, x -> x.settledAtMs))
            .withIdleness(idleness);

    SingleOutputStreamOperator<LedgerPayment> paymentStream =
        env.fromSource(
                payments,
                paymentTime,
                "ledger-payments",
                DeadLetterSplitFunction.orDeadLetter(LedgerPayment.class))
            .uid("ledger-payments-source")
            .process(new DeadLetterSplitFunction<>(), TypeInformation.of(LedgerPayment.class))
            .name("decoded-payments")
            .uid("decoded-payments");
    SingleOutputStreamOperator<Settlement> lines =
        env.fromSource(
                settlements,
                settlementTime,
                "settlement-lines",
                DeadLetterSplitFunction.orDeadLetter(Settlement.class))
            .uid("settlement-lines-source")
            .process(new DeadLetterSplitFunction<>(), TypeInformation.of(Settlement.class))
            .name("decoded-lines")
            .uid("decoded-lines");
    paymentStream
        .getSideOutput(DeadLetterSplitFunction.DEAD_LETTERS)
        .union(lines.getSideOutput(DeadLetterSplitFunction.DEAD_LETTERS))
        .sinkTo(deadLetters)
        .name("recon-dlq")
        .uid("recon-dlq-sink");
    MatcherSettings rules = settings;
    DataStream<Settlement> settlementStream =
        lines
            // PAYMENT, REFUND, CHARGEBACK and REVERSAL lines; FEE and OTHER lines are not per
            // payment, a batch's payout line is decided by the batch matcher, and (when payout
            // windows are enabled) a payout line without a batch by the window matcher. The uid
            // predates refunds and stays, so old checkpoints still map.
            .filter(s -> s.isMatchedPerPayment() && !PayoutWindowFunction.takes(rules, s))
            .name("reconciled-lines-only")
            .uid("settling-lines-only");

    SingleOutputStreamOperator<PaymentMatch> matched =
        paymentStream
            .connect(settlementStream)
            .keyBy(
                PaymentSettlementMatcher.PAYMENT_KEY,
                PaymentSettlementMatcher.SETTLEMENT_KEY,
                Types.STRING)
            .process(new PaymentSettlementMatcher(settings), TypeInformation.of(PaymentMatch.class))
            .name("payment-settlement-matcher")
            .uid("payment-settlement-matcher");

    // One-to-many: a batch's payout line against the sum of its member lines.
    SingleOutputStreamOperator<PaymentMatch> batches =
        lines
            .filter(Settlement::hasBatch)
            .name("batch-lines-only")
            .uid("batch-lines-only")
            .keyBy(PayoutBatchFunction.BATCH_KEY)
            .process(new PayoutBatchFunction(settings), TypeInformation.of(PaymentMatch.class))
            .name("payout-batch-matcher")
            .uid("payout-batch-matcher");

    // One-to-many without a batch id: a payout line against the merchant's settled payments.
    SingleOutputStreamOperator<PaymentMatch> windows = payoutWindows(matched, lines, settings, "");

    DataStream<PaymentMatch> allMatches = matched.union(batches, windows);
    DataStream<ReconAlert> allAlerts =
        matched
            .getSideOutput(PaymentSettlementMatcher.ALERTS)
            .union(
                batches.getSideOutput(PayoutBatchFunction.ALERTS),
                windows.getSideOutput(PayoutWindowFunction.ALERTS));
    allMatches.sinkTo(matches).name("recon-matches").uid("recon-matches-sink");
    // payments.settled: one record per sale payment matched (a refund match settles no payment,
    // a batch match is about the payout, not a payment).
    matched
        .filter(m -> !m.refund && m.batchId == null)
        .name("sale-matches-only")
        .uid("sale-matches-only")
        .sinkTo(settled)
        .name("payments-settled")
        .uid("payments-settled-sink");
    allAlerts.sinkTo(alerts).name("recon-mismatches").uid("recon-mismatches-sink");
    if (table != null) {
      TypeInformation<ReconciliationRow> row = TypeInformation.of(ReconciliationRow.class);
      allMatches
          .map(m -> ReconciliationRow.of(m), row)
          .name("match-rows")
          .uid("match-rows")
          .union(
              allAlerts.map(a -> ReconciliationRow.of(a), row).name("alert-rows").uid("alert-rows"))
          .sinkTo(table)
          .name("reconciliation-table")
          .uid("reconciliation-table-sink");
    }
  }
}
