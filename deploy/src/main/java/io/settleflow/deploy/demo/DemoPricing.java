package io.settleflow.deploy.demo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Currency;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * How the demo's processor prices and converts, read from the same reconciliation rules document
 * the stack's flink-reconcile runs with ({@code deploy/recon-rules.yaml}): fee schedules, the FX
 * rate table and the tolerances. Correct lines follow these numbers exactly; planted deviations are
 * placed clear of the tolerances. Only the sections the demo needs are read; flink-reconcile
 * validates the whole document when it starts. Pure: parses text, no I/O.
 *
 * @param amountToleranceMinor amount.tolerance_minor
 * @param amountTolerancePercent amount.tolerance_percent
 * @param feeToleranceMinor fees.tolerance_minor
 * @param defaultFee fees.default, or null
 * @param merchantFees fees.merchants
 * @param fxToleranceMinor fx.tolerance_minor
 * @param fxTolerancePercent fx.tolerance_percent
 * @param rates fx.rates, "EUR/USD" → USD one EUR buys
 */
public record DemoPricing(
    long amountToleranceMinor,
    BigDecimal amountTolerancePercent,
    long feeToleranceMinor,
    FeeSchedule defaultFee,
    Map<String, FeeSchedule> merchantFees,
    long fxToleranceMinor,
    BigDecimal fxTolerancePercent,
    Map<String, BigDecimal> rates) {

  private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);

  /** Digits a rate is carried with after inverting a pair (as flink-reconcile's rules do). */
  private static final int FX_SCALE = 12;

  /**
   * Currencies the demo settles in when it must leave the payment's: two-digit codes first, so a
   * settled amount reads like the ledger's.
   */
  private static final List<String> SETTLEMENT_CURRENCIES =
      List.of("EUR", "USD", "GBP", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "CAD", "AUD");

  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  /** A processor's price for a line: percent of |gross| rounded half-up, plus a fixed part. */
  public record FeeSchedule(BigDecimal percent, long fixedMinor) {
    public long feeMinor(long grossMinor) {
      return BigDecimal.valueOf(grossMinor)
              .abs()
              .multiply(percent)
              .divide(HUNDRED, 0, RoundingMode.HALF_UP)
              .longValueExact()
          + fixedMinor;
    }
  }

  public DemoPricing {
    merchantFees = Map.copyOf(merchantFees);
    rates = Map.copyOf(rates);
  }

  /** The built-in rules: exact amounts, no fee schedule, no FX rates. */
  public static DemoPricing builtIn() {
    return new DemoPricing(0, BigDecimal.ZERO, 0, null, Map.of(), 0, BigDecimal.ZERO, Map.of());
  }

  /**
   * Reads a rules document (YAML or JSON).
   *
   * @throws IllegalArgumentException naming the field that cannot be read
   */
  public static DemoPricing parse(String text) {
    JsonNode root;
    try {
      root = YAML.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "rules document is not valid YAML/JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("rules document must be a mapping at the top level");
    }
    JsonNode amount = root.path("amount");
    JsonNode fees = root.path("fees");
    JsonNode fx = root.path("fx");
    Map<String, FeeSchedule> merchants = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : fees.path("merchants").properties()) {
      merchants.put(e.getKey(), schedule(e.getValue(), "fees.merchants." + e.getKey()));
    }
    Map<String, BigDecimal> rates = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : fx.path("rates").properties()) {
      rates.put(
          e.getKey().toUpperCase(Locale.ROOT), number(e.getValue(), "fx.rates." + e.getKey()));
    }
    JsonNode defaultFee = fees.path("default");
    return new DemoPricing(
        minor(amount, "tolerance_minor", "amount."),
        percent(amount, "tolerance_percent", "amount."),
        minor(fees, "tolerance_minor", "fees."),
        defaultFee.isMissingNode() || defaultFee.isNull()
            ? null
            : schedule(defaultFee, "fees.default"),
        merchants,
        minor(fx, "tolerance_minor", "fx."),
        percent(fx, "tolerance_percent", "fx."),
        rates);
  }

  private static FeeSchedule schedule(JsonNode n, String path) {
    if (!n.isObject()) {
      throw new IllegalArgumentException(path + ": must be a mapping {percent, fixed_minor}");
    }
    return new FeeSchedule(percent(n, "percent", path + "."), minor(n, "fixed_minor", path + "."));
  }

  private static long minor(JsonNode section, String field, String prefix) {
    JsonNode v = section.path(field);
    if (v.isMissingNode() || v.isNull()) {
      return 0;
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0) {
      throw new IllegalArgumentException(
          prefix + field + ": must be a whole number of minor units >= 0, was " + v);
    }
    return v.asLong();
  }

  private static BigDecimal percent(JsonNode section, String field, String prefix) {
    JsonNode v = section.path(field);
    if (v.isMissingNode() || v.isNull()) {
      return BigDecimal.ZERO;
    }
    return number(v, prefix + field);
  }

  private static BigDecimal number(JsonNode v, String path) {
    if (!v.isNumber() || v.decimalValue().signum() < 0) {
      throw new IllegalArgumentException(path + ": must be a number >= 0, was " + v);
    }
    return v.decimalValue();
  }

  /** The merchant's schedule, else the default; null when neither exists. */
  public FeeSchedule scheduleFor(String merchantId) {
    FeeSchedule own = merchantFees.get(merchantId);
    return own != null ? own : defaultFee;
  }

  /**
   * The fee the processor charges on a line: the merchant's schedule, or, when the rules have none
   * (only net = gross − fee is checked then), a processor-style 2.9 % + 30 never above the gross.
   */
  public long feeMinor(String merchantId, long grossMinor) {
    FeeSchedule schedule = scheduleFor(merchantId);
    if (schedule != null) {
      return schedule.feeMinor(grossMinor);
    }
    return Math.min(Math.abs(grossMinor), Math.abs(grossMinor) * 29 / 1000 + 30);
  }

  /** A fee this far from the schedule is beyond the fee tolerance. */
  public long feeDeviationMinor() {
    return feeToleranceMinor + 25;
  }

  /** A settlement this much short of the ledger amount is beyond the amount tolerance. */
  public long amountDeviationMinor(long amountMinor) {
    return amountToleranceMinor + ceilPercentOf(amountMinor, amountTolerancePercent) + 100;
  }

  /** Units of {@code to} one unit of {@code from} buys; the inverse pair if only it is listed. */
  public Optional<BigDecimal> rate(String from, String to) {
    String f = from.toUpperCase(Locale.ROOT);
    String t = to.toUpperCase(Locale.ROOT);
    BigDecimal direct = rates.get(f + "/" + t);
    if (direct != null) {
      return Optional.of(direct);
    }
    BigDecimal inverse = rates.get(t + "/" + f);
    return inverse == null || inverse.signum() == 0
        ? Optional.empty()
        : Optional.of(BigDecimal.ONE.divide(inverse, FX_SCALE, RoundingMode.HALF_EVEN));
  }

  /** The first settlement currency the rate table converts {@code from} into. */
  public Optional<String> fxCurrencyFor(String from) {
    return SETTLEMENT_CURRENCIES.stream()
        .filter(c -> !c.equalsIgnoreCase(from) && rate(from, c).isPresent())
        .findFirst();
  }

  /** A settlement currency the rate table cannot convert {@code from} into. */
  public String unconvertibleCurrencyFor(String from) {
    return SETTLEMENT_CURRENCIES.stream()
        .filter(c -> !c.equalsIgnoreCase(from) && rate(from, c).isEmpty())
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "fx.rates: converts "
                        + from
                        + " into every currency the demo settles in "
                        + SETTLEMENT_CURRENCIES
                        + "; a CURRENCY_MISMATCH needs one without a rate"));
  }

  /** The ledger amount in {@code to}'s minor units at the table's rate, rounded half-even. */
  public long convertMinor(long amountMinor, String from, String to) {
    BigDecimal rate =
        rate(from, to)
            .orElseThrow(() -> new IllegalArgumentException("fx.rates: no " + from + "/" + to));
    return BigDecimal.valueOf(amountMinor)
        .multiply(rate)
        .scaleByPowerOfTen(digits(to) - digits(from))
        .setScale(0, RoundingMode.HALF_EVEN)
        .longValueExact();
  }

  /** A converted amount this far off is beyond the FX tolerance (and ≈ 2 % off the rate). */
  public long fxDeviationMinor(long convertedMinor) {
    return fxToleranceMinor
        + ceilPercentOf(convertedMinor, fxTolerancePercent)
        + 1
        + Math.abs(convertedMinor) / 50;
  }

  private static long ceilPercentOf(long amountMinor, BigDecimal percent) {
    return BigDecimal.valueOf(amountMinor)
        .abs()
        .multiply(percent)
        .divide(HUNDRED, 0, RoundingMode.CEILING)
        .longValueExact();
  }

  static int digits(String currency) {
    return Currency.getInstance(currency.toUpperCase(Locale.ROOT)).getDefaultFractionDigits();
  }
}
