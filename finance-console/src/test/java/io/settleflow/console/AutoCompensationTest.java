package io.settleflow.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settleflow.avro.MismatchAlert;
import io.settleflow.avro.MismatchKind;
import io.settleflow.avro.ReconDeltas;
import io.settleflow.avro.ReconExplanation;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AutoCompensationTest {
  static final String PAYMENT = "6f1c2b4e-8a5d-4f7e-9c3b-2d1e0f9a8b7c";
  static final Instant T = Instant.parse("2026-03-01T09:00:00Z");
  static final String POLICY =
      """
      {"version": 1,
       "default": {"FEE_DEVIATION": {"EUR": 200, "JPY": 50}},
       "merchants": {
         "acme": {"FEE_DEVIATION": {"EUR": 500}, "AMOUNT_MISMATCH": {"EUR": 5}},
         "globex": {"FEE_DEVIATION": {}}}}
      """;

  static Alert alert(
      String kind, String merchant, String payment, Long expected, Long actual, String currency) {
    return new Alert(
        "mm-1",
        kind,
        merchant,
        payment,
        "set-1",
        "adyen",
        expected,
        actual,
        currency,
        AlertSeverity.LOW,
        AlertStatus.OPEN,
        null,
        "r@1",
        "d",
        T,
        T,
        T,
        null);
  }

  @ParameterizedTest(name = "{0} {1} {2} -> {3}")
  @CsvSource(
      nullValues = "NULL",
      value = {
        // merchant, kind,           currency, threshold (NULL = off)
        "acme,       FEE_DEVIATION,   EUR, 500", // the merchant's own
        "acme,       AMOUNT_MISMATCH, EUR, 5",
        "acme,       FEE_DEVIATION,   JPY, NULL", // the merchant's kind replaces the default's
        "initech,    FEE_DEVIATION,   EUR, 200", // the default
        "initech,    FEE_DEVIATION,   JPY, 50",
        "initech,    FEE_DEVIATION,   USD, NULL", // no currency: off
        "initech,    AMOUNT_MISMATCH, EUR, NULL", // no kind: off
        "globex,     FEE_DEVIATION,   EUR, NULL", // switched off for the merchant
        "NULL,       FEE_DEVIATION,   EUR, 200", // no merchant: the default
        "initech,    FEE_DEVIATION,   NULL, NULL",
      })
  void thresholdsComeFromTheMerchantElseTheDefaultElseOff(
      String merchant, String kind, String currency, Long expected) {
    OptionalLong t = AutoCompensation.parse(POLICY).thresholdMinor(merchant, kind, currency);
    assertThat(t).isEqualTo(expected == null ? OptionalLong.empty() : OptionalLong.of(expected));
  }

  @ParameterizedTest(name = "{0} {1} {2}->{3} fee {4} -> books={5}")
  @CsvSource(
      nullValues = "NULL",
      value = {
        // kind,           merchant, expected, actual, fee delta, books, note starts
        "FEE_DEVIATION,   acme,     10000,    10000,  40,        true,  compensated automatically: fee delta 0.40 EUR within the threshold 5.00 EUR for acme",
        "FEE_DEVIATION,   acme,     10000,    10000,  -500,      true,  compensated automatically: fee delta -5.00 EUR",
        "FEE_DEVIATION,   acme,     10000,    10000,  501,       false, auto-compensation not applied: fee delta 5.01 EUR is over the threshold 5.00 EUR for acme",
        "FEE_DEVIATION,   acme,     10000,    10000,  NULL,      false, auto-compensation not applied: no fee delta",
        "FEE_DEVIATION,   acme,     10000,    10000,  0,         false, auto-compensation not applied: no fee delta",
        "FEE_DEVIATION,   initech,  10000,    10000,  150,       true,  compensated automatically: fee delta 1.50 EUR within the threshold 2.00 EUR for initech",
        "FEE_DEVIATION,   globex,   10000,    10000,  1,         false, NULL",
        "AMOUNT_MISMATCH, acme,     10000,    9995,   NULL,      true,  compensated automatically: amount difference -0.05 EUR",
        "AMOUNT_MISMATCH, acme,     10000,    9994,   NULL,      false, auto-compensation not applied: amount difference -0.06 EUR is over",
        "AMOUNT_MISMATCH, initech,  10000,    9999,   NULL,      false, NULL",
        "AMOUNT_MISMATCH, acme,     -9223372036854775808, 1, NULL, false, auto-compensation not applied: no amount difference",
        "ORPHAN_SETTLEMENT, acme,   NULL,     10000,  NULL,      false, NULL",
        "CURRENCY_MISMATCH, acme,   10000,    10000,  NULL,      false, NULL",
      })
  void aConfiguredDifferenceWithinTheThresholdBooksItself(
      String kind,
      String merchant,
      Long expected,
      Long actual,
      Long feeDelta,
      boolean books,
      String note) {
    AutoCompensation.Decision d =
        AutoCompensation.decide(
            AutoCompensation.parse(POLICY),
            alert(kind, merchant, PAYMENT, expected, actual, "EUR"),
            feeDelta);
    assertThat(d.books()).isEqualTo(books);
    if (note == null) {
      assertThat(d.note()).isNull();
    } else {
      assertThat(d.note()).startsWith(note);
    }
    if (books) {
      Compensation.Plan plan = d.plan().orElseThrow();
      assertThat(plan.txId()).isEqualTo(Compensation.txId("mm-1"));
      assertThat(plan.entries().stream().mapToLong(Compensation.Entry::amountMinor).sum()).isZero();
      assertThat(d.note()).contains(plan.txId().toString());
    }
  }

  @Test
  void aFeeChargedOverTheScheduleIsWrittenOffToFeesDifference() {
    Alert a = alert("FEE_DEVIATION", "acme", PAYMENT, 10_000L, 10_000L, "EUR");
    assertThat(
            AutoCompensation.decide(AutoCompensation.parse(POLICY), a, 40L)
                .plan()
                .orElseThrow()
                .entries())
        .containsExactly(
            new Compensation.Entry("fees_difference", 40),
            new Compensation.Entry("card_receivables", -40));
    assertThat(
            AutoCompensation.decide(AutoCompensation.parse(POLICY), a, -40L)
                .plan()
                .orElseThrow()
                .entries())
        .containsExactly(
            new Compensation.Entry("card_receivables", 40),
            new Compensation.Entry("fees_difference", -40));
    assertThat(Compensation.accountKind("fees_difference")).isEqualTo("EXPENSE");
    assertThat(Compensation.accountKind("card_receivables")).isEqualTo("ASSET");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      nullValues = "NULL",
      value = {
        // why,                 status,       payment, fee delta, books, note starts
        "not a ledger payment,  OPEN,         pay-7,   40,        false, auto-compensation not applied: book_difference: payment pay-7 is not a ledger id",
        "no payment,            OPEN,         NULL,    40,        false, auto-compensation not applied: book_difference: the alert names no",
        "already resolved,      RESOLVED,     PAYMENT, 40,        false, NULL",
        "beyond a long,         OPEN,         PAYMENT, -9223372036854775808, false, auto-compensation not applied: no fee delta",
      })
  void whatCannotBeBookedIsLeftForFinanceWithTheReason(
      String why, AlertStatus status, String payment, Long feeDelta, boolean books, String note) {
    Alert base =
        alert(
            "FEE_DEVIATION",
            "acme",
            "PAYMENT".equals(payment) ? PAYMENT : payment,
            10_000L,
            10_000L,
            "EUR");
    Alert a =
        new Alert(
            base.alertId(),
            base.kind(),
            base.merchantId(),
            base.paymentId(),
            base.settlementId(),
            base.source(),
            base.expectedAmountMinor(),
            base.actualAmountMinor(),
            base.currency(),
            base.severity(),
            status,
            null,
            base.rule(),
            base.detail(),
            T,
            T,
            T,
            null);
    AutoCompensation.Decision d =
        AutoCompensation.decide(AutoCompensation.parse(POLICY), a, feeDelta);
    assertThat(d.books()).as(why).isEqualTo(books);
    if (note == null) {
      assertThat(d.note()).isNull();
    } else {
      assertThat(d.note()).startsWith(note);
    }
  }

  @Test
  void aRefusedBookingKeepsItsReason() {
    AutoCompensation.Decision d =
        AutoCompensation.decide(
                AutoCompensation.parse(POLICY),
                alert("FEE_DEVIATION", "acme", PAYMENT, 1L, 1L, "EUR"),
                40L)
            .refused("book_difference: payment x is not in the ledger");
    assertThat(d.books()).isFalse();
    assertThat(d.note())
        .isEqualTo(
            "auto-compensation not applied: book_difference: payment x is not in the ledger");
    assertThat(AutoCompensation.none().books()).isFalse();
  }

  @Test
  void offPolicyBooksNothing() {
    assertThat(AutoCompensation.Policy.OFF.isOff()).isTrue();
    assertThat(AutoCompensation.parse("{\"version\": 1}").isOff()).isTrue();
    assertThat(AutoCompensation.parse(POLICY).isOff()).isFalse();
    assertThat(
            AutoCompensation.decide(
                    AutoCompensation.Policy.OFF,
                    alert("FEE_DEVIATION", "acme", PAYMENT, 1L, 1L, "EUR"),
                    1L)
                .books())
        .isFalse();
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "[]                                                          | document: must be a JSON object",
        "{                                                           | document: not JSON",
        "{\"version\": 2}                                            | version: must be 1",
        "{\"default\": {}}                                           | version: must be 1",
        "{\"version\": 1, \"limits\": {}}                            | limits: unknown setting",
        "{\"version\": 1, \"default\": []}                           | default: must be a JSON object",
        "{\"version\": 1, \"default\": {\"OVERDUE_PAYMENT\": {}}}    | default.OVERDUE_PAYMENT: not a kind that can be compensated",
        "{\"version\": 1, \"default\": {\"FEE_DEVIATION\": 5}}       | default.FEE_DEVIATION: must be a JSON object",
        "{\"version\": 1, \"default\": {\"FEE_DEVIATION\": {\"eur\": 5}}} | default.FEE_DEVIATION.eur: not an ISO 4217 currency code",
        "{\"version\": 1, \"default\": {\"FEE_DEVIATION\": {\"EUR\": -1}}} | default.FEE_DEVIATION.EUR: must be whole minor units 0..100000000",
        "{\"version\": 1, \"default\": {\"FEE_DEVIATION\": {\"EUR\": 1.5}}} | default.FEE_DEVIATION.EUR: must be whole minor units",
        "{\"version\": 1, \"default\": {\"FEE_DEVIATION\": {\"EUR\": \"5\"}}} | default.FEE_DEVIATION.EUR: must be whole minor units",
        "{\"version\": 1, \"default\": {\"FEE_DEVIATION\": {\"EUR\": 100000001}}} | default.FEE_DEVIATION.EUR: must be whole minor units",
        "{\"version\": 1, \"merchants\": []}                         | merchants: must be a JSON object",
        "{\"version\": 1, \"merchants\": {\"Acme!\": {}}}            | merchants.Acme!: not a merchant id",
        "{\"version\": 1, \"merchants\": {\"acme\": {\"FEE_DEVIATION\": {\"EUR\": 99999999999}}}} | merchants.acme.FEE_DEVIATION.EUR: must be whole minor units",
      })
  void aBadPolicyIsRefusedNamingTheField(String document, String message) {
    assertThatThrownBy(() -> AutoCompensation.parse(document))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(message);
  }

  @Test
  void limitsAreEnforced() {
    assertThatThrownBy(
            () -> AutoCompensation.parse(" ".repeat(AutoCompensation.MAX_DOCUMENT_CHARS + 1)))
        .hasMessageStartingWith("document: longer than");
    StringBuilder many = new StringBuilder("{\"version\": 1, \"merchants\": {");
    for (int i = 0; i <= AutoCompensation.MAX_MERCHANTS; i++) {
      many.append(i == 0 ? "" : ",").append("\"m").append(i).append("\": {}");
    }
    assertThatThrownBy(() -> AutoCompensation.parse(many.append("}}").toString()))
        .hasMessageStartingWith("merchants: more than");
    assertThatThrownBy(() -> AutoCompensation.parse(""))
        .hasMessageStartingWith("document: must be a JSON object");
  }

  @Test
  void theFeeDeltaComesFromTheExplanation() {
    MismatchAlert.Builder b =
        MismatchAlert.newBuilder()
            .setEventId("e")
            .setKind(MismatchKind.FEE_DEVIATION)
            .setRule("fee@1")
            .setDetail("d")
            .setDetectedAt(T);
    assertThat(AutoCompensation.feeDeltaMinor(b.build())).isNull();
    ReconExplanation.Builder x = ReconExplanation.newBuilder().setCriteria(List.of());
    assertThat(AutoCompensation.feeDeltaMinor(b.setExplanation(x.build()).build())).isNull();
    ReconDeltas deltas = ReconDeltas.newBuilder().setFeeMinor(40L).build();
    assertThat(
            AutoCompensation.feeDeltaMinor(b.setExplanation(x.setDeltas(deltas).build()).build()))
        .isEqualTo(40L);
  }
}
