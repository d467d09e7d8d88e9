package io.settleflow.console;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;

/**
 * Reconciliation of one processor on one day: payments matched to their settlement against
 * mismatches found. The rate is matched ÷ (matched + mismatched).
 */
public record MatchRate(String processor, LocalDate day, long matched, long mismatched) {

  /** Percent with one decimal ("99.5"), or null when nothing was reconciled. */
  public BigDecimal percent() {
    long total = matched + mismatched;
    if (total == 0) {
      return null;
    }
    return BigDecimal.valueOf(matched)
        .multiply(BigDecimal.valueOf(100))
        .divide(BigDecimal.valueOf(total), 1, RoundingMode.HALF_UP);
  }

  public String label() {
    return processor + " " + day;
  }
}
