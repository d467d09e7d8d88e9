package io.settleflow.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Queue;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** "Sum within a window", driven by an operator harness: settled payments and payout lines in. */
class PayoutWindowFunctionTest {
  static final long GRACE_MS = 3_000;
  static final long WINDOW_MS = 10_000;
  static final long RETENTION_MS = 20_000;
  static final MatcherSettings SETTINGS =
      new MatcherSettings(
          GRACE_MS,
          RETENTION_MS,
          new ReconRules(
              "test",
              ReconRules.defaults().amount(),
              ReconRules.defaults().fees(),
              ReconRules.defaults().fx(),
              ReconRules.defaults().overdue(),
              ReconRules.Batches.defaults(),
              new ReconRules.PayoutWindows(1, true, WINDOW_MS, 0)));
  static final long AFTER_EVERYTHING_MS = 1_000_000;

  KeyedTwoInputStreamOperatorTestHarness<String, WindowCandidate, Settlement, PaymentMatch> harness;

  @BeforeEach
  void open() throws Exception {
    harness = newHarness();
    harness.open();
  }

  private static KeyedTwoInputStreamOperatorTestHarness<
          String, WindowCandidate, Settlement, PaymentMatch>
      newHarness() throws Exception {
    return new KeyedTwoInputStreamOperatorTestHarness<>(
        new KeyedCoProcessOperator<>(new PayoutWindowFunction(SETTINGS)),
        PayoutWindowFunction.CANDIDATE_KEY,
        PayoutWindowFunction.PAYOUT_KEY,
        Types.STRING);
  }

  @Test
  void aRestoreRepeatsTheSameOutput() throws Exception {
    harness.processElement1(settled("pay-1", 10_000, 1_000), 1_000);
    harness.processElement1(settled("pay-2", 5_000, 2_000), 2_000);
    harness.processElement2(payoutLine("po-1", 4_950, 5_000), 5_000);
    harness.processElement2(payoutLine("po-2", 1, 5_000), 5_000);
    var snapshot = harness.snapshot(1L, 5_500L);
    harness.processBothWatermarks(new Watermark(AFTER_EVERYTHING_MS));

    try (var restored = newHarness()) {
      restored.initializeState(snapshot);
      restored.open();
      restored.processBothWatermarks(new Watermark(AFTER_EVERYTHING_MS));

      assertThat(matches()).extracting(m -> m.paymentIds[0]).containsExactly("pay-2");
      assertThat(alerts()).extracting(a -> a.settlementId).containsExactly("bank-po-2");
      assertThat(restored.extractOutputValues())
          .extracting(m -> m.eventId)
          .containsExactlyElementsOf(matches().stream().map(m -> m.eventId).toList());
      Queue<StreamRecord<ReconAlert>> side = restored.getSideOutput(PayoutWindowFunction.ALERTS);
      assertThat(side.stream().map(r -> r.getValue().eventId))
          .containsExactlyElementsOf(alerts().stream().map(a -> a.eventId).toList());
      assertThat(restored.numKeyedStateEntries()).isZero();
      assertThat(restored.numEventTimeTimers()).isZero();
    }
  }

  @AfterEach
  void close() throws Exception {
    harness.close();
  }

  /** A sale line matched to its payment, as the matcher emits it. */
  static PaymentMatch saleMatch(String paymentId, long gross, long atMs) {
    LedgerPayment p =
        new LedgerPayment("pe-" + paymentId, "AUTHORIZED", paymentId, "m-1", gross, "EUR", atMs);
    Settlement s =
        new Settlement(
            "se-" + paymentId,
            "line-" + paymentId,
            "stripe",
            "PAYMENT",
            paymentId,
            "m-1",
            gross,
            gross / 100,
            gross - gross / 100,
            "EUR",
            atMs);
    return ReconFindings.match(
        p, s, new SettlementMatchRules(ReconRules.defaults()).compare(p, s), atMs);
  }

  static WindowCandidate settled(String paymentId, long gross, long atMs) {
    PaymentMatch m = saleMatch(paymentId, gross, atMs);
    assertThat(WindowCandidate.takes(m)).isTrue();
    return WindowCandidate.of(m);
  }

  static Settlement payoutLine(String eventId, long gross, long atMs) {
    return new Settlement(
        eventId, "bank-" + eventId, "bank", "PAYMENT", null, "m-1", gross, 0, gross, "EUR", atMs);
  }

