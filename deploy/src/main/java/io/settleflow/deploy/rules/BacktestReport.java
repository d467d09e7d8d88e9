package io.settleflow.deploy.rules;

import io.settleflow.risk.RiskBacktest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The backtest's result as the lines an analyst reads. Pure. */
public final class BacktestReport {
  private BacktestReport() {}

  public static List<String> lines(RiskBacktest.Result r) {
    List<String> out = new ArrayList<>();
    out.add(
        String.format(
            Locale.ROOT,
            "authorizations decided: %d; labelled (charged back): %d",
            r.payments(),
            r.labelled()));
    out.add(
        String.format(
            Locale.ROOT,
            "%-40s %-8s %8s %8s %10s %9s %7s",
            "rule",
            "status",
            "flagged",
            "overlap",
            "precision",
            "recall",
            "hits"));
    r.rules()
        .values()
        .forEach(
            rule ->
                out.add(
                    String.format(
                        Locale.ROOT,
                        "%-40s %-8s %8d %8d %10s %9s %7s",
                        rule.versionTag(),
                        rule.status(),
                        rule.flagged(),
                        rule.overlapWithCurrent(),
                        ratio(rule.quality().precision()),
                        ratio(rule.quality().recall()),
                        hits(r, rule.quality()))));
    out.add(
        String.format(
            Locale.ROOT,
            "%-40s %-8s %8d %8d %10s %9s %7s",
            "candidate rules (not APPROVE)",
            "",
            r.candidateFlagged(),
            r.overlap(),
            ratio(r.candidate().precision()),
            ratio(r.candidate().recall()),
            hits(r, r.candidate())));
    out.add(
        String.format(
            Locale.ROOT,
            "%-40s %-8s %8d %8d %10s %9s %7s",
            "rules in force (not APPROVE)",
            "",
            r.currentFlagged(),
            r.overlap(),
            ratio(r.current().precision()),
            ratio(r.current().recall()),
            hits(r, r.current())));
    long changed = r.outcomeChanges().values().stream().mapToLong(Long::longValue).sum();
    out.add(
        String.format(
            Locale.ROOT,
            "decisions changed vs the rules in force: %d of %d",
            changed,
            r.payments()));
    r.outcomeChanges()
        .forEach((change, n) -> out.add(String.format(Locale.ROOT, "  %-38s %8d", change, n)));
    out.add(
        "flagged = payments the rule fires on (SHADOW rules included); overlap = of those, flagged by the rules in force too;");
    out.add(
        "precision = charged-back among flagged; recall = flagged among charged-back (- without labels)");
    return out;
  }

  /** A text progress bar, {@code [#####-----]}, for {@code done} of {@code total}. */
  public static String bar(long done, long total, int width) {
    int filled = total <= 0 ? width : (int) Math.min(width, done * width / total);
    return "[" + "#".repeat(filled) + "-".repeat(width - filled) + "]";
  }

  private static String ratio(Double v) {
    return v == null ? "-" : String.format(Locale.ROOT, "%.3f", v);
  }

  private static String hits(RiskBacktest.Result r, RiskBacktest.Quality q) {
    return r.labelled() == 0 ? "-" : Long.toString(q.truePositives());
  }
}
