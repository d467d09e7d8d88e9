package io.settleflow.reconcile;

import static io.settleflow.reconcile.Fixtures.member;
import static io.settleflow.reconcile.Fixtures.payout;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Queue;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One-to-many: a payout line against its batch's member lines, driven by an operator harness. */
class PayoutBatchFunctionTest {
  static final long WAIT_MS = 2_000;
  static final long PAYOUT_SLA_MS = 10_000;
  static final long RETENTION_MS = 20_000;
  static final MatcherSettings SETTINGS =
      new MatcherSettings(
          3_000,
          RETENTION_MS,
          new ReconRules(
              "test",
              ReconRules.defaults().amount(),
              ReconRules.defaults().fees(),
              ReconRules.defaults().fx(),
              ReconRules.defaults().overdue(),
              new ReconRules.Batches(1, 0, WAIT_MS, PAYOUT_SLA_MS)));
  static final long AFTER_EVERYTHING_MS = 1_000_000;

  KeyedOneInputStreamOperatorTestHarness<String, Settlement, PaymentMatch> harness;

  @BeforeEach
  void open() throws Exception {
    harness = newHarness();
    harness.open();
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  @Test
  void aPayoutEqualToTheNetOfItsMembersSettlesThemAllInOneMatch() throws Exception {
    harness.processElement(member("m1", "pay-1", "po-1", 10_000, 300, 1_000), 1_000);
    harness.processElement(member("m2", "pay-2", "po-1", 5_000, 150, 1_200), 1_200);
    harness.processElement(payout("p1", "po-1", 15_520, 3_000), 3_000);
    // A member arriving after the payout but within the wait still counts.
    harness.processElement(member("m3", "pay-3", "po-1", 1_000, 30, 2_500), 2_500);

    harness.processWatermark(new Watermark(3_000 + WAIT_MS - 1));
    assertThat(matches()).isEmpty();
    harness.processWatermark(new Watermark(3_000 + WAIT_MS));

    assertThat(alerts()).isEmpty();
    assertThat(matches())
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.paymentId).isEqualTo("batch:po-1");
              assertThat(m.batchId).isEqualTo("po-1");
              assertThat(m.paymentIds).containsExactly("pay-1", "pay-2", "pay-3");
              assertThat(m.settlementId).isEqualTo("payout-p1");
              assertThat(m.amountMinor).isEqualTo(15_520);
              assertThat(m.feeAmountMinor).isEqualTo(480);
              assertThat(m.rule).isEqualTo("payout-batch-sum@1");
              assertThat(m.matchedAtMs).isEqualTo(3_000 + WAIT_MS);
              assertThat(m.eventId).isEqualTo(ReconFindings.matchId("batch:po-1", "p1"));
              assertThat(m.criteria)
                  .extracting(c -> c.criterion + " " + c.passed)
                  .containsExactly(
                      "batch-members true", "currency true", "payout-equals-members-net true");
            });
    assertStateClearedAfterwards();
  }

  @Test
  void aPayoutShortOfItsMembersIsAnAmountMismatchWithTheDelta() throws Exception {
    harness.processElement(member("m1", "pay-1", "po-1", 10_000, 300, 1_000), 1_000);
    harness.processElement(payout("p1", "po-1", 9_000, 2_000), 2_000);
    harness.processWatermark(new Watermark(2_000 + WAIT_MS));

    assertThat(matches()).isEmpty();
    assertThat(alerts())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.kind).isEqualTo(AlertKind.AMOUNT_MISMATCH);
              assertThat(a.paymentId).isEqualTo("batch:po-1");
              assertThat(a.expectedAmountMinor).isEqualTo(9_700L);
              assertThat(a.actualAmountMinor).isEqualTo(9_000L);
              assertThat(a.deltas.amountMinor).isEqualTo(-700L);
              assertThat(a.rule).isEqualTo("payout-batch-sum@1");
              assertThat(a.detail).contains("delta -700");
            });
    assertStateClearedAfterwards();
  }

  @Test
  void aPayoutWithoutMembersIsAnOrphan() throws Exception {
    harness.processElement(payout("p1", "po-9", 9_000, 2_000), 2_000);
    harness.processWatermark(new Watermark(2_000 + WAIT_MS));

    assertThat(alerts())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.kind).isEqualTo(AlertKind.ORPHAN_SETTLEMENT);
              assertThat(a.detail).contains("no line of that batch arrived");
            });
    assertStateClearedAfterwards();
  }

  @Test
  void membersWithoutAPayoutAreOverdueAndALatePayoutResolvesIt() throws Exception {
    harness.processElement(member("m1", "pay-1", "po-1", 10_000, 300, 1_000), 1_000);
    harness.processWatermark(new Watermark(1_000 + PAYOUT_SLA_MS - 1));
    assertThat(alerts()).isEmpty();
    harness.processWatermark(new Watermark(1_000 + PAYOUT_SLA_MS));

    assertThat(alerts())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.kind).isEqualTo(AlertKind.OVERDUE_PAYMENT);
              assertThat(a.paymentId).isEqualTo("batch:po-1");
              assertThat(a.rule).isEqualTo("payout-deadline@1");
              assertThat(a.detectedAtMs).isEqualTo(1_000 + PAYOUT_SLA_MS);
              assertThat(a.expectedAmountMinor).isEqualTo(9_700L);
            });
    String overdueId = alerts().get(0).eventId;

    harness.processElement(payout("p1", "po-1", 9_700, 12_000), 12_000);
    harness.processWatermark(new Watermark(12_000 + WAIT_MS));

    assertThat(alerts()).hasSize(2);
    assertThat(alerts().get(1).kind).isEqualTo(AlertKind.RESOLVED);
    assertThat(alerts().get(1).resolvesEventId).isEqualTo(overdueId);
    assertThat(matches()).singleElement().extracting(m -> m.rule).isEqualTo("payout-batch-sum@1");
    assertStateClearedAfterwards();
  }

  @Test
  void reimportsCountOnceAndASecondPayoutIsADuplicate() throws Exception {
    harness.processElement(member("m1", "pay-1", "po-1", 10_000, 300, 1_000), 1_000);
    harness.processElement(member("m1", "pay-1", "po-1", 10_000, 300, 1_000), 1_000);
    harness.processElement(payout("p1", "po-1", 9_700, 2_000), 2_000);
    harness.processElement(payout("p1", "po-1", 9_700, 2_000), 2_000);
    harness.processElement(payout("p2", "po-1", 9_700, 2_100), 2_100);
    harness.processWatermark(new Watermark(2_000 + WAIT_MS));
    harness.processElement(payout("p2", "po-1", 9_700, 2_100), 2_100);
    harness.processElement(payout("p3", "po-1", 9_700, 2_200), 2_200);

    assertThat(matches()).hasSize(1);
    assertThat(alerts())
        .extracting(a -> a.kind + " " + a.settlementId)
        .containsExactly("DUPLICATE_SETTLEMENT payout-p2", "DUPLICATE_SETTLEMENT payout-p3");
    assertStateClearedAfterwards();
  }

  @Test
  void aMemberAfterTheDecisionIsAnAmountMismatchNamingTheNewSum() throws Exception {
    harness.processElement(member("m1", "pay-1", "po-1", 10_000, 300, 1_000), 1_000);
    harness.processElement(payout("p1", "po-1", 9_700, 2_000), 2_000);
    harness.processWatermark(new Watermark(2_000 + WAIT_MS));
    harness.processElement(member("m2", "pay-2", "po-1", 1_000, 0, 1_500), 1_500);

    assertThat(matches()).hasSize(1);
    assertThat(alerts())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.kind).isEqualTo(AlertKind.AMOUNT_MISMATCH);
              assertThat(a.settlementId).isEqualTo("line-m2");
              assertThat(a.expectedAmountMinor).isEqualTo(10_700L);
              assertThat(a.actualAmountMinor).isEqualTo(9_700L);
              assertThat(a.deltas.amountMinor).isEqualTo(-1_000L);
            });
    assertStateClearedAfterwards();
  }

  @Test
  void batchesAreIndependentAndARestoreRepeatsTheSameOutput() throws Exception {
    harness.processElement(member("a1", "pay-1", "po-a", 10_000, 300, 1_000), 1_000);
    harness.processElement(member("b1", "pay-2", "po-b", 5_000, 0, 1_000), 1_000);
    harness.processElement(payout("pa", "po-a", 9_700, 2_000), 2_000);
    harness.processElement(payout("pb", "po-b", 4_000, 2_000), 2_000);
    OperatorSubtaskState snapshot = harness.snapshot(1L, 2_500L);
    harness.processWatermark(new Watermark(AFTER_EVERYTHING_MS));
    List<String> first =
        java.util.stream.Stream.concat(
                matches().stream().map(m -> m.eventId), alerts().stream().map(a -> a.eventId))
            .toList();

    try (var restored = newHarness()) {
      restored.initializeState(snapshot);
      restored.open();
      restored.processWatermark(new Watermark(AFTER_EVERYTHING_MS));
      List<String> replay =
          java.util.stream.Stream.concat(
                  restored.extractOutputValues().stream().map(m -> m.eventId),
                  alertsOf(restored).stream().map(a -> a.eventId))
              .toList();

      assertThat(matches()).extracting(m -> m.batchId).containsExactly("po-a");
      assertThat(alerts()).extracting(a -> a.paymentId).containsExactly("batch:po-b");
      assertThat(replay).isEqualTo(first);
      assertThat(restored.numKeyedStateEntries()).isZero();
    }
  }

  private static KeyedOneInputStreamOperatorTestHarness<String, Settlement, PaymentMatch>
      newHarness() throws Exception {
    return new KeyedOneInputStreamOperatorTestHarness<>(
        new KeyedProcessOperator<>(new PayoutBatchFunction(SETTINGS)),
        PayoutBatchFunction.BATCH_KEY,
        Types.STRING);
  }

  private List<PaymentMatch> matches() {
    return harness.extractOutputValues();
  }

  private List<ReconAlert> alerts() {
    return alertsOf(harness);
  }

  private static List<ReconAlert> alertsOf(
      KeyedOneInputStreamOperatorTestHarness<String, Settlement, PaymentMatch> h) {
    Queue<StreamRecord<ReconAlert>> side = h.getSideOutput(PayoutBatchFunction.ALERTS);
    return side == null ? List.of() : side.stream().map(StreamRecord::getValue).toList();
  }

  /** No state leak: once every timer has fired, nothing is kept for any batch. */
  private void assertStateClearedAfterwards() throws Exception {
    int alertsBefore = alerts().size();
    int matchesBefore = matches().size();
    harness.processWatermark(new Watermark(AFTER_EVERYTHING_MS));
    assertThat(harness.numKeyedStateEntries()).isZero();
    assertThat(harness.numEventTimeTimers()).isZero();
    assertThat(alerts()).hasSize(alertsBefore);
    assertThat(matches()).hasSize(matchesBefore);
  }
}
