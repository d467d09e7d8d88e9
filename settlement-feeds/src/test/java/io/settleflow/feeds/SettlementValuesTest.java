package io.settleflow.feeds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Currency;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SettlementValuesTest {
  @ParameterizedTest(name = "{0} {1} -> {2}")
  @CsvSource({
    "12.34, EUR, 1234",
    "-12.34, EUR, -1234",
    "+12.34, EUR, 1234",
    "12, EUR, 1200",
    "12.3, EUR, 1230",
    "-0.00, EUR, 0",
    "0, JPY, 0",
    "1500, JPY, 1500",
    "1.234, BHD, 1234",
    "1.2, BHD, 1200",
    "12.3400, EUR, 1234", // zeros beyond the minor unit are exact
    "1500.000, JPY, 1500",
    "0000012.34, EUR, 1234",
    "9999999999999999.99, EUR, 999999999999999999", // 18 digits: the long path
    "92233720368547758.07, EUR, 9223372036854775807", // Long.MAX_VALUE: the BigDecimal path
    "-92233720368547758.08, EUR, -9223372036854775808",
    "1.2345, CLF, 12345", // four decimal places
  })
  void amountsBecomeExactMinorUnits(String text, String currency, long minor) throws Exception {
    assertThat(SettlementValues.amountMinor(text, Currency.getInstance(currency))).isEqualTo(minor);
  }

  @ParameterizedTest(name = "{0} {1}: {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "12.345 | EUR | '12.345' has more than 2 decimal places for EUR",
        "0.5 | JPY | '0.5' has more than 0 decimal places for JPY",
        "92233720368547758.08 | EUR | is out of range", // long digit runs are masked (PANs)
        "1,234.00 | EUR | '1,234.00' is not a decimal amount like 12.34",
        "12. | EUR | '12.' is not a decimal amount like 12.34",
        ".5 | EUR | '.5' is not a decimal amount like 12.34",
        "1e3 | EUR | '1e3' is not a decimal amount like 12.34",
        "- | EUR | '-' is not a decimal amount like 12.34",
        "+-1 | EUR | '+-1' is not a decimal amount like 12.34",
        "١٢ | EUR | '١٢' is not a decimal amount like 12.34", // Arabic-Indic digits are not ASCII
        "123456789012345678901234567890123 | EUR | is not a decimal amount like 12.34",
      })
  void badAmountsAreRefusedWithTheReason(String text, String currency, String reason) {
    assertThatThrownBy(() -> SettlementValues.amountMinor(text, Currency.getInstance(currency)))
        .isInstanceOf(InvalidValueException.class)
        .hasMessageContaining(reason);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "2026-11-25, 2026-11-25T00:00:00Z",
    "2026-11-25T10:15:30Z, 2026-11-25T10:15:30Z",
    "2026-11-25t10:15:30z, 2026-11-25T10:15:30Z", // ISO parsing is case-insensitive
    "2026-11-25T10:15:30.123456Z, 2026-11-25T10:15:30.123Z", // truncated to millis
    "2026-11-25T10:15:30+01:00, 2026-11-25T09:15:30Z",
    "2024-02-29T23:59:59Z, 2024-02-29T23:59:59Z",
    "1970-01-01, 1970-01-01T00:00:00Z",
  })
  void settlementTimesAreInstants(String text, String expected) throws Exception {
    assertThat(SettlementValues.settledAt(text)).isEqualTo(Instant.parse(expected));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "2026-02-30, is not an ISO-8601 instant",
    "2025-02-29T10:00:00Z, is not an ISO-8601 instant",
    "2026-11-25T24:00:00Z, is not an ISO-8601 instant",
    "2026-11-25T10:60:00Z, is not an ISO-8601 instant",
    "2026-13-01, is not an ISO-8601 instant",
    "2026-11-25T10:15:30, is not an ISO-8601 instant", // no zone: ambiguous
    "25.11.2026, is not an ISO-8601 instant",
    "1969-12-31, is out of range",
  })
  void badSettlementTimesAreRefused(String text, String reason) {
    assertThatThrownBy(() -> SettlementValues.settledAt(text))
        .isInstanceOf(InvalidValueException.class)
        .hasMessageContaining(reason);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"eur, EUR", "Usd, USD", "JPY, JPY"})
  void currenciesAreIsoCodesInAnyCase(String text, String code) throws Exception {
    assertThat(SettlementValues.currency(text)).isEqualTo(Currency.getInstance(code));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "EU, is not an ISO 4217 code",
    "EURO, is not an ISO 4217 code",
    "E1R, is not an ISO 4217 code",
    "ÉUR, is not an ISO 4217 code",
    "QQQ, is not an ISO 4217 code",
    "XAU, has no minor unit",
  })
  void badCurrenciesAreRefused(String text, String reason) {
    assertThatThrownBy(() -> SettlementValues.currency(text))
        .isInstanceOf(InvalidValueException.class)
        .hasMessageContaining(reason);
  }
}
