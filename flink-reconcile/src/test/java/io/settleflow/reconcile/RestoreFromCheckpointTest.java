package io.settleflow.reconcile;

import static io.settleflow.reconcile.Fixtures.payment;
import static io.settleflow.reconcile.Fixtures.settlement;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * A restore from a checkpoint produces identical output. A seeded workload with every kind of
 * result (matches, amount/currency mismatches, overdue + late settlement → RESOLVED, orphans,
 * duplicates, refunds, chargebacks, redeliveries, batches with their payouts) runs through both
 * keyed operators of the job (the payment matcher and the payout-batch matcher, routed as {@link
 * ReconcileJob} routes lines) once without interruption. Then, for several cut points, it runs up
 * to the cut, snapshots both operators (what a checkpoint holds), restores them into new operators
 * and runs the rest: the output emitted before the cut (what the exactly-once sinks committed)
 * followed by the restored run's output must equal the uninterrupted run's output, ids and
 * contents, in order.
 */
class RestoreFromCheckpointTest {
  static final MatcherSettings SETTINGS = new MatcherSettings(10_000, 3_000, 20_000, 0);
  static final long OUT_OF_ORDERNESS_MS = 1_000;
  static final int PAYMENTS = 300;
  static final ObjectMapper JSON = new ObjectMapper();

  /** One input step: a payment, a settlement line, or a watermark. */
  private record Step(LedgerPayment payment, Settlement line, Long watermark) {}

  @Test
  void restoreAtAnyCutRepeatsTheUninterruptedOutput() throws Exception {
    long seed = Long.getLong("restore.seed", 20261126L);
    List<Step> steps = workload(new Random(seed));
    List<String> uninterrupted = run(steps, -1);
    assertThat(uninterrupted)
        .as("seed %d", seed)
        .anyMatch(o -> o.contains("\"kind\":\"RESOLVED\""))
        .anyMatch(o -> o.contains("\"kind\":\"OVERDUE_PAYMENT\""))
        .anyMatch(o -> o.contains("\"kind\":\"ORPHAN_SETTLEMENT\""))
        .anyMatch(o -> o.contains("\"kind\":\"DUPLICATE_SETTLEMENT\""))
        .anyMatch(o -> o.contains("\"kind\":\"AMOUNT_MISMATCH\""))
        .anyMatch(o -> o.contains("\"kind\":\"CURRENCY_MISMATCH\""))
        .anyMatch(o -> o.contains("\"kind\":\"CHARGEBACK\""))
        .anyMatch(o -> o.contains("\"rule\":\"payout-batch-sum@1\""))
        .anyMatch(o -> o.contains("\"refund\":true"));

    Random cuts = new Random(seed);
    for (int i = 0; i < 8; i++) {
      int cut = 1 + cuts.nextInt(steps.size() - 1);
      assertThat(run(steps, cut)).as("seed %d, cut at step %d", seed, cut).isEqualTo(uninterrupted);
    }
  }

  /**
   * Runs every step and a final watermark; with {@code cut} ≥ 0, snapshots after that many steps
   * and continues on restored operators. Returns every output in emission order, as JSON.
   */
  private static List<String> run(List<Step> steps, int cut) throws Exception {
    List<String> out = new ArrayList<>();
    Operators ops = new Operators(null, null);
    for (int i = 0; i < steps.size(); i++) {
      if (i == cut) {
        OperatorSubtaskState matcherState = ops.matcher.snapshot(1L, i);
        OperatorSubtaskState batchState = ops.batches.snapshot(1L, i);
        ops.drainTo(out); // emitted before the checkpoint: committed with it
        ops.close();
        ops = new Operators(matcherState, batchState);
      }
      ops.process(steps.get(i));
    }
    ops.process(new Step(null, null, Long.MAX_VALUE));
    ops.drainTo(out);
    assertThat(ops.matcher.numKeyedStateEntries()).isZero();
    assertThat(ops.batches.numKeyedStateEntries()).isZero();
    ops.close();
    return out;
  }

