package io.settleflow.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.settleflow.avro.MismatchAlert;
import io.settleflow.reconcile.SettlementMatchRules.Outcome;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ReconFindingsTest {

  /** verdict outcome → alert kind and severity. */
  static Stream<Arguments> kinds() {
    return Stream.of(
        Arguments.of(Outcome.AMOUNT_MISMATCH, AlertKind.AMOUNT_MISMATCH, "HIGH"),
        Arguments.of(Outcome.CURRENCY_MISMATCH, AlertKind.CURRENCY_MISMATCH, "HIGH"),
        Arguments.of(Outcome.FEE_DEVIATION, AlertKind.FEE_DEVIATION, "MEDIUM"),
        Arguments.of(Outcome.FX_DEVIATION, AlertKind.FX_DEVIATION, "MEDIUM"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void everyMismatchOutcomeBecomesItsAlertKind(Outcome outcome, AlertKind kind, String severity) {
    LedgerPayment p = Fixtures.payment("pe-1", "pay-1", 100, "EUR", 1);
    Settlement s = Fixtures.settlement("se-1", "l-1", "pay-1", 100, "EUR", 2);
    SettlementMatchRules.Verdict v =
        new SettlementMatchRules.Verdict(outcome, "r@1", "why", 0, List.of(), null);

    ReconAlert a = ReconFindings.mismatch(p, s, v, 2);
    MismatchAlert avro = ReconAvro.alert(a);

    assertThat(a.kind).isEqualTo(kind);
    assertThat(a.eventId).isEqualTo(ReconFindings.alertId(kind, "pay-1", "se-1"));
    assertThat(avro.getSeverity()).isEqualTo(severity);
    assertThat(avro.getExplanation().getCriteria()).isEmpty();
    assertThat(avro.getExplanation().getDeltas()).isNull();
  }

  @Test
  void chargebackWithoutAReferenceSaysSo() {
    Settlement s = Fixtures.line("CHARGEBACK", "se-c", "c-1", null, -500, "EUR", 7);

    ReconAlert a = ReconFindings.chargeback(s);

    assertThat(a.kind).isEqualTo(AlertKind.CHARGEBACK);
    assertThat(a.paymentId).isNull();
    assertThat(a.detail).contains("CHARGEBACK line stripe:c-1 against no referenced payment");
    assertThat(a.criteria[0].toString())
        .isEqualTo(
            "record-type (chargeback-line@1) FAILED: expected PAYMENT or REFUND, actual"
                + " CHARGEBACK");
  }

  /** Issue 7: what is found about a payment carries the payment's trace on; the rest none. */
  @Test
  void findingsAboutAPaymentCarryItsTraceparent() {
    String trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    LedgerPayment p = Fixtures.payment("pe-1", "pay-1", 100, "EUR", 1);
    p.traceparent = trace;
    Settlement same = Fixtures.settlement("se-1", "l-1", "pay-1", 100, "EUR", 2);
    Settlement short_ = Fixtures.settlement("se-2", "l-2", "pay-1", 90, "EUR", 2);
    SettlementMatchRules rules = new SettlementMatchRules(0);

    assertThat(ReconFindings.match(p, same, rules.compare(p, same), 2).traceparent)
        .isEqualTo(trace);
    assertThat(ReconFindings.mismatch(p, short_, rules.compare(p, short_), 2).traceparent)
        .isEqualTo(trace);
    assertThat(ReconFindings.overdue(p, 10, null, "settlement-deadline@1", 11).traceparent)
        .isEqualTo(trace);
    assertThat(ReconFindings.resolved(p, same, 11, "settlement-deadline@1", 12).traceparent)
        .isEqualTo(trace);
    assertThat(ReconFindings.orphan(same, 10, 12).traceparent).isNull();
    LedgerPayment untraced = Fixtures.payment("pe-2", "pay-2", 100, "EUR", 1);
    assertThat(ReconFindings.match(untraced, same, rules.compare(untraced, same), 2).traceparent)
        .isNull();
  }

  @Test
  void textFormsNameIdsAndAmountsButNoCardData() {
    LedgerPayment p = Fixtures.payment("pe-1", "pay-1", 100, "EUR", 1);
    Settlement s = Fixtures.settlement("se-1", "l-1", "pay-1", 100, "EUR", 2);
    SettlementMatchRules.Verdict v = new SettlementMatchRules(0).compare(p, s);
    PaymentMatch m = ReconFindings.match(p, s, v, 2);
    ReconAlert a = ReconFindings.orphan(s, 10, 12);
    MatchDeltas d = new MatchDeltas(1L, 2L, 3L, 4L);

    assertThat(p.toString()).contains("pay-1", "pe-1", "100 EUR");
    assertThat(s.toString()).contains("stripe:l-1", "se-1", "ref pay-1", "gross 100 EUR");
    assertThat(m.toString()).contains("pay-1 ~ stripe:l-1", "amount-exact@1");
    assertThat(a.toString()).contains("ORPHAN_SETTLEMENT", "orphan-grace@1");
    assertThat(v.criteria().get(2).toString())
        .isEqualTo("amount (amount-exact@1) passed: expected 100, actual 100, delta 0");
    assertThat(d.toString()).isEqualTo("amount 1, fee 2, fx 3, days 4");
    assertThat(d).isEqualTo(new MatchDeltas(1L, 2L, 3L, 4L)).isNotEqualTo(new MatchDeltas());
    assertThat(d.hashCode()).isEqualTo(new MatchDeltas(1L, 2L, 3L, 4L).hashCode());
  }
}
