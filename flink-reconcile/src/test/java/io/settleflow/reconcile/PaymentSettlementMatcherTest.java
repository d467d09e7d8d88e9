package io.settleflow.reconcile;

import static io.settleflow.reconcile.Fixtures.payment;
import static io.settleflow.reconcile.Fixtures.settlement;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Queue;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Drives the matcher with an operator harness: elements and watermarks in, outputs and state out.
 */
class PaymentSettlementMatcherTest {
  static final long DEADLINE_MS = 10_000;
  static final long GRACE_MS = 3_000;
  static final long RETENTION_MS = 20_000;
  static final MatcherSettings SETTINGS =
      new MatcherSettings(DEADLINE_MS, GRACE_MS, RETENTION_MS, 0);

  /** Far enough that every deadline, grace and cleanup timer in these cases has fired. */
  static final long AFTER_EVERYTHING_MS = 1_000_000;

  KeyedTwoInputStreamOperatorTestHarness<String, LedgerPayment, Settlement, PaymentMatch> harness;

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
  void paymentAndSettlementWithSameAmountMatch() throws Exception {
    harness.processElement1(payment("pe-1", "pay-1", 10_000, "EUR", 1_000), 1_000);
    harness.processElement2(settlement("se-1", "line-1", "pay-1", 10_000, "EUR", 4_000), 4_000);

    assertThat(matches())
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.paymentId).isEqualTo("pay-1");
              assertThat(m.settlementId).isEqualTo("line-1");
              assertThat(m.source).isEqualTo("stripe");
              assertThat(m.amountMinor).isEqualTo(10_000);
              assertThat(m.feeAmountMinor).isEqualTo(100);
              assertThat(m.currency).isEqualTo("EUR");
              assertThat(m.rule).isEqualTo("amount-exact@1");
              assertThat(m.matchedAtMs).isEqualTo(4_000);
              assertThat(m.eventId).isEqualTo(ReconFindings.matchId("pay-1", "se-1"));
            });
    assertThat(alerts()).isEmpty();
    assertStateClearedAfterwards();
  }

  @Test
  void settlementGrossDifferentFromPaymentIsAnAmountMismatch() throws Exception {
    harness.processElement1(payment("pe-1", "pay-1", 10_000, "EUR", 1_000), 1_000);
    harness.processElement2(settlement("se-1", "line-1", "pay-1", 10_050, "EUR", 4_000), 4_000);

    assertThat(matches()).isEmpty();
    assertThat(alerts())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.kind).isEqualTo(AlertKind.AMOUNT_MISMATCH);
              assertThat(a.eventId)
                  .isEqualTo(ReconFindings.alertId(AlertKind.AMOUNT_MISMATCH, "pay-1", "se-1"));
              assertThat(a.paymentId).isEqualTo("pay-1");
              assertThat(a.settlementId).isEqualTo("line-1");
              assertThat(a.expectedAmountMinor).isEqualTo(10_000L);
              assertThat(a.actualAmountMinor).isEqualTo(10_050L);
              assertThat(a.rule).isEqualTo("amount-exact@1");
              assertThat(a.detail).contains("+50");
              assertThat(a.detectedAtMs).isEqualTo(4_000);
            });
    assertStateClearedAfterwards();
  }

  @Test
  void settlementInAnotherCurrencyIsACurrencyMismatch() throws Exception {
    harness.processElement1(payment("pe-1", "pay-1", 10_000, "EUR", 1_000), 1_000);
    harness.processElement2(settlement("se-1", "line-1", "pay-1", 10_000, "USD", 2_000), 2_000);

    assertThat(alerts())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.kind).isEqualTo(AlertKind.CURRENCY_MISMATCH);
              assertThat(a.rule).isEqualTo("currency-exact@1");
              assertThat(a.detail).contains("USD", "EUR");
            });
    assertThat(matches()).isEmpty();
    assertStateClearedAfterwards();
  }

  @Test
  void paymentWithoutSettlementIsOverdueExactlyWhenTheWatermarkPassesTheDeadline()
      throws Exception {
    harness.processElement1(payment("pe-1", "pay-1", 10_000, "EUR", 1_000), 1_000);
    long deadline = 1_000 + DEADLINE_MS;

    harness.processBothWatermarks(new Watermark(deadline - 1));
    assertThat(alerts()).isEmpty();

    harness.processBothWatermarks(new Watermark(deadline));
    assertThat(alerts())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.kind).isEqualTo(AlertKind.OVERDUE_PAYMENT);
              assertThat(a.eventId)
                  .isEqualTo(ReconFindings.alertId(AlertKind.OVERDUE_PAYMENT, "pay-1", "pe-1"));
              assertThat(a.detectedAtMs).isEqualTo(deadline);
              assertThat(a.expectedAmountMinor).isEqualTo(10_000L);
              assertThat(a.actualAmountMinor).isNull();
              assertThat(a.rule).isEqualTo("settlement-deadline@1");
            });
    assertStateClearedAfterwards();
  }

  @Test
  void settlementWithoutPaymentIsAnOrphanWhenGraceEnds() throws Exception {
    harness.processElement2(settlement("se-1", "line-1", "pay-9", 5_000, "EUR", 2_000), 2_000);
    long graceEnd = 2_000 + GRACE_MS;

    harness.processBothWatermarks(new Watermark(graceEnd - 1));
    assertThat(alerts()).isEmpty();

    harness.processBothWatermarks(new Watermark(graceEnd));
    assertThat(alerts())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.kind).isEqualTo(AlertKind.ORPHAN_SETTLEMENT);
              assertThat(a.paymentId).isEqualTo("pay-9");
              assertThat(a.settlementId).isEqualTo("line-1");
              assertThat(a.actualAmountMinor).isEqualTo(5_000L);
              assertThat(a.expectedAmountMinor).isNull();
              assertThat(a.detectedAtMs).isEqualTo(graceEnd);
              assertThat(a.rule).isEqualTo("orphan-grace@1");
            });
    assertStateClearedAfterwards();
  }

  @Test
  void settlementWithoutPaymentReferenceIsAnOrphanToo() throws Exception {
    Settlement s = settlement("se-1", "line-1", null, 5_000, "EUR", 2_000);
    harness.processElement2(s, 2_000);
    harness.processBothWatermarks(new Watermark(2_000 + GRACE_MS));

    assertThat(alerts())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.kind).isEqualTo(AlertKind.ORPHAN_SETTLEMENT);
              assertThat(a.paymentId).isNull();
              assertThat(a.detail).contains("references no payment");
            });
    assertStateClearedAfterwards();
  }

  @Test
  void settlementArrivingBeforeThePaymentStillMatches() throws Exception {
    harness.processElement2(settlement("se-1", "line-1", "pay-1", 10_000, "EUR", 1_500), 1_500);
    harness.processBothWatermarks(new Watermark(1_500 + GRACE_MS - 1));
    harness.processElement1(payment("pe-1", "pay-1", 10_000, "EUR", 1_000), 1_000);

    assertThat(matches())
        .singleElement()
        .satisfies(m -> assertThat(m.matchedAtMs).isEqualTo(1_500));
    assertThat(alerts()).isEmpty();
    assertStateClearedAfterwards();
  }

  @Test
  void redeliveredPaymentsAndReimportedSettlementsProduceNothingExtra() throws Exception {
    LedgerPayment p = payment("pe-1", "pay-1", 10_000, "EUR", 1_000);
    Settlement s = settlement("se-1", "line-1", "pay-1", 10_000, "EUR", 3_000);
    harness.processElement1(p, 1_000);
    harness.processElement1(p, 1_000);
    harness.processElement2(s, 3_000);
    harness.processElement2(s, 3_000);
    harness.processElement1(p, 1_000);

    assertThat(matches()).hasSize(1);
    assertThat(alerts()).isEmpty();
    assertStateClearedAfterwards();
  }

  @Test
  void reimportedSettlementBeforeThePaymentCountsOnce() throws Exception {
    Settlement s = settlement("se-1", "line-1", "pay-1", 10_000, "EUR", 3_000);
    harness.processElement2(s, 3_000);
    harness.processElement2(s, 3_000);
    harness.processElement1(payment("pe-1", "pay-1", 10_000, "EUR", 1_000), 1_000);

    assertThat(matches()).hasSize(1);
    assertThat(alerts()).isEmpty();
    assertStateClearedAfterwards();
  }

  @Test
  void lateCdcDuplicateAfterTheDecisionStartsNoNewOverdueClock() throws Exception {
    LedgerPayment p = payment("pe-1", "pay-1", 10_000, "EUR", 1_000);
    harness.processElement1(p, 1_000);
    harness.processElement2(settlement("se-1", "line-1", "pay-1", 10_000, "EUR", 2_000), 2_000);
    harness.processBothWatermarks(new Watermark(2_000 + DEADLINE_MS));
    harness.processElement1(p, 1_000); // redelivered long after, while the marker is kept

    harness.processBothWatermarks(new Watermark(2_000 + RETENTION_MS - 1));

    assertThat(matches()).hasSize(1);
    assertThat(alerts()).isEmpty();
    assertStateClearedAfterwards();
  }

  @Test
  void aSecondDifferentSettlementIsADuplicateSettlementOnce() throws Exception {
    harness.processElement1(payment("pe-1", "pay-1", 10_000, "EUR", 1_000), 1_000);
    harness.processElement2(settlement("se-1", "line-1", "pay-1", 10_000, "EUR", 2_000), 2_000);
    Settlement second = settlement("se-2", "line-77", "pay-1", 10_000, "EUR", 5_000);
    harness.processElement2(second, 5_000);
    harness.processElement2(second, 5_000); // the second file is re-imported

    assertThat(matches()).hasSize(1);
    assertThat(alerts())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.kind).isEqualTo(AlertKind.DUPLICATE_SETTLEMENT);
              assertThat(a.eventId)
                  .isEqualTo(
                      ReconFindings.alertId(AlertKind.DUPLICATE_SETTLEMENT, "pay-1", "se-2"));
              assertThat(a.settlementId).isEqualTo("line-77");
              assertThat(a.expectedAmountMinor).isEqualTo(10_000L);
              assertThat(a.actualAmountMinor).isEqualTo(10_000L);
              assertThat(a.detectedAtMs).isEqualTo(5_000);
              assertThat(a.detail).contains("stripe:line-1", "stripe:line-77");
            });
    assertStateClearedAfterwards();
  }

  @Test
  void twoDifferentSettlementsBeforeThePaymentRaiseADuplicateAndTheFirstIsMatched()
      throws Exception {
    harness.processElement2(settlement("se-1", "line-1", "pay-1", 10_000, "EUR", 2_000), 2_000);
    harness.processElement2(settlement("se-2", "line-2", "pay-1", 10_000, "EUR", 2_500), 2_500);
    harness.processElement1(payment("pe-1", "pay-1", 10_000, "EUR", 1_000), 1_000);

    assertThat(alerts()).extracting(a -> a.kind).containsExactly(AlertKind.DUPLICATE_SETTLEMENT);
    assertThat(matches())
        .singleElement()
        .satisfies(m -> assertThat(m.settlementId).isEqualTo("line-1"));
    assertStateClearedAfterwards();
  }

  @Test
  void settlementAfterTheOverdueAlertResolvesItAndIsMatched() throws Exception {
    harness.processElement1(payment("pe-1", "pay-1", 10_000, "EUR", 1_000), 1_000);
    harness.processBothWatermarks(new Watermark(1_000 + DEADLINE_MS));
    harness.processElement2(settlement("se-1", "line-1", "pay-1", 10_000, "EUR", 12_000), 12_000);

    assertThat(alerts())
        .extracting(a -> a.kind)
        .containsExactly(AlertKind.OVERDUE_PAYMENT, AlertKind.RESOLVED);
    ReconAlert overdue = alerts().get(0);
    assertThat(alerts().get(1))
        .satisfies(
            r -> {
              assertThat(r.resolvesEventId).isEqualTo(overdue.eventId);
              assertThat(r.eventId)
                  .isEqualTo(ReconFindings.alertId(AlertKind.RESOLVED, "pay-1", "se-1"));
              assertThat(r.settlementId).isEqualTo("line-1");
              assertThat(r.detectedAtMs).isEqualTo(12_000);
              assertThat(r.rule).isEqualTo(ReconFindings.RESOLVED_RULE);
              assertThat(r.detail).contains(overdue.eventId, "PT1S late");
              assertThat(r.criteria)
                  .singleElement()
                  .satisfies(
                      c -> {
                        assertThat(c.criterion).isEqualTo("settled-within-sla");
                        assertThat(c.passed).isFalse();
                        assertThat(c.rule).isEqualTo("settlement-deadline@1");
                      });
            });
    assertThat(matches())
        .singleElement()
        .satisfies(m -> assertThat(m.matchedAtMs).isEqualTo(12_000));
    assertStateClearedAfterwards();
  }

  @Test
  void lateMismatchAfterTheOverdueAlertIsResolvedAndReported() throws Exception {
    harness.processElement1(payment("pe-1", "pay-1", 10_000, "EUR", 1_000), 1_000);
    harness.processBothWatermarks(new Watermark(1_000 + DEADLINE_MS));
    harness.processElement2(settlement("se-1", "line-1", "pay-1", 9_000, "EUR", 12_000), 12_000);

    assertThat(alerts())
        .extracting(a -> a.kind)
        .containsExactly(AlertKind.OVERDUE_PAYMENT, AlertKind.RESOLVED, AlertKind.AMOUNT_MISMATCH);
    assertThat(matches()).isEmpty();
    assertStateClearedAfterwards();
  }

  @Test
  void noResolvedAlertWithoutAnOverdueOne() throws Exception {
    harness.processElement1(payment("pe-1", "pay-1", 10_000, "EUR", 1_000), 1_000);
    harness.processBothWatermarks(new Watermark(1_000 + DEADLINE_MS - 1));
    harness.processElement2(
        settlement("se-1", "line-1", "pay-1", 10_000, "EUR", 1_000 + DEADLINE_MS + 5),
        1_000 + DEADLINE_MS + 5);

    assertThat(alerts()).isEmpty();
    assertThat(matches()).hasSize(1);
    assertStateClearedAfterwards();
  }

  @Test
  void overdueFollowsTheSlaOfTheMerchantsProcessor() throws Exception {
    ReconRules rules =
        ReconRulesDocument.parse(
            """
            version: t
            overdue:
              version: 3
              default_sla: PT10S
              processors: {adyen: PT30S}
              merchant_processors: {merchant-1: adyen}
            """);
    try (var h = newHarness(new MatcherSettings(GRACE_MS, RETENTION_MS, rules))) {
      h.open();
      h.processElement1(payment("pe-1", "pay-1", 10_000, "EUR", 1_000), 1_000);
      LedgerPayment other =
          new LedgerPayment("pe-2", "AUTHORIZED", "pay-2", "merchant-2", 500, "EUR", 1_000);
      h.processElement1(other, 1_000);

      h.processBothWatermarks(new Watermark(1_000 + 10_000));
      assertThat(alertsOf(h)).extracting(a -> a.paymentId).containsExactly("pay-2");

      h.processBothWatermarks(new Watermark(1_000 + 30_000 - 1));
      assertThat(alertsOf(h)).hasSize(1);
      h.processBothWatermarks(new Watermark(1_000 + 30_000));
      assertThat(alertsOf(h))
          .extracting(a -> a.paymentId + " " + a.rule + " " + a.detectedAtMs)
          .containsExactly(
              "pay-2 settlement-deadline@3 11000", "pay-1 settlement-deadline@3 31000");
      assertThat(alertsOf(h).get(1).detail).contains("adyen SLA PT30S");
      assertThat(alertsOf(h).get(0).detail).contains("default SLA PT10S");

      h.processBothWatermarks(new Watermark(AFTER_EVERYTHING_MS));
      assertThat(h.numKeyedStateEntries()).isZero();
      assertThat(h.numEventTimeTimers()).isZero();
    }
  }

  @Test
  void newRulesAfterARestoreMoveTheDeadlinesOfWaitingPaymentsAndLines() throws Exception {
    harness.processElement1(payment("pe-1", "pay-1", 10_000, "EUR", 1_000), 1_000);
    harness.processElement2(settlement("se-9", "line-9", "pay-9", 700, "EUR", 1_000), 1_000);
    OperatorSubtaskState snapshot = harness.snapshot(1L, 1_500L);
    MatcherSettings longer = new MatcherSettings(3 * DEADLINE_MS, 2 * GRACE_MS, RETENTION_MS, 0);

    try (var restored = newHarness(longer)) {
      restored.initializeState(snapshot);
      restored.open();
      restored.processBothWatermarks(new Watermark(1_000 + GRACE_MS));
      assertThat(alertsOf(restored)).isEmpty();
      restored.processBothWatermarks(new Watermark(1_000 + DEADLINE_MS));
      assertThat(alertsOf(restored))
          .extracting(a -> a.kind + " " + a.detectedAtMs)
          .containsExactly("ORPHAN_SETTLEMENT " + (1_000 + 2 * GRACE_MS));

      restored.processBothWatermarks(new Watermark(1_000 + 3 * DEADLINE_MS));
      assertThat(alertsOf(restored))
          .extracting(a -> a.kind + " " + a.detectedAtMs)
          .containsExactly(
              "ORPHAN_SETTLEMENT " + (1_000 + 2 * GRACE_MS),
              "OVERDUE_PAYMENT " + (1_000 + 3 * DEADLINE_MS));
      restored.processBothWatermarks(new Watermark(AFTER_EVERYTHING_MS));
      assertThat(restored.numKeyedStateEntries()).isZero();
      assertThat(restored.numEventTimeTimers()).isZero();
    }
  }

  @Test
  void aPaymentSplitIntoLinesThatSumToItIsMatchedAndTheShortLinesMismatchResolved()
      throws Exception {
    harness.processElement1(payment("pe-1", "pay-1", 10_000, "EUR", 1_000), 1_000);
    harness.processElement2(settlement("se-a", "line-a", "pay-1", 5_000, "EUR", 2_000), 2_000);
    harness.processElement2(settlement("se-b", "line-b", "pay-1", 3_000, "EUR", 2_100), 2_100);
    assertThat(matches()).isEmpty();
    Settlement last = settlement("se-c", "line-c", "pay-1", 2_000, "EUR", 2_200);
    harness.processElement2(last, 2_200);
    harness.processElement2(last, 2_200); // re-imported

    assertThat(alerts())
        .extracting(a -> a.kind)
        .containsExactly(AlertKind.AMOUNT_MISMATCH, AlertKind.RESOLVED);
    ReconAlert mismatch = alerts().get(0);
    assertThat(alerts().get(1))
        .satisfies(
            r -> {
              assertThat(r.resolvesEventId).isEqualTo(mismatch.eventId);
              assertThat(r.rule).isEqualTo(ReconFindings.SPLIT_RULE);
              assertThat(r.settlementId).isEqualTo("line-a+line-b+line-c");
              assertThat(r.actualAmountMinor).isEqualTo(10_000L);
              assertThat(r.detectedAtMs).isEqualTo(2_200);
            });
    assertThat(matches())
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.rule).isEqualTo("split-lines-sum@1");
              assertThat(m.settlementId).isEqualTo("line-a+line-b+line-c");
              assertThat(m.amountMinor).isEqualTo(10_000);
              assertThat(m.feeAmountMinor).isEqualTo(50 + 30 + 20);
              assertThat(m.eventId).isEqualTo(ReconFindings.matchId("pay-1", "se-c"));
              assertThat(m.criteria[0].criterion).isEqualTo("split-lines-sum");
              assertThat(m.criteria[0].delta).isZero();
            });
    assertStateClearedAfterwards();
  }

  @Test
  void splitLinesBeforeThePaymentWaitForItAndAreDecidedAsAfterIt() throws Exception {
    // Both orders give the same findings: lines first (here, out of settled_at order), then the
    // payment; and the payment first (the existing case above).
    harness.processElement2(settlement("se-b", "line-b", "pay-1", 3_000, "EUR", 2_100), 2_100);
    harness.processElement2(settlement("se-a", "line-a", "pay-1", 5_000, "EUR", 2_000), 2_000);
    harness.processElement2(settlement("se-a", "line-a", "pay-1", 5_000, "EUR", 2_000), 2_000);
    harness.processElement2(settlement("se-c", "line-c", "pay-1", 2_000, "EUR", 2_200), 2_200);
    assertThat(alerts()).isEmpty(); // not a duplicate on arrival any more
    harness.processBothWatermarks(new Watermark(2_300));
    assertThat(alerts()).isEmpty();

    harness.processElement1(payment("pe-1", "pay-1", 10_000, "EUR", 2_500), 2_500);

    assertThat(alerts())
        .extracting(a -> a.kind + " " + a.settlementId)
        .containsExactly("AMOUNT_MISMATCH line-a", "RESOLVED line-a+line-b+line-c");
    assertThat(alerts().get(1).resolvesEventId).isEqualTo(alerts().get(0).eventId);
    assertThat(matches())
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.rule).isEqualTo("split-lines-sum@1");
              assertThat(m.settlementId).isEqualTo("line-a+line-b+line-c");
              assertThat(m.eventId).isEqualTo(ReconFindings.matchId("pay-1", "se-c"));
              assertThat(m.settlementNetMinor).isEqualTo(10_000 - 100);
            });
    assertStateClearedAfterwards();
  }

  @Test
  void theSameLinesGiveTheSameFindingsWhicheverComesFirst() throws Exception {
    List<String> lineFirst = splitFindings(true);
    List<String> paymentFirst = splitFindings(false);
    assertThat(lineFirst).isEqualTo(paymentFirst);
    assertThat(lineFirst)
        .containsExactly(
            "AMOUNT_MISMATCH line-a",
            "DUPLICATE_SETTLEMENT line-b",
            "MATCH line-a+line-c",
            "RESOLVED line-a+line-c");
  }

  /** A 6,000 line, a 5,000 line that would overshoot, a 4,000 line completing the 10,000. */
  private static List<String> splitFindings(boolean linesFirst) throws Exception {
    var h = newHarness();
    h.open();
    try {
      LedgerPayment p = payment("pe-1", "pay-1", 10_000, "EUR", 1_000);
      if (!linesFirst) {
        h.processElement1(p, 1_000);
      }
      h.processElement2(settlement("se-a", "line-a", "pay-1", 6_000, "EUR", 2_000), 2_000);
      h.processElement2(settlement("se-b", "line-b", "pay-1", 5_000, "EUR", 2_100), 2_100);
      h.processElement2(settlement("se-c", "line-c", "pay-1", 4_000, "EUR", 2_200), 2_200);
      if (linesFirst) {
        h.processElement1(p, 1_000);
      }
      List<String> out = new java.util.ArrayList<>();
      alertsOf(h).forEach(a -> out.add(a.kind + " " + a.settlementId));
      h.extractOutputValues().forEach(m -> out.add("MATCH " + m.settlementId));
      out.sort(null);
      h.processBothWatermarks(new Watermark(AFTER_EVERYTHING_MS));
      assertThat(h.numKeyedStateEntries()).isZero();
      assertThat(h.numEventTimeTimers()).isZero();
      return out;
    } finally {
      h.close();
    }
  }

  @Test
  void linesWaitingWhenTheGraceEndsAreAnOrphanAndItsDuplicatesAsBefore() throws Exception {
    harness.processElement2(settlement("se-a", "line-a", "pay-1", 5_000, "EUR", 2_000), 2_000);
    harness.processElement2(settlement("se-b", "line-b", "pay-1", 5_000, "EUR", 2_500), 2_500);
    harness.processBothWatermarks(new Watermark(2_000 + GRACE_MS - 1));
    assertThat(alerts()).isEmpty();

    harness.processBothWatermarks(new Watermark(2_000 + GRACE_MS));

    assertThat(alerts())
        .extracting(a -> a.kind + " " + a.settlementId)
        .containsExactly("ORPHAN_SETTLEMENT line-a", "DUPLICATE_SETTLEMENT line-b");
    // A third line after the orphan alert is a duplicate at once, as before.
    harness.processElement2(settlement("se-c", "line-c", "pay-1", 5_000, "EUR", 6_000), 6_000);
    assertThat(alerts()).hasSize(3);
    assertThat(alerts().get(2).kind).isEqualTo(AlertKind.DUPLICATE_SETTLEMENT);
    // The payment arriving late still matches the first line (short: an amount mismatch).
    harness.processElement1(payment("pe-1", "pay-1", 10_000, "EUR", 7_000), 7_000);
    assertThat(alerts().get(3).kind).isEqualTo(AlertKind.AMOUNT_MISMATCH);
    assertStateClearedAfterwards();
  }

  @Test
  void aLineBeyondWhatTheSplitStillLacksIsADuplicate() throws Exception {
    harness.processElement1(payment("pe-1", "pay-1", 10_000, "EUR", 1_000), 1_000);
    harness.processElement2(settlement("se-a", "line-a", "pay-1", 6_000, "EUR", 2_000), 2_000);
    harness.processElement2(settlement("se-b", "line-b", "pay-1", 5_000, "EUR", 2_100), 2_100);
    harness.processElement2(settlement("se-c", "line-c", "pay-1", 400, "USD", 2_100), 2_100);

    assertThat(matches()).isEmpty();
    assertThat(alerts())
        .extracting(a -> a.kind + " " + a.settlementId)
        .containsExactly(
            "AMOUNT_MISMATCH line-a", "DUPLICATE_SETTLEMENT line-b", "DUPLICATE_SETTLEMENT line-c");
    assertStateClearedAfterwards();
  }

  @Test
  void anOverpayingLineIsNoSplit() throws Exception {
    harness.processElement1(payment("pe-1", "pay-1", 10_000, "EUR", 1_000), 1_000);
    harness.processElement2(settlement("se-a", "line-a", "pay-1", 12_000, "EUR", 2_000), 2_000);
    harness.processElement2(settlement("se-b", "line-b", "pay-1", 100, "EUR", 2_100), 2_100);

    assertThat(alerts())
        .extracting(a -> a.kind)
        .containsExactly(AlertKind.AMOUNT_MISMATCH, AlertKind.DUPLICATE_SETTLEMENT);
    assertStateClearedAfterwards();
  }

  @Test
  void chargebackAndReversalLinesRaiseAChargebackAlertOnceEach() throws Exception {
    harness.processElement1(payment("pe-1", "pay-1", 10_000, "EUR", 1_000), 1_000);
    harness.processElement2(settlement("se-1", "line-1", "pay-1", 10_000, "EUR", 2_000), 2_000);
    Settlement chargeback =
        Fixtures.line("CHARGEBACK", "se-cb", "cb-1", "pay-1", -10_000, "EUR", 5_000);
    harness.processElement2(chargeback, 5_000);
    harness.processElement2(chargeback, 5_000); // the dispute file is re-imported
    harness.processElement2(
        Fixtures.line("REVERSAL", "se-rv", "rv-1", "pay-1", 10_000, "EUR", 9_000), 9_000);

    assertThat(matches()).hasSize(1);
    assertThat(alerts())
        .extracting(
            a -> a.kind + " " + a.paymentId + " " + a.settlementId + " " + a.actualAmountMinor)
        .containsExactly("CHARGEBACK pay-1 cb-1 -10000", "CHARGEBACK pay-1 rv-1 10000");
    assertThat(alerts().get(0).eventId)
        .isEqualTo(ReconFindings.alertId(AlertKind.CHARGEBACK, "chargeback:se-cb", "se-cb"));
    assertThat(alerts().get(0).rule).isEqualTo(ReconFindings.CHARGEBACK_RULE);
    assertStateClearedAfterwards();
  }

  @Test
  void ledgerRefundPairsWithTheRefundLineApartFromTheSale() throws Exception {
    harness.processElement1(payment("pe-1", "pay-1", 10_000, "EUR", 1_000), 1_000);
    harness.processElement2(settlement("se-1", "line-1", "pay-1", 10_000, "EUR", 2_000), 2_000);
    harness.processElement1(Fixtures.refund("pe-r", "pay-1", 2_500, "EUR", 3_000), 3_000);
    harness.processElement2(
        Fixtures.line("REFUND", "se-r", "line-r", "pay-1", -2_500, "EUR", 4_000), 4_000);

    assertThat(alerts()).isEmpty();
    assertThat(matches())
        .extracting(m -> m.paymentId + " " + m.settlementId + " " + m.amountMinor)
        .containsExactly("pay-1 line-1 10000", "pay-1 line-r 2500");
    assertThat(matches().get(1).criteria).extracting(c -> c.criterion).contains("refund-amount");
    assertStateClearedAfterwards();
  }

  @Test
  void refundLineOfTheWrongSizeIsAnAmountMismatchWhenItsGraceEnds() throws Exception {
    harness.processElement2(
        Fixtures.line("REFUND", "se-r", "line-r", "pay-1", -2_000, "EUR", 4_000), 4_000);
    harness.processElement1(Fixtures.refund("pe-r", "pay-1", 2_500, "EUR", 3_000), 3_000);
    // Another partial refund of exactly 2,000 may still come: the line waits for its grace.
    harness.processBothWatermarks(new Watermark(4_000 + GRACE_MS - 1));
    assertThat(alerts()).isEmpty();
    harness.processBothWatermarks(new Watermark(4_000 + GRACE_MS));

    assertThat(alerts())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.kind).isEqualTo(AlertKind.AMOUNT_MISMATCH);
              assertThat(a.paymentId).isEqualTo("pay-1");
              assertThat(a.expectedAmountMinor).isEqualTo(2_500L);
              assertThat(a.actualAmountMinor).isEqualTo(-2_000L);
              assertThat(a.deltas.amountMinor).isEqualTo(-500L);
            });
    assertStateClearedAfterwards();
  }

  @Test
  void partialRefundsPairEachWithItsOwnLineOnce() throws Exception {
    harness.processElement1(Fixtures.refund("pe-r1", "pay-1", 300, "EUR", 1_000), 1_000);
    harness.processElement2(
        Fixtures.line("REFUND", "se-r2", "line-r2", "pay-1", -200, "EUR", 1_500), 1_500);
    harness.processElement1(Fixtures.refund("pe-r2", "pay-1", 200, "EUR", 1_200), 1_200);
    harness.processElement2(
        Fixtures.line("REFUND", "se-r1", "line-r1", "pay-1", -300, "EUR", 2_000), 2_000);
    // Redeliveries and re-imports of either side change nothing.
    harness.processElement1(Fixtures.refund("pe-r1", "pay-1", 300, "EUR", 1_000), 1_000);
    harness.processElement2(
        Fixtures.line("REFUND", "se-r1", "line-r1", "pay-1", -300, "EUR", 2_000), 2_000);

    assertThat(matches())
        .extracting(m -> m.settlementId + " " + m.amountMinor + " " + m.refund)
        .containsExactly("line-r2 200 true", "line-r1 300 true");
    assertThat(alerts()).isEmpty();
    assertStateClearedAfterwards();
  }

  @Test
  void aRefundLineBeyondWhatTheLedgerRefundedIsADuplicateWhenItsGraceEnds() throws Exception {
    harness.processElement1(Fixtures.refund("pe-r1", "pay-1", 300, "EUR", 1_000), 1_000);
    harness.processElement2(
        Fixtures.line("REFUND", "se-r1", "line-r1", "pay-1", -300, "EUR", 1_500), 1_500);
    harness.processElement2(
        Fixtures.line("REFUND", "se-r2", "line-r2", "pay-1", -100, "EUR", 2_000), 2_000);
    harness.processBothWatermarks(new Watermark(2_000 + GRACE_MS - 1));
    assertThat(alerts()).isEmpty();
    harness.processBothWatermarks(new Watermark(2_000 + GRACE_MS));

    assertThat(matches()).extracting(m -> m.settlementId).containsExactly("line-r1");
    assertThat(alerts())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.kind).isEqualTo(AlertKind.DUPLICATE_SETTLEMENT);
              assertThat(a.rule).isEqualTo("refund-lines-within-ledger-refunds@1");
              assertThat(a.paymentId).isEqualTo("pay-1");
              assertThat(a.settlementId).isEqualTo("line-r2");
              assertThat(a.actualAmountMinor).isEqualTo(-100L);
              assertThat(a.detectedAtMs).isEqualTo(2_000 + GRACE_MS);
              assertThat(a.detail).contains("beyond what the ledger refunded", "1 refund ");
              assertThat(a.eventId)
                  .isEqualTo(
                      ReconFindings.alertId(
                          AlertKind.DUPLICATE_SETTLEMENT, "refund:pay-1", "se-r2"));
            });
    assertStateClearedAfterwards();
  }

  @Test
  void aSecondLedgerRefundWithinTheGracePairsWithTheWaitingLine() throws Exception {
    harness.processElement1(Fixtures.refund("pe-r1", "pay-1", 300, "EUR", 1_000), 1_000);
    harness.processElement2(
        Fixtures.line("REFUND", "se-r1", "line-r1", "pay-1", -300, "EUR", 1_500), 1_500);
    harness.processElement2(
        Fixtures.line("REFUND", "se-r2", "line-r2", "pay-1", -100, "EUR", 2_000), 2_000);
    harness.processBothWatermarks(new Watermark(2_000 + GRACE_MS - 1));
    harness.processElement1(Fixtures.refund("pe-r2", "pay-1", 100, "EUR", 4_000), 4_000);

    assertThat(matches()).extracting(m -> m.settlementId).containsExactly("line-r1", "line-r2");
    assertThat(alerts()).isEmpty();
    assertStateClearedAfterwards();
  }

  @Test
  void aLineAfterTheRefundsOverdueAlertResolvesItAndIsMatched() throws Exception {
    harness.processElement1(Fixtures.refund("pe-r1", "pay-1", 300, "EUR", 1_000), 1_000);
    harness.processBothWatermarks(new Watermark(1_000 + DEADLINE_MS));
    harness.processElement2(
        Fixtures.line("REFUND", "se-r1", "line-r1", "pay-1", -300, "EUR", 12_000), 12_000);

    assertThat(alerts())
        .extracting(a -> a.kind)
        .containsExactly(AlertKind.OVERDUE_PAYMENT, AlertKind.RESOLVED);
    assertThat(alerts().get(1).resolvesEventId).isEqualTo(alerts().get(0).eventId);
    assertThat(matches()).extracting(m -> m.settlementId).containsExactly("line-r1");
    assertStateClearedAfterwards();
  }

  @Test
  void refundWithoutALineIsOverdueAndALineWithoutARefundIsAnOrphan() throws Exception {
    harness.processElement1(Fixtures.refund("pe-r", "pay-1", 2_500, "EUR", 1_000), 1_000);
    harness.processElement2(
        Fixtures.line("REFUND", "se-r", "line-r", "pay-2", -700, "EUR", 1_000), 1_000);
    harness.processBothWatermarks(new Watermark(1_000 + DEADLINE_MS));

    assertThat(alerts())
        .extracting(a -> a.kind + " " + a.paymentId)
        .containsExactlyInAnyOrder("ORPHAN_SETTLEMENT pay-2", "OVERDUE_PAYMENT pay-1");
    assertThat(alerts())
        .filteredOn(a -> a.kind == AlertKind.OVERDUE_PAYMENT)
        .singleElement()
        .satisfies(a -> assertThat(a.detail).contains("refund of payment pay-1"));
    assertStateClearedAfterwards();
  }

  @Test
  void aMismatchCarriesItsExplanation() throws Exception {
    harness.processElement1(payment("pe-1", "pay-1", 10_000, "EUR", 1_000), 1_000);
    harness.processElement2(settlement("se-1", "line-1", "pay-1", 10_050, "EUR", 4_000), 4_000);

    assertThat(alerts())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.criteria)
                  .extracting(c -> c.criterion + "=" + c.passed)
                  .containsExactly(
                      "reference=true",
                      "currency=true",
                      "amount=false",
                      "net-equals-gross-minus-fee=true");
              assertThat(a.deltas).isEqualTo(new MatchDeltas(50L, null, null, 0L));
            });
    assertStateClearedAfterwards();
  }

  @Test
  void differentPaymentsAreReconciledIndependently() throws Exception {
    harness.processElement1(payment("pe-1", "pay-1", 100, "EUR", 1_000), 1_000);
    harness.processElement1(payment("pe-2", "pay-2", 200, "EUR", 1_000), 1_000);
    harness.processElement2(settlement("se-2", "line-2", "pay-2", 200, "EUR", 2_000), 2_000);
    harness.processBothWatermarks(new Watermark(1_000 + DEADLINE_MS));

    assertThat(matches()).extracting(m -> m.paymentId).containsExactly("pay-2");
    assertThat(alerts()).extracting(a -> a.paymentId).containsExactly("pay-1");
    assertStateClearedAfterwards();
  }

  @Test
  void restoreFromASnapshotRepeatsTheSameAlertIds() throws Exception {
    harness.processElement1(payment("pe-1", "pay-1", 10_000, "EUR", 1_000), 1_000);
    harness.processElement2(settlement("se-9", "line-9", "pay-9", 700, "EUR", 1_000), 1_000);
    OperatorSubtaskState snapshot = harness.snapshot(1L, 1_500L);
    harness.processBothWatermarks(new Watermark(AFTER_EVERYTHING_MS));
    List<String> firstRun = alerts().stream().map(a -> a.eventId).sorted().toList();

    try (var restored = newHarness()) {
      restored.initializeState(snapshot);
      restored.open();
      restored.processBothWatermarks(new Watermark(AFTER_EVERYTHING_MS));
      List<String> replay =
          restored.getSideOutput(PaymentSettlementMatcher.ALERTS).stream()
              .map(r -> r.getValue().eventId)
              .sorted()
              .toList();

      assertThat(firstRun).hasSize(2);
      assertThat(replay).isEqualTo(firstRun);
      assertThat(restored.numKeyedStateEntries()).isZero();
    }
  }

  // ---- Cancellations (payments.cancelled): a cancelled payment never settles. ----

  @Test
  void aPaymentCancelledBeforeItsDeadlineIsNeverOverdue() throws Exception {
    harness.processElement1(payment("pe-1", "pay-1", 10_000, "EUR", 1_000), 1_000);
    harness.processElement1(Fixtures.cancellation("pc-1", "pay-1", 10_000, 5_000), 5_000);
    harness.processElement1(Fixtures.cancellation("pc-1", "pay-1", 10_000, 5_000), 5_000);

    harness.processBothWatermarks(new Watermark(1_000 + DEADLINE_MS));
    assertThat(alerts()).isEmpty();
    assertThat(matches()).isEmpty();
    assertStateClearedAfterwards();
  }

  @Test
  void aCancellationAfterTheOverdueAlertResolvesIt() throws Exception {
    harness.processElement1(payment("pe-1", "pay-1", 10_000, "EUR", 1_000), 1_000);
    harness.processBothWatermarks(new Watermark(1_000 + DEADLINE_MS));
    harness.processElement1(Fixtures.cancellation("pc-1", "pay-1", 10_000, 13_000), 13_000);

    assertThat(alerts())
        .extracting(a -> a.kind)
        .containsExactly(AlertKind.OVERDUE_PAYMENT, AlertKind.RESOLVED);
    ReconAlert overdue = alerts().get(0);
    assertThat(alerts().get(1))
        .satisfies(
            r -> {
              assertThat(r.resolvesEventId).isEqualTo(overdue.eventId);
              assertThat(r.eventId)
                  .isEqualTo(ReconFindings.alertId(AlertKind.RESOLVED, "pay-1", "pc-1"));
              assertThat(r.rule).isEqualTo(ReconFindings.CANCELLED_RULE);
              assertThat(r.detectedAtMs).isEqualTo(13_000);
              assertThat(r.expectedAmountMinor).isEqualTo(10_000L);
              assertThat(r.detail).contains("cancelled", overdue.eventId, "released");
              assertThat(r.criteria)
                  .extracting(c -> c.criterion + "=" + c.passed)
                  .containsExactly("payment-cancelled=true");
            });
    assertStateClearedAfterwards();
  }

  /** The line, the authorization and the cancellation, in the given order of arrival. */
  private List<ReconAlert> settleACancelledPayment(String order) throws Exception {
    try (var h = newHarness()) {
      h.open();
      for (int i = 0; i < order.length(); i++) {
        switch (order.charAt(i)) {
          case 'p' -> h.processElement1(payment("pe-1", "pay-1", 10_000, "EUR", 1_000), 1_000);
          case 'c' ->
              h.processElement1(Fixtures.cancellation("pc-1", "pay-1", 10_000, 2_000), 2_000);
          case 's' ->
              h.processElement2(settlement("se-1", "line-1", "pay-1", 10_000, "EUR", 4_000), 4_000);
          default -> throw new IllegalArgumentException(order);
        }
      }
      // a re-import of the line says nothing new
      h.processElement2(settlement("se-1", "line-1", "pay-1", 10_000, "EUR", 4_000), 4_000);
      h.processBothWatermarks(new Watermark(AFTER_EVERYTHING_MS));
      // a match only when the pair met before the cancellation
      assertThat(h.extractOutputValues()).as(order).hasSize(order.indexOf('c') == 2 ? 1 : 0);
      assertThat(h.numKeyedStateEntries()).as(order).isZero();
      assertThat(h.numEventTimeTimers()).as(order).isZero();
      return alertsOf(h);
    }
  }

  @Test
  void aLineForACancelledPaymentIsAnAmountMismatchAgainstZeroWhateverTheOrder() throws Exception {
    List<ReconAlert> first = settleACancelledPayment("pcs");
    assertThat(first)
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.kind).isEqualTo(AlertKind.AMOUNT_MISMATCH);
              assertThat(a.eventId)
                  .isEqualTo(ReconFindings.alertId(AlertKind.AMOUNT_MISMATCH, "pay-1", "se-1"));
              assertThat(a.rule).isEqualTo(ReconFindings.CANCELLED_RULE);
              assertThat(a.expectedAmountMinor).isZero();
              assertThat(a.actualAmountMinor).isEqualTo(10_000L);
              assertThat(a.settlementId).isEqualTo("line-1");
              assertThat(a.detectedAtMs).isEqualTo(4_000);
              assertThat(a.detail).contains("cancelled", "stripe:line-1");
              assertThat(a.criteria)
                  .extracting(c -> c.criterion + "=" + c.passed)
                  .containsExactly("payment-not-cancelled=false");
            });
    // A line waiting for its payment, the cancellation before the authorization: the same alert
    // (same id, same time), and no orphan, no overdue, no match.
    for (String order : List.of("scp", "csp", "cps")) {
      assertThat(settleACancelledPayment(order))
          .as(order)
          .extracting(a -> a.eventId + " " + a.rule + " " + a.detectedAtMs)
          .containsExactly(
              first.get(0).eventId + " " + first.get(0).rule + " " + first.get(0).detectedAtMs);
    }
  }

  @Test
  void aCancellationAfterTheSettlementIsAnAmountMismatchOnce() throws Exception {
    // Matched first (no alert), then the cancellation: the match stands, the alert follows; the
    // same whichever side of the pair came first.
    List<ReconAlert> alerts = settleACancelledPayment("psc");
    assertThat(settleACancelledPayment("spc"))
        .extracting(a -> a.eventId)
        .containsExactlyElementsOf(alerts.stream().map(a -> a.eventId).toList());
    assertThat(alerts)
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.kind).isEqualTo(AlertKind.AMOUNT_MISMATCH);
              assertThat(a.eventId)
                  .isEqualTo(ReconFindings.alertId(AlertKind.AMOUNT_MISMATCH, "pay-1", "pc-1"));
              assertThat(a.rule).isEqualTo(ReconFindings.CANCELLED_RULE);
              assertThat(a.expectedAmountMinor).isZero();
              assertThat(a.settlementId).as("the line's outcome is its match").isNull();
              assertThat(a.detail).contains("after stripe:line-1 had settled it (MATCH)");
            });
  }

  @Test
  void aLineAfterItsOrphanAlertThenTheCancellationIsExplained() throws Exception {
    harness.processElement2(settlement("se-1", "line-1", "pay-1", 10_000, "EUR", 1_000), 1_000);
    harness.processBothWatermarks(new Watermark(1_000 + GRACE_MS));
    harness.processElement1(Fixtures.cancellation("pc-1", "pay-1", 10_000, 5_000), 5_000);
    harness.processElement1(Fixtures.cancellation("pc-1", "pay-1", 10_000, 5_000), 5_000);
    harness.processElement1(payment("pe-1", "pay-1", 10_000, "EUR", 500), 5_000);

    assertThat(alerts())
        .extracting(a -> a.kind + " " + a.rule)
        .containsExactly(
            "ORPHAN_SETTLEMENT orphan-grace@1", "AMOUNT_MISMATCH " + ReconFindings.CANCELLED_RULE);
    assertThat(matches()).isEmpty();
    assertStateClearedAfterwards();
  }

  private static KeyedTwoInputStreamOperatorTestHarness<
          String, LedgerPayment, Settlement, PaymentMatch>
      newHarness() throws Exception {
    return newHarness(SETTINGS);
  }

  private static KeyedTwoInputStreamOperatorTestHarness<
          String, LedgerPayment, Settlement, PaymentMatch>
      newHarness(MatcherSettings settings) throws Exception {
    // Not opened yet, so a test can restore a snapshot into it first.
    return new KeyedTwoInputStreamOperatorTestHarness<>(
        new KeyedCoProcessOperator<>(new PaymentSettlementMatcher(settings)),
        PaymentSettlementMatcher.PAYMENT_KEY,
        PaymentSettlementMatcher.SETTLEMENT_KEY,
        Types.STRING);
  }

  private List<PaymentMatch> matches() {
    return harness.extractOutputValues();
  }

  private List<ReconAlert> alerts() {
    return alertsOf(harness);
  }

  private static List<ReconAlert> alertsOf(
      KeyedTwoInputStreamOperatorTestHarness<String, LedgerPayment, Settlement, PaymentMatch> h) {
    Queue<StreamRecord<ReconAlert>> side = h.getSideOutput(PaymentSettlementMatcher.ALERTS);
    return side == null ? List.of() : side.stream().map(StreamRecord::getValue).toList();
  }

  /** No state leak: once every timer has fired, nothing is kept for any key. */
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