  /** The job's two keyed operators, fed as ReconcileJob feeds them. */
  private static final class Operators {
    final KeyedTwoInputStreamOperatorTestHarness<String, LedgerPayment, Settlement, PaymentMatch>
        matcher;
    final KeyedOneInputStreamOperatorTestHarness<String, Settlement, PaymentMatch> batches;
    int matcherTaken;
    int matcherAlertsTaken;
    int batchesTaken;
    int batchAlertsTaken;

    Operators(OperatorSubtaskState matcherState, OperatorSubtaskState batchState) throws Exception {
      matcher =
          new KeyedTwoInputStreamOperatorTestHarness<>(
              new KeyedCoProcessOperator<>(new PaymentSettlementMatcher(SETTINGS)),
              PaymentSettlementMatcher.PAYMENT_KEY,
              PaymentSettlementMatcher.SETTLEMENT_KEY,
              Types.STRING);
      batches =
          new KeyedOneInputStreamOperatorTestHarness<>(
              new KeyedProcessOperator<>(new PayoutBatchFunction(SETTINGS)),
              PayoutBatchFunction.BATCH_KEY,
              Types.STRING);
      if (matcherState != null) {
        matcher.initializeState(matcherState);
        batches.initializeState(batchState);
      }
      matcher.open();
      batches.open();
    }

    void process(Step s) throws Exception {
      if (s.payment() != null) {
        matcher.processElement1(s.payment(), s.payment().occurredAtMs);
      } else if (s.line() != null) {
        Settlement line = s.line();
        if (line.isMatchedPerPayment()) {
          matcher.processElement2(line, line.settledAtMs);
        }
        if (line.hasBatch()) {
          batches.processElement(line, line.settledAtMs);
        }
      } else {
        matcher.processBothWatermarks(new Watermark(s.watermark()));
        batches.processWatermark(new Watermark(s.watermark()));
      }
      drainTo(null);
    }

    /** Moves new outputs (matches, then alerts, per operator) to {@code out}, in emission order. */
    private final List<String> pending = new ArrayList<>();

    void drainTo(List<String> out) throws Exception {
      List<PaymentMatch> m = matcher.extractOutputValues();
      for (int i = matcherTaken; i < m.size(); i++) {
        pending.add(JSON.writeValueAsString(m.get(i)));
      }
      matcherTaken = m.size();
      List<ReconAlert> a = alerts(matcher.getSideOutput(PaymentSettlementMatcher.ALERTS));
      for (int i = matcherAlertsTaken; i < a.size(); i++) {
        pending.add(JSON.writeValueAsString(a.get(i)));
      }
      matcherAlertsTaken = a.size();
      List<PaymentMatch> bm = batches.extractOutputValues();
      for (int i = batchesTaken; i < bm.size(); i++) {
        pending.add(JSON.writeValueAsString(bm.get(i)));
      }
      batchesTaken = bm.size();
      List<ReconAlert> ba = alerts(batches.getSideOutput(PayoutBatchFunction.ALERTS));
      for (int i = batchAlertsTaken; i < ba.size(); i++) {
        pending.add(JSON.writeValueAsString(ba.get(i)));
      }
      batchAlertsTaken = ba.size();
      if (out != null) {
        out.addAll(pending);
        pending.clear();
      }
    }

    void close() throws Exception {
      matcher.close();
      batches.close();
    }

    private static List<ReconAlert> alerts(Queue<StreamRecord<ReconAlert>> side) {
      return side == null ? List.of() : side.stream().map(StreamRecord::getValue).toList();
    }
  }

