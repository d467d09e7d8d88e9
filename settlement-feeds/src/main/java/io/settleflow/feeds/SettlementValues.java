package io.settleflow.feeds;

import io.settleflow.avro.SettlementRecordType;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Currency;
import java.util.Locale;
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
    if (text.length() > MAX_AMOUNT_CHARS || !isPlainDecimal(text)) {
      throw new InvalidValueException(
          ReasonText.quote(text) + " is not a decimal amount like 12.34");
    }
    int digits = currency.getDefaultFractionDigits();
    long exact = exactMinorOrMinusOne(text, digits);
    if (exact >= 0) {
      return text.charAt(0) == '-' ? -exact : exact;
    }
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

  /**
   * The magnitude of a plain decimal in minor units when that is exact and fits a long without care
   * (at most 18 digits after scaling, no more fraction digits than the currency has); -1 for the
   * rest, which {@link BigDecimal} handles. Parsing amounts is on every settlement line, and this
   * common case is several times cheaper than BigDecimal.
   */
  private static long exactMinorOrMinusOne(String text, int currencyDigits) {
    int start = text.charAt(0) == '+' || text.charAt(0) == '-' ? 1 : 0;
    int dot = text.indexOf('.');
    int fractionDigits = dot < 0 ? 0 : text.length() - dot - 1;
    int digitCount = text.length() - start - (dot < 0 ? 0 : 1);
    if (fractionDigits > currencyDigits || digitCount + currencyDigits - fractionDigits > 18) {
      return -1;
    }
    long value = 0;
    for (int i = start; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c != '.') {
        value = value * 10 + (c - '0');
      }
    }
    for (int i = fractionDigits; i < currencyDigits; i++) {
      value *= 10;
    }
    return value;
  }

  /**
   * {@code [+-]?\d+(\.\d+)?} with ASCII digits, without a regex: processor reports write plain
   * decimals (no exponent, no grouping, no localized separator).
   */
  private static boolean isPlainDecimal(String text) {
    int i = text.charAt(0) == '+' || text.charAt(0) == '-' ? 1 : 0;
    int integerDigits = skipDigits(text, i);
    if (integerDigits == 0) {
      return false;
    }
    i += integerDigits;
    if (i == text.length()) {
      return true;
    }
    if (text.charAt(i) != '.') {
      return false;
    }
    int fractionDigits = skipDigits(text, i + 1);
    return fractionDigits > 0 && i + 1 + fractionDigits == text.length();
  }

  /** How many ASCII digits start at {@code from}. */
  private static int skipDigits(String text, int from) {
    int i = from;
    while (i < text.length() && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
      i++;
    }
    return i - from;
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
    if (text.length() != 3 || !isAsciiLetter(text, 0, 3)) {
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

  private static boolean isAsciiLetter(String text, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = (char) (text.charAt(i) | 0x20); // ASCII lower case
      if (c < 'a' || c > 'z') {
        return false;
      }
    }
    return true;
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
      // ISO_OFFSET_DATE_TIME reads both "...Z" and "...+01:00"; a bare date is a day in UTC. The
      // two shapes files use most (a date, and seconds in UTC) are read by hand first: the
      // formatter costs more than the rest of a settlement line.
      if (isDate(text)) {
        instant = date(text).atStartOfDay(ZoneOffset.UTC).toInstant();
      } else if (isUtcSeconds(text)) {
        instant =
            date(text)
                .atTime(number(text, 11, 13), number(text, 14, 16), number(text, 17, 19))
                .toInstant(ZoneOffset.UTC);
      } else {
        instant = OffsetDateTime.parse(text).toInstant();
      }
    } catch (DateTimeException e) {
      throw new InvalidValueException(
          ReasonText.quote(text)
              + " is not an ISO-8601 instant (2026-11-25T10:00:00Z) or date (2026-11-25)");
    }
    if (instant.isBefore(EARLIEST_SETTLED_AT) || instant.isAfter(LATEST_SETTLED_AT)) {
      throw new InvalidValueException(ReasonText.quote(text) + " is out of range");
    }
    return instant.truncatedTo(ChronoUnit.MILLIS);
  }

  /** {@code yyyy-MM-dd} exactly. */
  private static boolean isDate(String text) {
    return text.length() == 10 && startsWithDate(text);
  }

  /** {@code yyyy-MM-ddTHH:mm:ssZ} exactly. */
  private static boolean isUtcSeconds(String text) {
    return text.length() == 20
        && startsWithDate(text)
        && text.charAt(10) == 'T'
        && skipDigits(text, 11) == 2
        && text.charAt(13) == ':'
        && skipDigits(text, 14) == 2
        && text.charAt(16) == ':'
        && skipDigits(text, 17) == 2
        && text.charAt(19) == 'Z';
  }

  /** The first 10 characters have the shape {@code yyyy-MM-dd}. */
  private static boolean startsWithDate(String text) {
    return text.length() >= 10
        && skipDigits(text, 0) >= 4
        && text.charAt(4) == '-'
        && skipDigits(text, 5) == 2
        && text.charAt(7) == '-'
        && skipDigits(text, 8) >= 2;
  }

  /** The date in the first 10 characters; an impossible date (02-30) throws. */
  private static LocalDate date(String text) {
    return LocalDate.of(number(text, 0, 4), number(text, 5, 7), number(text, 8, 10));
  }

  private static int number(String text, int from, int to) {
    int value = 0;
    for (int i = from; i < to; i++) {
      value = value * 10 + (text.charAt(i) - '0');
    }
    return value;
  }

  private SettlementValues() {}
}
