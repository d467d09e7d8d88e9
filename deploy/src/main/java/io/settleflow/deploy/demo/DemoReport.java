package io.settleflow.deploy.demo;

import io.settleflow.deploy.demo.SettlementPlan.PlantedKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** What the demo saw at each stage, and the verdict. Pure: built from counts, renders text. */
public record DemoReport(
    long requests,
    long accepted,
    long replaysMatched,
    long replaysDiffered,
    Map<String, Long> failures,
    long ledgerPayments,
    long ledgerEntries,
    long outboxRows,
    Map<String, Long> imbalanceByCurrency,
    long ledgerMissing,
    long ledgerExtra,
    long cdcRecords,
    long cdcDistinctEvents,
    long cdcMissing,
    long redeliveriesInjected,
    long decisions,
    long decisionsDistinct,
    long decisionsMissing,
    long settlementLines,
    long settlementsPublished,
    long settlementsRejected,
    long matches,
    long matchesDistinct,
    long matchesExpected,
    long matchesMissing,
    long fxConvertedExpected,
    long fxConvertedMatched,
    long alerts,
    long alertsDistinct,
    Map<PlantedKind, Long> plantedByKind,
    Map<PlantedKind, Long> detectedByKind,
    Map<String, Long> alertsByKind,
    List<String> unexpectedAlerts,
    long pendingNotYetDue,
    double loadSeconds) {

  public long lost() {
    return ledgerMissing + cdcMissing + decisionsMissing + matchesMissing;
  }

  public long duplicated() {
    return ledgerExtra
        + (decisions - decisionsDistinct)
        + (matches - matchesDistinct)
        + (alerts - alertsDistinct)
        + replaysDiffered;
  }

  public long planted() {
    return plantedByKind.values().stream().mapToLong(Long::longValue).sum();
  }

  public long detected() {
    return detectedByKind.values().stream().mapToLong(Long::longValue).sum();
  }

  /**
   * Precision and recall of one planted kind against the plan's ground truth.
   *
   * @param planted discrepancies of this kind the plan planted
   * @param alerted distinct alerts of this kind (payment id, or settlement id for orphans)
   * @param found planted discrepancies of this kind that were alerted
   */
  public record KindScore(PlantedKind kind, long planted, long alerted, long found) {
    /** Alerts of this kind that were planted / all alerts of this kind; 1.0 with no alerts. */
    public double precision() {
      return alerted == 0 ? 1.0 : (double) found / alerted;
    }

    /** Planted and found / planted; 1.0 when none was planted. */
    public double recall() {
      return planted == 0 ? 1.0 : (double) found / planted;
    }

    public boolean perfect() {
      return precision() >= 1.0 && recall() >= 1.0;
    }
  }

  /** One score per planted kind, in {@link PlantedKind} order. */
  public List<KindScore> scores() {
    List<KindScore> out = new ArrayList<>();
    for (PlantedKind k : PlantedKind.values()) {
      out.add(
          new KindScore(
              k,
              plantedByKind.getOrDefault(k, 0L),
              alertsByKind.getOrDefault(k.name(), 0L),
              detectedByKind.getOrDefault(k, 0L)));
    }
    return out;
  }

  public boolean balanced() {
    return imbalanceByCurrency.values().stream().allMatch(v -> v == 0);
  }

  /**
   * Passes only when nothing was lost or duplicated, the ledger balances, every planted discrepancy
   * was detected and nothing else was alerted, and precision and recall are 1.0 for every planted
   * kind.
   */
  public boolean passed() {
    return lost() == 0
        && duplicated() == 0
        && balanced()
        && detected() == planted()
        && unexpectedAlerts.isEmpty()
        && fxConvertedMatched == fxConvertedExpected
        && scores().stream().allMatch(KindScore::perfect)
        && accepted > 0;
  }

  public String render() {
    StringBuilder s = new StringBuilder();
    s.append("\n==================== settleflow demo summary ====================\n");
    row(s, "HTTP requests (incl. idempotent retries)", requests);
    row(s, "payments accepted (201)", accepted);
    row(s, "  idempotent retries answered with the original", replaysMatched);
    row(s, "  idempotent retries answered differently", replaysDiffered);
    if (!failures.isEmpty()) {
      s.append(String.format("  %-52s %s%n", "requests retried (same key) / given up", failures));
    }
    row(s, "ledger: payments", ledgerPayments);
    row(s, "ledger: entries (double-entry)", ledgerEntries);
    row(s, "ledger: outbox rows", outboxRows);
    s.append(
        String.format(
            "  %-52s %s%n",
            "ledger: balanced per currency",
            balanced() ? "yes " + imbalanceByCurrency : "NO " + imbalanceByCurrency));
    row(s, "CDC: records on payments.authorized", cdcRecords);
    row(s, "  of them redeliveries injected (as after a CDC crash)", redeliveriesInjected);
    row(s, "  distinct events", cdcDistinctEvents);
    row(s, "risk decisions", decisions);
    row(s, "  distinct payment events decided", decisionsDistinct);
    row(s, "settlement file lines", settlementLines);
    row(s, "settlements published / quarantined", settlementsPublished, settlementsRejected);
    row(s, "matches (expected)", matches, matchesExpected);
    row(
        s,
        "  settled in another currency at the FX table's rate",
        fxConvertedMatched,
        fxConvertedExpected);
    row(s, "mismatch alerts", alerts);
    for (Map.Entry<String, Long> e : new TreeMap<>(alertsByKind).entrySet()) {
      row(s, "  " + e.getKey(), e.getValue());
    }
    s.append(
        String.format(
            "  %-52s %s%n", "planted kind: found / planted, alerts", "precision  recall"));
    for (KindScore k : scores()) {
      s.append(
          String.format(
              Locale.ROOT,
              "    %-50s %d / %d, %d   %.3f      %.3f%s%n",
              k.kind(),
              k.found(),
              k.planted(),
              k.alerted(),
              k.precision(),
              k.recall(),
              k.perfect() ? "" : "  BELOW 1.0"));
    }
    if (!unexpectedAlerts.isEmpty()) {
      s.append(
          String.format(
              "  %-52s %d %s%n",
              "UNEXPECTED alerts",
              unexpectedAlerts.size(),
              unexpectedAlerts.subList(0, Math.min(5, unexpectedAlerts.size()))));
    }
    row(s, "payments posted after the file, not yet due", pendingNotYetDue);
    row(s, "LOST (ledger, CDC, decisions, matches)", lost());
    row(s, "DUPLICATED (ledger, decisions, matches, alerts)", duplicated());
    s.append(String.format("  %-52s %s%n", "result", passed() ? "PASS" : "FAIL"));
    s.append("==================================================================\n");
    return s.toString();
  }

  private static void row(StringBuilder s, String label, long value) {
    s.append(String.format("  %-52s %d%n", label, value));
  }

  private static void row(StringBuilder s, String label, long a, long b) {
    s.append(String.format("  %-52s %d / %d%n", label, a, b));
  }
}
