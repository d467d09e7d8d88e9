package io.settleflow.reconcile;

import java.io.BufferedReader;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a reconciliation backtest prints: matches and mismatches by kind under the rules in force
 * and under the candidate rules, the change per kind, which payments or lines moved between kinds
 * (a few examples each), and precision/recall per alert kind against labelled discrepancies. Pure:
 * the same outcomes give the same lines, byte for byte.
 */
public final class ReconBacktestReport {
  /** Examples listed per kind change. */
  public static final int EXAMPLES = 3;

  /** Kind changes listed (the most frequent first). */
  public static final int MAX_CHANGES = 20;

  /** Labels accepted from a file. */
  public static final int MAX_LABELS = 1_000_000;

  /**
   * One replay.
   *
   * @param rules how the rules are named (file or "built-in") and their document version
   * @param outcomes everything decided within the recorded input
   * @param undecided outcomes that would only be decided after the input ends (left out)
   */
  public record Run(String rules, List<BacktestOutcome> outcomes, long undecided) {}

  /** The recorded input: counts and its event-time span. */
  public record Input(long payments, long lines, long firstMs, long lastMs) {
    public static Input of(List<ReplayEvent> events) {
      long payments = events.stream().filter(e -> e.payment != null).count();
      long first = events.stream().mapToLong(ReplayEvent::eventTimeMs).min().orElse(0);
      long last = events.stream().mapToLong(ReplayEvent::eventTimeMs).max().orElse(0);
      return new Input(payments, events.size() - payments, first, last);
    }
  }

  /**
   * Ground truth: the real discrepancies, by alert kind, as payment ids or settlement ids.
   *
   * @param source where they came from (file name)
   */
  public record Labels(String source, Map<String, Set<String>> idsByKind) {
    public long size() {
      return idsByKind.values().stream().mapToLong(Set::size).sum();
    }

