package io.settleflow.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.settleflow.reconcile.PayoutWindowRules.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** "Sum within a window": which settled payments a payout line without a batch id pays. */
class PayoutWindowRulesTest {
  static final long DAY = SettlementMatchRules.DAY_MS;
  static final long PAYOUT_AT = 10 * DAY;

  /** A settled payment: id, net, settled this many days before the payout. */
  static WindowCandidate paid(String id, long net, double daysBefore) {
    return paidIn(id, net, "EUR", daysBefore);
  }

  static WindowCandidate paidIn(String id, long net, String currency, double daysBefore) {
    return new WindowCandidate(
        id,
        "m-1",
        "match-" + id,
        "line-" + id,
        net,
        net / 50,
        currency,
        PAYOUT_AT - (long) (daysBefore * DAY));
  }

  static Settlement payoutLine(long gross) {
    return new Settlement(
        "po-e", "po-1", "bank", "PAYMENT", null, "m-1", gross, 0, gross, "EUR", PAYOUT_AT);
  }

  static PayoutWindowRules rules(long toleranceMinor) {
    return new PayoutWindowRules(new ReconRules.PayoutWindows(2, true, 3 * DAY, toleranceMinor));
  }

  /** tolerance, payout gross, open payments → outcome, chosen ids, delta, choice text part. */
  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of(
            "every unpaid payment in the window, in a row",
            0,
            3_000,
            List.of(paid("p1", 1_000, 2), paid("p2", 1_500, 1), paid("p3", 500, 0.5)),
            Outcome.MATCH,
            List.of("p1", "p2", "p3"),
            0L,
            "contiguous run of 3 from p1 to p3"),
        Arguments.of(
            "the run starting earliest wins over a later one of the same sum",
            0,
            1_000,
            List.of(paid("p2", 1_000, 1), paid("p1", 1_000, 2)),
            Outcome.MATCH,
            List.of("p1"),
            0L,
            "contiguous run of 1 from p1"),
        Arguments.of(
            "a run in the middle (the oldest was paid by something else)",
            0,
            2_500,
            List.of(paid("p1", 700, 2.5), paid("p2", 1_000, 2), paid("p3", 1_500, 1)),
            Outcome.MATCH,
            List.of("p2", "p3"),
            0L,
            "contiguous run of 2 from p2"),
        Arguments.of(
            "within tolerance: the run closest to the gross",
            10,
            2_005,
            List.of(paid("p1", 1_000, 2), paid("p2", 998, 1.5), paid("p3", 8, 1)),
            Outcome.MATCH,
            List.of("p1", "p2", "p3"),
            -1L,
            "contiguous run of 3"),
        Arguments.of(
            "no run fits: the first subset in search order",
            0,
            1_500,
            List.of(paid("p1", 1_000, 2), paid("p2", 700, 1.5), paid("p3", 500, 1)),
            Outcome.MATCH,
            List.of("p1", "p3"),
            0L,
            "subset of 2 found after"),
        Arguments.of(
            "payments settled before the window, after the payout or in another currency do not"
                + " count",
            0,
            1_000,
            List.of(
                paid("old", 1_000, 3.5),
                paid("later", 1_000, -0.5),
                paidIn("usd", 1_000, "USD", 1)),
            Outcome.NO_CANDIDATES,
            List.of(),
            null,
            null),
        Arguments.of(
            "a payment at either end of the window counts",
            0,
            2_000,
            List.of(paid("edge", 1_000, 3), paid("now", 1_000, 0)),
            Outcome.MATCH,
            List.of("edge", "now"),
            0L,
            "contiguous run of 2"),
        Arguments.of(
            "a zero or negative net is no candidate",
            0,
            1_000,
            List.of(paid("zero", 0, 1), paid("neg", -5, 1)),
            Outcome.NO_CANDIDATES,
            List.of(),
            null,
            null),
        Arguments.of(
            "nothing sums to the gross",
            0,
            1_234,
            List.of(paid("p1", 1_000, 2), paid("p2", 700, 1)),
            Outcome.NO_FIT,
            List.of(),
            null,
            null),
        Arguments.of(
            "one cent off without tolerance",
            0,
            1_701,
            List.of(paid("p1", 1_000, 2), paid("p2", 700, 1)),
            Outcome.NO_FIT,
            List.of(),
            null,
            null),
        Arguments.of(
            "one cent off within tolerance",
            1,
            1_701,
            List.of(paid("p1", 1_000, 2), paid("p2", 700, 1)),
            Outcome.MATCH,
            List.of("p1", "p2"),
            1L,
            "contiguous run of 2"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void decidesWhichPaymentsAPayoutPays(
      String name,
      long tolerance,
      long gross,
      List<WindowCandidate> open,
      Outcome outcome,
      List<String> chosen,
      Long delta,
      String choice) {
    PayoutWindowRules.Verdict v = rules(tolerance).compare(payoutLine(gross), open);

    assertThat(v.outcome()).isEqualTo(outcome);
    assertThat(v.rule()).isEqualTo("payout-window-sum@2");
    assertThat(v.chosen()).extracting(c -> c.paymentId).containsExactlyElementsOf(chosen);
    assertThat(v.deltaMinor()).isEqualTo(delta);
    assertThat(v.isMatch()).isEqualTo(outcome == Outcome.MATCH);
    if (choice != null) {
      assertThat(v.criteria())
          .filteredOn(c -> c.criterion.equals("payment-choice"))
          .singleElement()
          .satisfies(c -> assertThat(c.actual).contains(choice));
    }
  }

  @Test
  void aMatchExplainsThePaymentsTheWindowAndTheDelta() {
    PayoutWindowRules.Verdict v =
        rules(0).compare(payoutLine(2_500), List.of(paid("p1", 1_000, 2), paid("p2", 1_500, 1)));

    assertThat(v.criteria())
        .extracting(c -> c.criterion + "|" + c.passed + "|" + c.expected + "|" + c.actual)
        .containsExactly(
            "window-payments|true|unpaid EUR payments of merchant m-1 settled"
                + " 1970-01-08T00:00:00Z .. 1970-01-11T00:00:00Z (window PT72H)|2 payments",
            "payout-equals-payments-net|true|2500 (p1+p2)|2500",
            "payment-choice|true|a contiguous run by settled_at, else the first subset of the"
                + " earliest 24 (at most 100000 steps)|contiguous run of 2 from p1 to p2");
    assertThat(v.deltas().amountMinor).isZero();
    assertThat(v.deltas().days).isEqualTo(2L);
    assertThat(v.detail())
        .isEqualTo(
            "payout line bank:po-1 gross 2500 EUR pays 2 payments of merchant m-1 settled"
                + " 1970-01-08T00:00:00Z .. 1970-01-11T00:00:00Z (window PT72H), net 2500,"
                + " delta 0 (contiguous run of 2 from p1 to p2)");
  }

  @Test
  void noFitSaysWhatWasSearched() {
    PayoutWindowRules.Verdict v =
        rules(0).compare(payoutLine(1_234), List.of(paid("p1", 1_000, 2)));

    assertThat(v.detail())
        .isEqualTo(
            "payout line bank:po-1 (gross 1234 EUR minor units) names no payment and no batch,"
                + " and no run or subset of merchant m-1's 1 unpaid payments settled"
                + " 1970-01-08T00:00:00Z .. 1970-01-11T00:00:00Z (window PT72H) sums to it");
    assertThat(v.criteria())
        .extracting(c -> c.criterion + " " + c.passed)
        .containsExactly("window-payments true", "payout-equals-payments-net false");
    assertThat(rules(0).compare(payoutLine(1_234), List.of()).detail())
        .contains("has no unpaid payment settled");
  }

  @Test
  void onlyTheEarliestCandidatesAreSearchedForASubset() {
    // 24 payments of 1,000, then 7, 1,000 and 11: only 7 + 11 sums to 18, no run does, and the
    // two lie beyond the searched candidates: unmatched, and the explanation names the limit.
    List<WindowCandidate> open = new ArrayList<>();
    for (int i = 0; i < PayoutWindowRules.MAX_SEARCH_CANDIDATES; i++) {
      open.add(paid(String.format(java.util.Locale.ROOT, "p%02d", i), 1_000, 2 - i * 0.01));
    }
    open.add(paid("seven", 7, 1.5));
    open.add(paid("filler", 1_000, 1.4));
    open.add(paid("eleven", 11, 1.3));
    PayoutWindowRules.Verdict v = rules(0).compare(payoutLine(18), open);

    assertThat(v.outcome()).isEqualTo(Outcome.NO_FIT);
    assertThat(v.detail()).endsWith("; only the earliest 24 of 27");
    // The same two among the earliest are found.
    assertThat(rules(0).compare(payoutLine(18), open.subList(20, 27)).chosen())
        .extracting(c -> c.paymentId)
        .containsExactly("seven", "eleven");
  }

  @Test
  void theSubsetSearchStopsAfterItsStepLimit() {
    // 24 payments of 2 can never sum to an odd gross: the search runs out of steps.
    List<WindowCandidate> open = new ArrayList<>();
    for (int i = 0; i < PayoutWindowRules.MAX_SEARCH_CANDIDATES; i++) {
      open.add(paid(String.format(java.util.Locale.ROOT, "p%02d", i), 2, 2 - i * 0.01));
    }
    PayoutWindowRules.Verdict v = rules(0).compare(payoutLine(31), open);

    assertThat(v.outcome()).isEqualTo(Outcome.NO_FIT);
    assertThat(v.detail())
        .endsWith("; search stopped at " + PayoutWindowRules.MAX_SEARCH_STEPS + " steps");
  }

  @Test
  void aRunIsAtMostTheLimitLong() {
    List<WindowCandidate> open = new ArrayList<>();
    for (int i = 0; i <= PayoutWindowRules.MAX_PAYMENTS_PER_PAYOUT; i++) {
      open.add(paid(String.format(java.util.Locale.ROOT, "p%04d", i), 1, 2 - i * 0.0001));
    }
    long all = PayoutWindowRules.MAX_PAYMENTS_PER_PAYOUT + 1;
    assertThat(PayoutWindowRules.contiguous(open, all, 0)).isNull();
    assertThat(PayoutWindowRules.contiguous(open, all - 1, 0))
        .hasSize(PayoutWindowRules.MAX_PAYMENTS_PER_PAYOUT);
  }
}
