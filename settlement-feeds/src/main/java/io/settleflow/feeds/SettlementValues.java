package io.settleflow.feeds;

import io.settleflow.avro.SettlementRecordType;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Currency;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Field conversions every settlement format needs: amounts in major units to exact minor units,
 * currencies, record types and settlement times. Pure; each failure names the problem.
 */
public final class SettlementValues {
  /** Longest amount text accepted; far beyond any real amount, short enough to parse cheaply. */
  public static final int MAX_AMOUNT_CHARS = 32;

  /** Settlement times outside this range are typos, and the far ones overflow epoch millis. */
  public static final Instant EARLIEST_SETTLED_AT = Instant.parse("1970-01-01T00:00:00Z");

  public static final Instant LATEST_SETTLED_AT = Instant.parse("9999-12-31T23:59:59.999Z");

  // Processor reports write plain decimals: no exponent, no grouping, no localized separator.
  private static final Pattern DECIMAL = Pattern.compile("[+-]?\\d+(\\.\\d+)?");
  private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
  private static final Pattern CURRENCY_CODE = Pattern.compile("[A-Za-z]{3}");
  private static final String TYPES =
      Arrays.stream(SettlementRecordType.values())
          .map(Enum::name)
          .collect(Collectors.joining(", "));

  /**
   * An amount in major units ({@code 12.34}, {@code -5.00}, {@code 1000}) as exact minor units of
   * the currency ({@link Currency#getDefaultFractionDigits()}: JPY 0, EUR 2, BHD 3). Trailing zeros
   * beyond the minor unit are exact and accepted; any other excess precision is not.
   */
  public static long amountMinor(String text, Currency currency) throws InvalidValueException {
    if (text.isEmpty()) {
      throw new InvalidValueException("empty");
    }
    if (text.length() > MAX_AMOUNT_CHARS || !DECIMAL.matcher(text).matches()) {
      throw new InvalidValueException(
          ReasonText.quote(text) + " is not a decimal amount like 12.34");
    }
    int digits = currency.getDefaultFractionDigits();
    BigDecimal scaled;
    try {
      scaled = new BigDecimal(text).setScale(digits, RoundingMode.UNNECESSARY);
    } catch (ArithmeticException e) {
      throw new InvalidValueException(
          ReasonText.quote(text)
              + " has more than "
              + digits
              + " decimal place"
              + (digits == 1 ? "" : "s")
              + " for "
              + currency.getCurrencyCode());
    }
    try {
      return scaled.unscaledValue().longValueExact();
    } catch (ArithmeticException e) {
      throw new InvalidValueException(ReasonText.quote(text) + " is out of range");
    }
  }

  /** Minor units back in major units, for messages: {@code 1234 EUR -> "12.34"}. */
  public static String majorText(long amountMinor, Currency currency) {
    return BigDecimal.valueOf(amountMinor, currency.getDefaultFractionDigits()).toPlainString();
  }

  /** An ISO 4217 alphabetic code (any case) of a currency with a minor unit. */
  public static Currency currency(String text) throws InvalidValueException {
    if (text.isEmpty()) {
      throw new InvalidValueException("empty");
    }
    if (!CURRENCY_CODE.matcher(text).matches()) {
      throw new InvalidValueException(ReasonText.quote(text) + " is not an ISO 4217 code");
    }
    Currency currency;
    try {
      currency = Currency.getInstance(text.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new InvalidValueException(ReasonText.quote(text) + " is not an ISO 4217 code");
    }
    // Gold, SDRs and "no currency" (XAU, XDR, XXX) have no minor unit to count money in.
    if (currency.getDefaultFractionDigits() < 0) {
      throw new InvalidValueException(ReasonText.quote(text) + " has no minor unit");
    }
    return currency;
  }

  /** A record type, case-insensitive. */
  public static SettlementRecordType recordType(String text) throws InvalidValueException {
    if (text.isEmpty()) {
      throw new InvalidValueException("empty");
    }
    try {
      return SettlementRecordType.valueOf(text.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new InvalidValueException(ReasonText.quote(text) + " is not one of " + TYPES);
    }
  }

  /**
   * An ISO-8601 instant ({@code 2026-11-25T10:00:00Z}, or with an offset) or a date ({@code
   * 2026-11-25}, read as the start of that day in UTC), truncated to milliseconds as the schema
   * stores it. A date-time without a zone is ambiguous and rejected.
   */
  public static Instant settledAt(String text) throws InvalidValueException {
    if (text.isEmpty()) {
      throw new InvalidValueException("empty");
    }
    Instant instant;
    try {
      // ISO_OFFSET_DATE_TIME reads both "...Z" and "...+01:00"; a bare date is a day in UTC.
      instant =
          DATE.matcher(text).matches()
              ? LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant()
              : OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeParseException e) {
      throw new InvalidValueException(
          ReasonText.quote(text)
              + " is not an ISO-8601 instant (2026-11-25T10:00:00Z) or date (2026-11-25)");
    }
    if (instant.isBefore(EARLIEST_SETTLED_AT) || instant.isAfter(LATEST_SETTLED_AT)) {
      throw new InvalidValueException(ReasonText.quote(text) + " is out of range");
    }
    return instant.truncatedTo(ChronoUnit.MILLIS);
  }

  private SettlementValues() {}
}
