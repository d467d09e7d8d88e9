package io.settleflow.console;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AlertSeverityTest {

  @ParameterizedTest(name = "{0} sent={1} {2}->{3} {4} = {5}")
  @CsvSource(
      nullValues = "NULL",
      value = {
        // kind,               sent,   expected, actual,  currency, severity
        "CURRENCY_MISMATCH,    NULL,   100,      100,     EUR,      HIGH",
        "DUPLICATE_SETTLEMENT, NULL,   NULL,     100,     EUR,      HIGH",
        "ORPHAN_SETTLEMENT,    NULL,   NULL,     100,     EUR,      MEDIUM",
        "OVERDUE_PAYMENT,      NULL,   100,      NULL,    EUR,      MEDIUM",
        "CHARGEBACK,           NULL,   100,      NULL,    EUR,      MEDIUM",
        "RESOLVED,             NULL,   NULL,     NULL,    EUR,      INFO",
        "AMOUNT_MISMATCH,      NULL,   10000,    9999,    EUR,      LOW",
        "AMOUNT_MISMATCH,      NULL,   10000,    9001,    EUR,      LOW",
        "AMOUNT_MISMATCH,      NULL,   10000,    9000,    EUR,      MEDIUM",
        "AMOUNT_MISMATCH,      NULL,   10000,    11000,   EUR,      MEDIUM",
        "AMOUNT_MISMATCH,      NULL,   0,        100000,  EUR,      HIGH",
        "AMOUNT_MISMATCH,      NULL,   0,        999,     JPY,      MEDIUM",
        "AMOUNT_MISMATCH,      NULL,   0,        1000,    JPY,      HIGH",
        "AMOUNT_MISMATCH,      NULL,   0,        9999,    BHD,      LOW",
        "AMOUNT_MISMATCH,      NULL,   NULL,     100,     EUR,      MEDIUM",
        "FEE_DEVIATION,        NULL,   200,      250,     EUR,      LOW",
        "FEE_DEVIATION,        MEDIUM, 200,      250,     EUR,      MEDIUM",
        "AMOUNT_MISMATCH,      HIGH,   200,      201,     EUR,      HIGH",
        "AMOUNT_MISMATCH,      URGENT, 200,      201,     EUR,      LOW",
        "RESOLVED,             INFO,   NULL,     NULL,    EUR,      INFO",
      })
  void severityFromTheAlertOrItsKindAndDifference(
      String kind,
      String sent,
      Long expected,
      Long actual,
      String currency,
      AlertSeverity severity) {
    assertThat(AlertSeverity.of(sent, kind, expected, actual, currency)).isEqualTo(severity);
  }
}
