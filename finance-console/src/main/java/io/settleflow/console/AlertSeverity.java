package io.settleflow.console;

import java.math.BigDecimal;

/**
 * How urgent an alert is. Reconciliation does not send one, so the console derives it from the kind
 * and, for amount differences, the size of the difference in major units.
 */
public enum AlertSeverity {
  /** Nothing to do: reconciliation reports a finding settled by itself (kind RESOLVED). */
  INFO,
  LOW,
  MEDIUM,
  HIGH;

  /** A difference of at least this many major units is HIGH. */
  public static final BigDecimal HIGH_DIFFERENCE_MAJOR = BigDecimal.valueOf(1_000);

  /** A difference of at least this many major units is MEDIUM (below: LOW). */
  public static final BigDecimal MEDIUM_DIFFERENCE_MAJOR = BigDecimal.valueOf(10);

  /** The severity reconciliation sent, or the derived one when it sent none or an unknown one. */
  public static AlertSeverity of(
      String sent, String kind, Long expectedMinor, Long actualMinor, String currency) {
    if (sent != null) {
      for (AlertSeverity s : values()) {
        if (s.name().equals(sent)) {
          return s;
        }
      }
    }
    return classify(kind, expectedMinor, actualMinor, currency);
  }

  public static AlertSeverity classify(
      String kind, Long expectedMinor, Long actualMinor, String currency) {
    switch (kind) {
      case "CURRENCY_MISMATCH", "DUPLICATE_SETTLEMENT" -> {
        return HIGH;
      }
      case "ORPHAN_SETTLEMENT", "OVERDUE_PAYMENT", "CHARGEBACK" -> {
        return MEDIUM;
      }
      case "RESOLVED" -> {
        return INFO;
      }
      default -> {
        Long difference = MajorUnits.difference(expectedMinor, actualMinor);
        if (difference == null) {
          return MEDIUM;
        }
        int digits = Math.max(0, MajorUnits.fractionDigits(currency));
        BigDecimal major = BigDecimal.valueOf(difference, digits).abs();
        if (major.compareTo(HIGH_DIFFERENCE_MAJOR) >= 0) {
          return HIGH;
        }
        return major.compareTo(MEDIUM_DIFFERENCE_MAJOR) >= 0 ? MEDIUM : LOW;
      }
    }
  }
}