    /**
     * One {@code KIND ID} a line ({@code OVERDUE_PAYMENT pay-17}); blank lines and {@code #}
     * comments are skipped.
     *
     * @throws IllegalArgumentException {@code <name> line <n>: <problem>}
     */
    public static Labels read(BufferedReader in, String name) throws IOException {
      Map<String, Set<String>> ids = new TreeMap<>();
      String text;
      int lineNo = 0;
      long count = 0;
      while ((text = in.readLine()) != null) {
        lineNo++;
        String t = text.strip();
        if (t.isEmpty() || t.startsWith("#")) {
          continue;
        }
        String[] parts = t.split("\\s+", -1);
        if (parts.length != 2) {
          throw new IllegalArgumentException(
              name + " line " + lineNo + ": expected KIND ID, got '" + t + "'");
        }
        try {
          AlertKind.valueOf(parts[0]);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              name + " line " + lineNo + ": kind: '" + parts[0] + "' is not an alert kind", e);
        }
        if (++count > MAX_LABELS) {
          throw new IllegalArgumentException(name + ": more than " + MAX_LABELS + " labels");
        }
        ids.computeIfAbsent(parts[0], k -> new TreeSet<>()).add(parts[1]);
      }
      return new Labels(name, ids);
    }
  }

  /** Precision and recall of one alert kind; null where undefined (nothing flagged / labelled). */
  public record Quality(long flagged, long hits, long labelled, long found) {
    public Double precision() {
      return flagged == 0 ? null : (double) hits / flagged;
    }

    public Double recall() {
      return labelled == 0 ? null : (double) found / labelled;
    }
  }

  private ReconBacktestReport() {}

  /** Outcome counts by kind: MATCH first, then the alert kinds in their declared order. */
  public static Map<String, Long> countsByKind(List<BacktestOutcome> outcomes) {
    Map<String, Long> counts = new TreeMap<>(KIND_ORDER);
    for (BacktestOutcome o : outcomes) {
      counts.merge(o.kind, 1L, Long::sum);
    }
    return counts;
  }

  /**
   * Subjects whose kinds differ between the runs, grouped by change ({@code AMOUNT_MISMATCH →
   * MATCH}), each with its subjects in order.
   */
  public static Map<String, List<String>> moves(
      List<BacktestOutcome> current, List<BacktestOutcome> candidate) {
    Map<String, String> before = signatures(current);
    Map<String, String> after = signatures(candidate);
    Set<String> subjects = new TreeSet<>(before.keySet());
    subjects.addAll(after.keySet());
    Map<String, List<String>> moves = new TreeMap<>();
    for (String s : subjects) {
      String b = before.getOrDefault(s, "(nothing)");
      String a = after.getOrDefault(s, "(nothing)");
      if (!a.equals(b)) {
        moves.computeIfAbsent(b + " → " + a, k -> new ArrayList<>()).add(s);
      }
    }
    return moves;
  }

  /** Per alert kind flagged or labelled (MATCH and RESOLVED left out), plus "all alerts". */
  public static Map<String, Quality> quality(List<BacktestOutcome> outcomes, Labels labels) {
    Set<String> kinds = new TreeSet<>(KIND_ORDER);
    outcomes.stream().map(o -> o.kind).forEach(kinds::add);
    kinds.addAll(labels.idsByKind().keySet());
    kinds.remove(BacktestOutcome.MATCH);
    kinds.remove(AlertKind.RESOLVED.name());
    Map<String, Quality> out = new java.util.LinkedHashMap<>();
    long flaggedAll = 0;
    long hitsAll = 0;
    long labelledAll = 0;
    long foundAll = 0;
    for (String kind : kinds) {
      Set<String> truth = labels.idsByKind().getOrDefault(kind, Set.of());
      long flagged = 0;
      long hits = 0;
      Set<String> found = new HashSet<>();
      for (BacktestOutcome o : outcomes) {
        if (!o.kind.equals(kind)) {
          continue;
        }
        flagged++;
        boolean hit = false;
        for (String id : new String[] {o.paymentId, o.settlementId}) {
          if (id != null && truth.contains(id)) {
            hit = true;
            found.add(id);
          }
        }
        if (hit) {
          hits++;
        }
      }
      out.put(kind, new Quality(flagged, hits, truth.size(), found.size()));
      flaggedAll += flagged;
      hitsAll += hits;
      labelledAll += truth.size();
      foundAll += found.size();
    }
    out.put("all alerts", new Quality(flaggedAll, hitsAll, labelledAll, foundAll));
    return out;
  }

  /** The report; {@code labels} may be null (no ground truth). */
  public static List<String> lines(Input input, Run current, Run candidate, Labels labels) {
    List<String> out = new ArrayList<>();
    out.add(
        String.format(
            Locale.ROOT,
            "input: %d ledger events, %d settlement lines, event time %s .. %s, replayed in"
                + " event-time order",
            input.payments(),
            input.lines(),
            Instant.ofEpochMilli(input.firstMs()),
            Instant.ofEpochMilli(input.lastMs())));
    out.add("rules in force: " + current.rules());
    out.add("candidate:      " + candidate.rules());
    Map<String, Long> before = countsByKind(current.outcomes());
    Map<String, Long> after = countsByKind(candidate.outcomes());
    Set<String> kinds = new TreeSet<>(KIND_ORDER);
    kinds.addAll(before.keySet());
    kinds.addAll(after.keySet());
    out.add(
        String.format(
            Locale.ROOT, "%-22s %10s %10s %8s", "kind", "in force", "candidate", "change"));
    for (String kind : kinds) {
      long b = before.getOrDefault(kind, 0L);
      long a = after.getOrDefault(kind, 0L);
      out.add(String.format(Locale.ROOT, "%-22s %10d %10d %8s", kind, b, a, change(a - b)));
    }
    out.add(
        String.format(
            Locale.ROOT,
            "decided only after the recorded input ends (left out): in force %d, candidate %d",
            current.undecided(),
            candidate.undecided()));
    Map<String, List<String>> moves = moves(current.outcomes(), candidate.outcomes());
    long moved = moves.values().stream().mapToLong(List::size).sum();
    out.add(
        String.format(
            Locale.ROOT,
            "moved between kinds (in force → candidate): %d payments or lines",
            moved));
    moves.entrySet().stream()
        .sorted(
            Comparator.comparing((Map.Entry<String, List<String>> e) -> -e.getValue().size())
                .thenComparing(Map.Entry::getKey))
        .limit(MAX_CHANGES)
        .forEach(
            e ->
                out.add(
                    String.format(
                        Locale.ROOT,
                        "  %-52s %6d  e.g. %s",
                        e.getKey(),
                        e.getValue().size(),
                        String.join(
                            ", ",
                            e.getValue().subList(0, Math.min(EXAMPLES, e.getValue().size()))))));
    if (moves.size() > MAX_CHANGES) {
      out.add(String.format(Locale.ROOT, "  ... %d more changes", moves.size() - MAX_CHANGES));
    }
    if (labels == null) {
      out.add(
          "precision/recall: no ground truth (give --labels FILE: one 'KIND ID' a line, e.g. the"
              + " alerts finance resolved)");
      return out;
    }
    out.add(
        String.format(
            Locale.ROOT,
            "precision/recall against %d labelled discrepancies (%s):",
            labels.size(),
            labels.source()));
    out.add(
        String.format(
            Locale.ROOT,
            "%-22s %10s %8s %10s %8s",
            "alert kind",
            "in force P",
            "R",
            "candidate P",
            "R"));
    Map<String, Quality> qb = quality(current.outcomes(), labels);
    Map<String, Quality> qa = quality(candidate.outcomes(), labels);
    Set<String> qkinds = new java.util.LinkedHashSet<>(qb.keySet());
    qkinds.addAll(qa.keySet());
    qkinds.remove("all alerts");
    qkinds.add("all alerts");
    Quality none = new Quality(0, 0, 0, 0);
    for (String kind : qkinds) {
      Quality b = qb.getOrDefault(kind, none);
      Quality a = qa.getOrDefault(kind, none);
      out.add(
          String.format(
              Locale.ROOT,
              "%-22s %10s %8s %10s %8s",
              kind,
              ratio(b.precision()),
              ratio(b.recall()),
              ratio(a.precision()),
              ratio(a.recall())));
    }
    return out;
  }

  /** MATCH first, then alert kinds as declared, then anything else by name. */
  static final Comparator<String> KIND_ORDER =
      Comparator.comparingInt(ReconBacktestReport::rank).thenComparing(Comparator.naturalOrder());

  private static int rank(String kind) {
    if (BacktestOutcome.MATCH.equals(kind)) {
      return -1;
    }
    AlertKind[] kinds = AlertKind.values();
    for (int i = 0; i < kinds.length; i++) {
      if (kinds[i].name().equals(kind)) {
        return i;
      }
    }
    return Integer.MAX_VALUE;
  }

  private static Map<String, String> signatures(List<BacktestOutcome> outcomes) {
    Map<String, Set<String>> kinds = new TreeMap<>();
    for (BacktestOutcome o : outcomes) {
      kinds.computeIfAbsent(o.subject, k -> new TreeSet<>(KIND_ORDER)).add(o.kind);
    }
    Map<String, String> out = new TreeMap<>();
    kinds.forEach((subject, k) -> out.put(subject, String.join("+", k)));
    return out;
  }

  private static String change(long delta) {
    return delta > 0 ? "+" + delta : delta < 0 ? "−" + (-delta) : "0";
  }

  private static String ratio(Double v) {
    return v == null ? "-" : String.format(Locale.ROOT, "%.3f", v);
  }
}
