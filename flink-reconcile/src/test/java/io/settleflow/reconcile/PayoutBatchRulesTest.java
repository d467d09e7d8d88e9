package io.settleflow.reconcile;

import static io.settleflow.reconcile.Fixtures.batchLine;
import static io.settleflow.reconcile.Fixtures.member;
import static io.settleflow.reconcile.Fixtures.payout;
import static org.assertj.core.api.Assertions.assertThat;

import io.settleflow.reconcile.PayoutBatchRules.Outcome;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PayoutBatchRulesTest {
  static final long DAY = SettlementMatchRules.DAY_MS;

  /** tolerance, payout gross, member lines → outcome, rule, amount delta, detail part. */
  static Stream<Arguments> cases() {
    return Stream.of(
        row(
            "payout = net of two sales",
            0,
            19_400,
            List.of(
                member("m1", "pay-1", "B", 10_000, 300, 0),
                member("m2", "pay-2", "B", 10_000, 300, 0)),
            Outcome.MATCH,
            "payout-batch-sum@1",
            0L,
            "2 member lines"),
        row(
            "a refund and a fee line in the batch count with their net",
            0,
            8_500,
            List.of(
                member("m1", "pay-1", "B", 10_000, 300, 0),
                batchLine("REFUND", "m2", "r-2", "pay-2", "B", -1_000, 0, "EUR", 0),
                batchLine("FEE", "m3", "f-3", null, "B", -200, 0, "EUR", 0)),
            Outcome.MATCH,
            "payout-batch-sum@1",
            0L,
            "3 member lines"),
        row(
            "payout one cent short",
            0,
            9_699,
            List.of(member("m1", "pay-1", "B", 10_000, 300, 0)),
            Outcome.AMOUNT_MISMATCH,
            "payout-batch-sum@1",
            -1L,
            "delta -1"),
        row(
            "payout one cent short within tolerance",
            1,
            9_699,
            List.of(member("m1", "pay-1", "B", 10_000, 300, 0)),
            Outcome.MATCH,
            "payout-batch-sum@1",
            -1L,
            "± 1"),
        row(
            "payout over by two, tolerance one",
            1,
            9_702,
            List.of(member("m1", "pay-1", "B", 10_000, 300, 0)),
            Outcome.AMOUNT_MISMATCH,
            "payout-batch-sum@1",
            2L,
            "delta +2"),
        row(
            "gross instead of net",
            0,
            10_000,
            List.of(member("m1", "pay-1", "B", 10_000, 300, 0)),
            Outcome.AMOUNT_MISMATCH,
            "payout-batch-sum@1",
            300L,
            "delta +300"),
        row(
            "a member in another currency",
            0,
            19_400,
            List.of(
                member("m1", "pay-1", "B", 10_000, 300, 0),
                batchLine("PAYMENT", "m2", "l-2", "pay-2", "B", 10_000, 300, "USD", 0)),
            Outcome.CURRENCY_MISMATCH,
            "currency-exact@1",
            0L,
            "currencies differ"),
        row(
            "no member at all",
            0,
            5_000,
            List.of(),
            Outcome.NO_MEMBERS,
            "payout-batch-sum@1",
            null,
            "no line of that batch arrived"),
        row(
            "sums beyond a long",
            0,
            Long.MIN_VALUE,
            List.of(
                member("m1", "pay-1", "B", Long.MAX_VALUE, 0, 0),
                member("m2", "pay-2", "B", 5, 0, 0)),
            Outcome.AMOUNT_MISMATCH,
            "payout-batch-sum@1",
            null,
            "beyond a long"));
  }

  static Arguments row(
      String name,
      long tolerance,
      long payoutGross,
      List<Settlement> members,
      Outcome outcome,
      String rule,
      Long delta,
      String detailPart) {
    return Arguments.of(name, tolerance, payoutGross, members, outcome, rule, delta, detailPart);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void decides(
      String name,
      long tolerance,
      long payoutGross,
      List<Settlement> members,
      Outcome outcome,
      String rule,
      Long delta,
      String detailPart) {
    PayoutBatchRules rules =
        new PayoutBatchRules(new ReconRules.Batches(1, tolerance, 1_000, 10_000));
    BatchTotals totals = new BatchTotals();
    members.forEach(totals::add);

    PayoutBatchRules.Verdict v = rules.compare(payout("p", "B", payoutGross, DAY), totals);

    assertThat(v.outcome()).isEqualTo(outcome);
    assertThat(v.isMatch()).isEqualTo(outcome == Outcome.MATCH);
    assertThat(v.rule()).isEqualTo(rule);
    assertThat(v.deltaMinor()).isEqualTo(delta);
    assertThat(v.detail()).contains(detailPart);
    assertThat(v.criteria()).first().extracting(c -> c.criterion).isEqualTo("batch-members");
  }

  @Test
  void aMatchExplainsEveryCriterionAndTheDays() {
    BatchTotals totals = new BatchTotals();
    totals.add(member("m1", "pay-1", "B", 10_000, 300, 0));
    totals.add(member("m2", "pay-2", "B", 5_000, 150, DAY / 2));

    PayoutBatchRules.Verdict v =
        new PayoutBatchRules(ReconRules.Batches.defaults())
            .compare(payout("p", "B", 14_550, 2 * DAY + 5), totals);

    assertThat(v.criteria())
        .extracting(c -> c.criterion + " " + c.passed + " " + c.expected + " " + c.actual)
        .containsExactly(
            "batch-members true member lines of batch B 2 lines",
            "currency true EUR EUR",
            "payout-equals-members-net true 14550 14550");
    assertThat(v.deltas().amountMinor).isZero();
    assertThat(v.deltas().days).isEqualTo(2L);
    assertThat(totals.feeMinor).isEqualTo(450);
    assertThat(totals.paymentIds).containsExactly("pay-1", "pay-2");
  }

  @Test
  void theListOfPaymentsIsBoundedButTheSumsCountEveryMember() {
    BatchTotals totals = new BatchTotals();
    int n = BatchTotals.MAX_LISTED_PAYMENTS + 5;
    for (int i = 0; i < n; i++) {
      totals.add(member("m" + i, "pay-" + i, "B", 100, 1, i));
    }
    totals.add(member("again", "pay-0", "B", 100, 1, 0));

    assertThat(totals.paymentIds).hasSize(BatchTotals.MAX_LISTED_PAYMENTS);
    assertThat(totals.count).isEqualTo(n + 1);
    assertThat(totals.netMinor).isEqualTo(99L * (n + 1));
    assertThat(totals.firstAtMs).isZero();
  }
}
