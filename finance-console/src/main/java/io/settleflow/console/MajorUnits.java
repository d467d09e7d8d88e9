package io.settleflow.console;

import java.math.BigDecimal;
import java.util.Currency;

/**
 * Minor units (long) shown in major units with the currency's own precision (ISO 4217 via {@link
 * Currency}): 12345 EUR is 123.45, 12345 JPY is 12345, 12345 BHD is 12.345. Never a double.
 */
public final class MajorUnits {
  private MajorUnits() {}

  /**
   * The decimal places of the currency, or -1 when the code is not an ISO 4217 currency with a
   * fixed precision (then amounts are shown in minor units, never guessed).
   */
  public static int fractionDigits(String currency) {
    if (currency == null || !currency.matches("[A-Z]{3}")) {
      return -1;
    }
    try {
      return Currency.getInstance(currency).getDefaultFractionDigits();
    } catch (IllegalArgumentException e) {
      return -1;
    }
  }

  /** The plain decimal ("123.45", "-0.05", "12345"), or null for a null amount. */
  public static String plain(Long amountMinor, String currency) {
    if (amountMinor == null) {
      return null;
    }
    int digits = fractionDigits(currency);
    if (digits < 0) {
      return Long.toString(amountMinor);
    }
    return BigDecimal.valueOf(amountMinor, digits).toPlainString();
  }

  /** What a person reads: "123.45 EUR"; "12345 minor units XTS" when the precision is unknown. */
  public static String display(Long amountMinor, String currency) {
    if (amountMinor == null) {
      return "";
    }
    String code = currency == null ? "???" : currency;
    if (fractionDigits(currency) < 0) {
      return amountMinor + " minor units " + code;
    }
    return plain(amountMinor, currency) + " " + code;
  }

  /** actual − expected, or null when either is missing (overflow is refused, never wrapped). */
  public static Long difference(Long expectedMinor, Long actualMinor) {
    if (expectedMinor == null || actualMinor == null) {
      return null;
    }
    return Math.subtractExact(actualMinor, expectedMinor);
  }
}
