package io.settleflow.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RecordedInputTest {
  @Test
  void linesRoundTripEveryFieldAndContinueTheSequence() throws Exception {
    LedgerPayment p = Fixtures.refund("pe-1", "pay-1", 500, "EUR", 1_000);
    Settlement s = Fixtures.member("se-1", "pay-1", "b-1", 600, 10, 2_000);
    s.arrivedAtMs = 2_500;
    String text = RecordedInput.line(p) + "\n\n" + RecordedInput.line(s) + "\n";

    List<ReplayEvent> read =
        RecordedInput.read(new BufferedReader(new StringReader(text)), "rec.jsonl", 10);

    assertThat(read).hasSize(2);
    assertThat(read.get(0).seq).isEqualTo(10);
    assertThat(read.get(0).payment).usingRecursiveComparison().isEqualTo(p);
    assertThat(read.get(1).seq).isEqualTo(11);
    assertThat(read.get(1).line).usingRecursiveComparison().isEqualTo(s);
    // only the fields: no isRefund() and the like, keys sorted (the same event, the same line)
    assertThat(RecordedInput.line(p))
        .startsWith(
            "{\"payment\":{\"amountMinor\":500,\"arrivedAtMs\":0,\"currency\":\"EUR\","
                + "\"eventId\":\"pe-1\",\"eventType\":\"REFUNDED\",\"merchantId\":\"merchant-1\","
                + "\"occurredAtMs\":1000,\"paymentId\":\"pay-1\"")
        .doesNotContain("\"refund\"");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          not json                                   | line 1: not JSON
          []                                         | line 1: expected one object
          {"payment":{},"settlement":{}}             | line 1: expected one object
          {"refund":{}}                              | line 1: refund: unknown field
          {"payment":1}                              | line 1: payment: expected an object
          {"payment":{"eventId":"e","colour":"red"}} | line 1: payment.colour: unknown field
          {"payment":{"amountMinor":"ten"}}          | line 1: payment.amountMinor:
          {"payment":{"amountMinor":null}}           | line 1: payment.amountMinor:
          {"payment":{"eventType":"AUTHORIZED","paymentId":"p","currency":"EUR"}} | line 1: payment.eventId: required
          {"payment":{"eventId":"e","paymentId":"p","currency":"EUR"}} | line 1: payment.eventType: required
          {"payment":{"eventId":"e","eventType":"AUTHORIZED","currency":"EUR"}} | line 1: payment.paymentId: required
          {"payment":{"eventId":"e","eventType":"AUTHORIZED","paymentId":"p"}} | line 1: payment.currency: required
          {"settlement":{"settlementId":"l","recordType":"PAYMENT","currency":"EUR"}} | line 1: settlement.eventId: required
          {"settlement":{"eventId":"e","recordType":"PAYMENT","currency":"EUR"}} | line 1: settlement.settlementId: required
          {"settlement":{"eventId":"e","settlementId":"l","currency":"EUR"}} | line 1: settlement.recordType: required
          {"settlement":{"eventId":"e","settlementId":"l","recordType":"PAYMENT","currency":" "}} | line 1: settlement.currency: required
          """)
  void badLinesNameTheLineAndTheField(String line, String error) {
    assertThatThrownBy(
            () -> RecordedInput.read(new BufferedReader(new StringReader(line)), "rec.jsonl", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("rec.jsonl " + error);
  }
}