  /**
   * Payments and lines in arrival order (event time plus up to 800 ms of disorder, below the
   * watermark bound), a watermark after every 10 records.
   */
  static List<Step> workload(Random rnd) {
    record Arrival(long arrivalMs, int seq, LedgerPayment payment, Settlement line) {}
    List<Arrival> arrivals = new ArrayList<>();
    int[] seq = {0};
    java.util.function.BiConsumer<LedgerPayment, Settlement> add =
        (p, l) -> {
          long at = p != null ? p.occurredAtMs : l.settledAtMs;
          arrivals.add(new Arrival(at + rnd.nextInt(800), seq[0]++, p, l));
        };
    long t = 1_000_000;
    for (int i = 0; i < PAYMENTS; i++) {
      t += rnd.nextInt(300);
      String id = "pay-" + i;
      long amount = 100L + rnd.nextInt(100_000);
      add.accept(payment("pe-" + i, id, amount, "EUR", t), null);
      long settledAt = t + 500 + rnd.nextInt(4_000);
      switch (rnd.nextInt(12)) {
        case 0, 1, 2, 3 ->
            add.accept(null, settlement("se-" + i, "l-" + i, id, amount, "EUR", settledAt));
        case 4 ->
            add.accept(
                null,
                settlement(
                    "se-" + i, "l-" + i, id, amount + 1 + rnd.nextInt(50), "EUR", settledAt));
        case 5 -> add.accept(null, settlement("se-" + i, "l-" + i, id, amount, "USD", settledAt));
        case 6 -> {} // never settled: overdue
        case 7 ->
            add.accept(
                null,
                settlement("se-" + i, "l-" + i, id, amount, "EUR", t + 10_000 + 2_000)); // late
        case 8 -> {
          add.accept(null, settlement("se-" + i, "l-" + i, id, amount, "EUR", settledAt));
          add.accept(
              null, settlement("se-" + i + "b", "l-" + i + "b", id, amount, "EUR", settledAt + 50));
        }
        case 9 -> {
          add.accept(null, settlement("se-" + i, "l-" + i, id, amount, "EUR", settledAt));
          add.accept(Fixtures.refund("pr-" + i, id, amount / 2, "EUR", settledAt + 100), null);
          add.accept(
              null,
              Fixtures.line(
                  "REFUND", "sr-" + i, "lr-" + i, id, -(amount / 2), "EUR", settledAt + 300));
        }
        case 10 -> {
          add.accept(null, settlement("se-" + i, "l-" + i, id, amount, "EUR", settledAt));
          add.accept(
              null,
              Fixtures.line(
                  "CHARGEBACK", "sc-" + i, "lc-" + i, id, -amount, "EUR", settledAt + 200));
          add.accept(payment("pe-" + i, id, amount, "EUR", t), null); // CDC redelivery
        }
        default -> {
          // A batch of three: members settled one by one and paid out together (or short).
          String batch = "b-" + i;
          long net = 0;
          for (int k = 0; k < 3; k++) {
            String memberPayment = id + "-" + k;
            long memberAmount = 100L + rnd.nextInt(10_000);
            add.accept(payment("pe-" + i + "-" + k, memberPayment, memberAmount, "EUR", t), null);
            add.accept(
                null,
                Fixtures.member(
                    "sm-" + i + "-" + k, memberPayment, batch, memberAmount, 10, settledAt));
            net += memberAmount - 10;
          }
          add.accept(
              null,
              Fixtures.payout(
                  "sp-" + i, batch, rnd.nextBoolean() ? net : net - 1, settledAt + 100));
        }
      }
      if (i % 25 == 24) {
        add.accept(null, settlement("so-" + i, "lo-" + i, "unknown-" + i, 500, "EUR", t)); // orphan
      }
    }
    arrivals.sort(Comparator.comparingLong(Arrival::arrivalMs).thenComparingInt(Arrival::seq));
    List<Step> steps = new ArrayList<>();
    long maxSeen = Long.MIN_VALUE;
    for (int i = 0; i < arrivals.size(); i++) {
      Arrival a = arrivals.get(i);
      steps.add(new Step(a.payment(), a.line(), null));
      maxSeen =
          Math.max(maxSeen, a.payment() != null ? a.payment().occurredAtMs : a.line().settledAtMs);
      if (i % 10 == 9) {
        steps.add(new Step(null, null, maxSeen - OUT_OF_ORDERNESS_MS));
      }
    }
    return steps;
  }
}
