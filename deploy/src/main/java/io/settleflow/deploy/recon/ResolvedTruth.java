package io.settleflow.deploy.recon;

import io.settleflow.avro.MismatchKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Ground truth for {@code recon backtest} from resolved alerts: which resolved alert was a real
 * discrepancy of its kind. Pure: rows in, {@code KIND ID} label lines out (the {@code --labels}
 * format). An alert that is still open says nothing either way and is not read.
 *
 * <ul>
 *   <li>{@code ledger.reconciliation}, an alert closed by a RESOLVED finding: an OVERDUE_PAYMENT
 *       closed by a late settlement ({@code late-settlement-resolves-overdue}) was real (the
 *       settlement came after its SLA); an AMOUNT_MISMATCH closed because the lines of a split
 *       summed to the amount ({@code split-lines-sum}) was no discrepancy; anything else is not
 *       used.
 *   <li>{@code finance.alerts}, resolved in the finance console: by a finance user or by the
 *       auto-compensation policy ({@code system:auto-compensation}, which books the difference):
 *       real. Resolved by {@code reconciliation} (the console mirroring a RESOLVED finding): not
 *       used here — the reconciliation row decides it.
 * </ul>
 *
 * A label names the alert's payment id, else its settlement id (the backtest matches either).
 */
public final class ResolvedTruth {
  /** Rule id of the finding that closes an overdue alert when the settlement comes late. */
  public static final String LATE_SETTLEMENT_RULE = "late-settlement-resolves-overdue";

  /** Rule id of the finding that closes a split's short-line amount mismatch. */
  public static final String SPLIT_RULE = "split-lines-sum";

  /** The console's actor for a resolution mirrored from reconciliation. */
  public static final String RECONCILIATION_ACTOR = "reconciliation";

  /** Where a resolved alert was read. */
  public enum Source {
    RECONCILIATION,
    CONSOLE
  }

  /**
   * One resolved alert.
   *
   * @param resolvedBy the closing finding's rule ({@code rule-id} or {@code rule-id@version}) for
   *     {@link Source#RECONCILIATION}; the resolving actor for {@link Source#CONSOLE}; null when
   *     unknown
   */
  public record Resolved(
      Source source,
      String alertId,
      String kind,
      String paymentId,
      String settlementId,
      String resolvedBy) {}

  /** A real discrepancy: the alert kind and the id the backtest finds it by. */
  public record Label(String kind, String id) {
    public String line() {
      return kind + " " + id;
    }
  }

  private ResolvedTruth() {}

  /** The label a resolved alert gives, or empty when it is no evidence of a real discrepancy. */
  public static Optional<Label> label(Resolved r) {
    if (!isAlertKind(r.kind())) {
      return Optional.empty();
    }
    String id = idOf(r);
    if (id == null) {
      return Optional.empty();
    }
    boolean real =
        switch (r.source()) {
          case RECONCILIATION ->
              ruleId(r.resolvedBy()).equals(LATE_SETTLEMENT_RULE)
                  && "OVERDUE_PAYMENT".equals(r.kind());
          case CONSOLE ->
              r.resolvedBy() != null
                  && !r.resolvedBy().isBlank()
                  && !RECONCILIATION_ACTOR.equals(r.resolvedBy());
        };
    return real ? Optional.of(new Label(r.kind(), id)) : Optional.empty();
  }

  /**
   * The labels file: a comment naming where they came from and how many rows gave none, then the
   * distinct {@code KIND ID} lines, sorted.
   */
  public static List<String> labelLines(String from, List<Resolved> rows) {
    TreeSet<String> labels = new TreeSet<>();
    long none = 0;
    for (Resolved r : rows) {
      Optional<Label> l = label(r);
      if (l.isPresent()) {
        labels.add(l.get().line());
      } else {
        none++;
      }
    }
    List<String> out = new ArrayList<>();
    out.add(
        String.format(
            Locale.ROOT,
            "# ground truth from resolved alerts in %s: %d resolved, %d labelled discrepancies,"
                + " %d not evidence of one",
            from,
            rows.size(),
            labels.size(),
            none));
    out.addAll(labels);
    return out;
  }

  private static boolean isAlertKind(String kind) {
    if (kind == null || kind.equals(MismatchKind.RESOLVED.name())) {
      return false;
    }
    for (MismatchKind k : MismatchKind.values()) {
      if (k.name().equals(kind)) {
        return true;
      }
    }
    return false;
  }

  private static String idOf(Resolved r) {
    if (r.paymentId() != null && !r.paymentId().isBlank()) {
      return r.paymentId().strip();
    }
    if (r.settlementId() != null && !r.settlementId().isBlank()) {
      return r.settlementId().strip();
    }
    return null;
  }

  private static String ruleId(String rule) {
    if (rule == null) {
      return "";
    }
    int at = rule.indexOf('@');
    return at < 0 ? rule : rule.substring(0, at);
  }
}