  @Test
  void aPayoutEqualToSettledPaymentsNetPaysThemInOneExplainedMatch() throws Exception {
    harness.processElement1(settled("pay-1", 10_000, 1_000), 1_000);
    harness.processElement1(settled("pay-2", 5_000, 2_000), 2_000);
    Settlement payout = payoutLine("po-1", 9_900 + 4_950, 5_000);
    harness.processElement2(payout, 5_000);
    harness.processElement2(payout, 5_000); // re-imported
    // Matched a little later, within the grace: still paid by it.
    harness.processElement1(settled("pay-3", 2_000, 4_000), 6_000);
    harness.processBothWatermarks(new Watermark(5_000 + GRACE_MS - 1));
    assertThat(matches()).isEmpty();

    harness.processBothWatermarks(new Watermark(5_000 + GRACE_MS));

    assertThat(alerts()).isEmpty();
    assertThat(matches())
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.paymentId).isEqualTo("payout:bank:bank-po-1");
              assertThat(m.paymentIds).containsExactly("pay-1", "pay-2");
              assertThat(m.batchId).isNull();
              assertThat(m.settlementId).isEqualTo("bank-po-1");
              assertThat(m.amountMinor).isEqualTo(14_850);
              assertThat(m.feeAmountMinor).isEqualTo(150);
              assertThat(m.rule).isEqualTo("payout-window-sum@1");
              assertThat(m.matchedAtMs).isEqualTo(5_000 + GRACE_MS);
              assertThat(m.deltas.amountMinor).isZero();
              assertThat(m.eventId)
                  .isEqualTo(ReconFindings.matchId("payout:bank:bank-po-1", "po-1"));
              assertThat(m.criteria)
                  .extracting(c -> c.criterion + " " + c.passed)
                  .containsExactly(
                      "window-payments true",
                      "payout-equals-payments-net true",
                      "payment-choice true");
            });
    // pay-3 stays unpaid: a second payout of its net pays it, not the ones already paid.
    harness.processElement2(payoutLine("po-2", 1_980, 7_000), 7_000);
    harness.processElement2(payoutLine("po-3", 9_900, 7_500), 7_500);
    harness.processBothWatermarks(new Watermark(7_500 + GRACE_MS));
    assertThat(matches()).hasSize(2);
    assertThat(matches().get(1).paymentIds).containsExactly("pay-3");
    assertThat(alerts())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.kind).isEqualTo(AlertKind.ORPHAN_SETTLEMENT);
              assertThat(a.settlementId).isEqualTo("bank-po-3");
              assertThat(a.rule).isEqualTo("payout-window-sum@1");
              assertThat(a.detail).contains("merchant m-1 has no unpaid payment");
            });
    assertStateClearedAfterwards();
  }

  @Test
  void anUnmatchedPayoutIsTheOrphanTheMatcherWouldHaveRaised() throws Exception {
    Settlement payout = payoutLine("po-1", 1_234, 5_000);
    harness.processElement1(settled("pay-1", 10_000, 1_000), 1_000);
    harness.processElement2(payout, 5_000);
    harness.processBothWatermarks(new Watermark(5_000 + GRACE_MS));

    ReconAlert today = ReconFindings.orphan(payout, GRACE_MS, 5_000 + GRACE_MS);
    assertThat(alerts())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.eventId).isEqualTo(today.eventId);
              assertThat(a.kind).isEqualTo(AlertKind.ORPHAN_SETTLEMENT);
              assertThat(a.detectedAtMs).isEqualTo(today.detectedAtMs);
              assertThat(a.criteria)
                  .extracting(c -> c.criterion + " " + c.passed)
                  .containsExactly(
                      "ledger-payment-within-grace false",
                      "window-payments true",
                      "payout-equals-payments-net false");
            });
    assertStateClearedAfterwards();
  }

  @Test
  void paymentsOlderThanTheWindowAreNotPaidAndAreDropped() throws Exception {
    harness.processElement1(settled("pay-old", 1_000, 1_000), 1_000);
    harness.processElement2(payoutLine("po-1", 990, 1_000 + WINDOW_MS + 1), 1_000 + WINDOW_MS + 1);
    harness.processBothWatermarks(new Watermark(1_000 + WINDOW_MS + 1 + GRACE_MS));

    assertThat(matches()).isEmpty();
    assertThat(alerts()).extracting(a -> a.kind).containsExactly(AlertKind.ORPHAN_SETTLEMENT);
    assertStateClearedAfterwards();
  }

  @Test
  void refundAndBatchMatchesAreNoCandidates() {
    PaymentMatch refund = saleMatch("pay-r", 1_000, 1_000);
    refund.refund = true;
    PaymentMatch batchMember = saleMatch("pay-b", 1_000, 1_000);
    batchMember.settlementBatchId = "B-1";
    PaymentMatch noMerchant = saleMatch("pay-n", 1_000, 1_000);
    noMerchant.merchantId = " ";
    assertThat(List.of(refund, batchMember, noMerchant)).noneMatch(WindowCandidate::takes);
    Settlement withBatch = payoutLine("po-b", 1_000, 1_000);
    withBatch.batchId = "B-1";
    Settlement noMerchantLine = payoutLine("po-n", 1_000, 1_000);
    noMerchantLine.merchantId = null;
    Settlement sale = payoutLine("po-s", 1_000, 1_000);
    sale.paymentReference = "pay-1";
    assertThat(List.of(withBatch, noMerchantLine, sale)).noneMatch(Settlement::isWindowPayout);
    assertThat(payoutLine("po-1", 1_000, 1_000).isWindowPayout()).isTrue();
    assertThat(PayoutWindowFunction.takes(MatcherSettings.defaults(), payoutLine("x", 1, 1)))
        .as("off in the built-in rules")
        .isFalse();
  }

  private List<PaymentMatch> matches() {
    return harness.extractOutputValues();
  }

  private List<ReconAlert> alerts() {
    Queue<StreamRecord<ReconAlert>> side = harness.getSideOutput(PayoutWindowFunction.ALERTS);
    return side == null ? List.of() : side.stream().map(StreamRecord::getValue).toList();
  }

  private void assertStateClearedAfterwards() throws Exception {
    int alertsBefore = alerts().size();
    int matchesBefore = matches().size();
    harness.processBothWatermarks(new Watermark(AFTER_EVERYTHING_MS));
    assertThat(harness.numKeyedStateEntries()).isZero();
    assertThat(harness.numEventTimeTimers()).isZero();
    assertThat(alerts()).hasSize(alertsBefore);
    assertThat(matches()).hasSize(matchesBefore);
  }
}
