package io.settleflow.deploy.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.settleflow.avro.MismatchAlert;
import io.settleflow.avro.MismatchKind;
import io.settleflow.avro.ReconCriterion;
import io.settleflow.avro.ReconExplanation;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AlertWatcherTest {
  /** The actual amount is shown in the currency it was settled in, not the ledger's. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "AMOUNT_MISMATCH   | amount   | true  | 9900        | expected=100.00 EUR actual=99.00 EUR",
        "CURRENCY_MISMATCH | currency | false | CHF         | expected=100.00 EUR actual=100.00 CHF",
        "FX_DEVIATION      | fx-rate  | false | 10600 USD   | expected=100.00 EUR actual=106.00 USD",
        "FEE_DEVIATION     | currency | true  | EUR         | expected=100.00 EUR actual=100.00 EUR",
      })
  void showsTheActualAmountInTheSettlementsCurrency(
      MismatchKind kind, String criterion, boolean passed, String actual, String shown) {
    long actualMinor =
        kind == MismatchKind.AMOUNT_MISMATCH
            ? 9900
            : kind == MismatchKind.FX_DEVIATION ? 10600 : 10000;
    MismatchAlert a =
        MismatchAlert.newBuilder()
            .setEventId("e-1")
            .setKind(kind)
            .setPaymentId("p-1")
            .setExpectedAmountMinor(10000L)
            .setActualAmountMinor(actualMinor)
            .setCurrency("EUR")
            .setRule("r@1")
            .setDetail("why")
            .setDetectedAt(Instant.parse("2026-11-26T10:00:00Z"))
            .setExplanation(
                ReconExplanation.newBuilder()
                    .setCriteria(
                        List.of(
                            ReconCriterion.newBuilder()
                                .setCriterion(criterion)
                                .setRule("r@1")
                                .setPassed(passed)
                                .setActual(actual)
                                .build()))
                    .build())
            .build();
    assertThat(AlertWatcher.describe(a)).startsWith("ALERT " + kind + " payment=p-1 " + shown);
  }
}
