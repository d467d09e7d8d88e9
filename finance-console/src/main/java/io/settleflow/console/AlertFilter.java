package io.settleflow.console;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The list's filters as the browser sends them (query parameters), validated, and as a SQL
 * condition with its parameters: values only ever travel as bind parameters.
 */
public record AlertFilter(
    String merchant,
    String processor,
    String kind,
    AlertSeverity severity,
    AlertStatus status,
    int limit) {

  public static final int DEFAULT_LIMIT = 200;

  /** The list and the CSV export return at most this many rows. */
  public static final int MAX_LIMIT = 10_000;

  public static final AlertFilter ALL =
      new AlertFilter(null, null, null, null, null, DEFAULT_LIMIT);

  static final Pattern MERCHANT = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");
  static final Pattern PROCESSOR = Pattern.compile("[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}");
  static final Pattern KIND = Pattern.compile("[A-Z_]{1,64}");

  /** A SQL condition ("TRUE" or "a = ? AND b = ?") and its parameters in order. */
  public record SqlCondition(String sql, List<Object> params) {
    public SqlCondition {
      params = List.copyOf(params);
    }
  }

  /**
   * Reads the filters from request parameters; blank means "any".
   *
   * @throws ConsoleInputException naming the first bad parameter
   */
  public static AlertFilter parse(Function<String, String> param) {
    String merchant = text(param, "merchant", MERCHANT);
    String processor = text(param, "processor", PROCESSOR);
    String kind = text(param, "kind", KIND);
    AlertSeverity severity = choice(param, "severity", AlertSeverity.class);
    AlertStatus status = choice(param, "status", AlertStatus.class);
    int limit = DEFAULT_LIMIT;
    String rawLimit = blankToNull(param.apply("limit"));
    if (rawLimit != null) {
      try {
        limit = Integer.parseInt(rawLimit);
      } catch (NumberFormatException e) {
        throw ConsoleInputException.invalid("limit", "must be an integer");
      }
      if (limit < 1 || limit > MAX_LIMIT) {
        throw ConsoleInputException.invalid("limit", "must be between 1 and " + MAX_LIMIT);
      }
    }
    return new AlertFilter(merchant, processor, kind, severity, status, limit);
  }

  /** The same filters with another row limit (the CSV export takes up to {@link #MAX_LIMIT}). */
  public AlertFilter withLimit(int newLimit) {
    return new AlertFilter(merchant, processor, kind, severity, status, newLimit);
  }

  public SqlCondition toSql() {
    List<String> terms = new ArrayList<>();
    List<Object> params = new ArrayList<>();
    add(terms, params, "merchant_id", merchant);
    add(terms, params, "source", processor);
    add(terms, params, "kind", kind);
    add(terms, params, "severity", severity == null ? null : severity.name());
    add(terms, params, "status", status == null ? null : status.name());
    return new SqlCondition(terms.isEmpty() ? "TRUE" : String.join(" AND ", terms), params);
  }

  private static void add(List<String> terms, List<Object> params, String column, String value) {
    if (value != null) {
      terms.add(column + " = ?");
      params.add(value);
    }
  }

  private static String text(Function<String, String> param, String name, Pattern pattern) {
    String value = blankToNull(param.apply(name));
    if (value != null && !pattern.matcher(value).matches()) {
      throw ConsoleInputException.invalid(name, "must match " + pattern.pattern());
    }
    return value;
  }

  private static <E extends Enum<E>> E choice(
      Function<String, String> param, String name, Class<E> type) {
    String value = blankToNull(param.apply(name));
    if (value == null) {
      return null;
    }
    try {
      return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      List<String> allowed = new ArrayList<>();
      for (E constant : type.getEnumConstants()) {
        allowed.add(constant.name());
      }
      throw ConsoleInputException.invalid(name, "must be one of " + String.join(", ", allowed));
    }
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value.strip();
  }
}
