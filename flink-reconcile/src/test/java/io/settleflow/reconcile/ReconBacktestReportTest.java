package io.settleflow.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReconBacktestReportTest {
  /**
   * {@code KIND subject[/settlement]}, e.g. {@code MATCH pay-1/l-1}, {@code ORPHAN_SETTLEMENT
   * /l-9}.
   */
  static List<BacktestOutcome> outcomes(String... specs) {
    List<BacktestOutcome> out = new ArrayList<>();
    long t = 0;
    for (String spec : specs) {
      String[] kindAndIds = spec.split(" ", -1);
      String[] ids = kindAndIds[1].split("/", -1);
      BacktestOutcome o = new BacktestOutcome();
      o.kind = kindAndIds[0];
      o.paymentId = ids[0].isEmpty() ? null : ids[0];
      o.settlementId = ids.length > 1 ? ids[1] : null;
      o.eventId = "ev-" + t;
      o.subject = o.paymentId != null ? o.paymentId : "line:" + o.settlementId;
      o.atMs = t++;
      out.add(o);
    }
    return out;
  }

  static ReconBacktestReport.Labels labels(String text) throws Exception {
    return ReconBacktestReport.Labels.read(new BufferedReader(new StringReader(text)), "labels");
  }

  @Test
  void countsByKindListMatchesFirstThenAlertKindsAsDeclared() {
    assertThat(
            ReconBacktestReport.countsByKind(
                outcomes(
                    "RESOLVED p-3",
                    "OVERDUE_PAYMENT p-3",
                    "MATCH p-3",
                    "AMOUNT_MISMATCH p-2",
                    "MATCH p-1")))
        .containsExactly(
            Map.entry("MATCH", 2L),
            Map.entry("AMOUNT_MISMATCH", 1L),
            Map.entry("OVERDUE_PAYMENT", 1L),
            Map.entry("RESOLVED", 1L));
  }

  @ParameterizedTest(name = "{0} → {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          # in force (;-separated)                      | candidate                  | moves (;-separated)
          MATCH p-1                                      | MATCH p-1                  | ''
          AMOUNT_MISMATCH p-1                            | MATCH p-1                  | AMOUNT_MISMATCH → MATCH=p-1
          OVERDUE_PAYMENT p-1;RESOLVED p-1;MATCH p-1     | MATCH p-1                  | MATCH+OVERDUE_PAYMENT+RESOLVED → MATCH=p-1
          MATCH p-1                                      | MATCH p-1;MATCH p-2        | (nothing) → MATCH=p-2
          ORPHAN_SETTLEMENT /l-9                         | ''                         | ORPHAN_SETTLEMENT → (nothing)=line:l-9
          FEE_DEVIATION p-2;FEE_DEVIATION p-1            | MATCH p-2;MATCH p-1        | FEE_DEVIATION → MATCH=p-1,p-2
          """)
  void movesGroupSubjectsByTheirChangeOfKinds(String before, String after, String moves) {
    Map<String, List<String>> expected = new java.util.TreeMap<>();
    if (!moves.isEmpty()) {
      for (String m : moves.split(";", -1)) {
        String[] kv = m.split("=", -1);
        expected.put(kv[0], List.of(kv[1].split(",", -1)));
      }
    }
    assertThat(ReconBacktestReport.moves(split(before), split(after))).isEqualTo(expected);
  }

  @Test
  void onlyTheMostFrequentChangesAreListed() {
    // subject s-<i> moves from MATCH to a set of alert kinds of its own (the bits of i)
    AlertKind[] kinds = AlertKind.values();
    List<String> before = new ArrayList<>();
    List<String> after = new ArrayList<>();
    int changes = ReconBacktestReport.MAX_CHANGES + 2;
    for (int i = 1; i <= changes; i++) {
      before.add("MATCH s-" + i);
      for (int k = 0; k < kinds.length; k++) {
        if ((i & (1 << k)) != 0) {
          after.add(kinds[k].name() + " s-" + i);
        }
      }
    }
    before.add("MATCH t-1");
    after.add("AMOUNT_MISMATCH t-1"); // the same change as s-1: listed first, with two examples
    ReconBacktestReport.Run a =
        new ReconBacktestReport.Run("a", outcomes(before.toArray(String[]::new)), 0);
    ReconBacktestReport.Run b =
        new ReconBacktestReport.Run("b", outcomes(after.toArray(String[]::new)), 0);
    List<String> lines =
        ReconBacktestReport.lines(ReconBacktestReport.Input.of(List.of()), a, b, null);
    assertThat(lines)
        .contains(
            "  MATCH → AMOUNT_MISMATCH                                   2  e.g. s-1, t-1",
            "  ... 2 more changes");
  }

  private static List<BacktestOutcome> split(String specs) {
    return specs.isEmpty() ? List.of() : outcomes(specs.split(";", -1));
  }

  @Test
  void qualityCountsHitsByPaymentOrSettlementIdPerKind() throws Exception {
    ReconBacktestReport.Labels truth =
        labels("AMOUNT_MISMATCH p-1\nAMOUNT_MISMATCH p-2\nORPHAN_SETTLEMENT l-9\nCHARGEBACK p-7\n");
    Map<String, ReconBacktestReport.Quality> q =
        ReconBacktestReport.quality(
            outcomes(
                "AMOUNT_MISMATCH p-1/l-1",
                "AMOUNT_MISMATCH p-5/l-5",
                "ORPHAN_SETTLEMENT /l-9",
                "RESOLVED p-3",
                "MATCH p-2/l-2"),
            truth);
    assertThat(q)
        .containsExactly(
            Map.entry("AMOUNT_MISMATCH", new ReconBacktestReport.Quality(2, 1, 2, 1)),
            Map.entry("ORPHAN_SETTLEMENT", new ReconBacktestReport.Quality(1, 1, 1, 1)),
            Map.entry("CHARGEBACK", new ReconBacktestReport.Quality(0, 0, 1, 0)),
            Map.entry("all alerts", new ReconBacktestReport.Quality(3, 2, 4, 2)));
    assertThat(q.get("AMOUNT_MISMATCH").precision()).isEqualTo(0.5);
    assertThat(q.get("CHARGEBACK").precision()).isNull();
    assertThat(q.get("CHARGEBACK").recall()).isEqualTo(0.0);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          AMOUNT_MISMATCH                  | labels line 1: expected KIND ID
          AMOUNT_MISMATCH p-1 extra        | labels line 1: expected KIND ID
          AMOUNT p-1                       | labels line 1: kind: 'AMOUNT' is not an alert kind
          """)
  void badLabelsNameTheLine(String line, String error) {
    assertThatThrownBy(() -> labels(line)).hasMessageStartingWith(error);
  }

  @Test
  void labelsSkipCommentsAndBlankLines() throws Exception {
    ReconBacktestReport.Labels l =
        labels("# resolved by finance\n\nOVERDUE_PAYMENT p-1\n  FX_DEVIATION p-2  \n");
    assertThat(l.idsByKind())
        .containsExactly(
            Map.entry("FX_DEVIATION", Set.of("p-2")), Map.entry("OVERDUE_PAYMENT", Set.of("p-1")));
    assertThat(l.size()).isEqualTo(2);
  }

  @Test
  void reportReadsAsTheCommandPrintsIt() throws Exception {
    ReconBacktestReport.Run current =
        new ReconBacktestReport.Run(
            "built-in (version 1)", outcomes("AMOUNT_MISMATCH p-2/l-2", "MATCH p-1/l-1"), 1);
    ReconBacktestReport.Run candidate =
        new ReconBacktestReport.Run(
            "candidate.yaml (version 2)", outcomes("MATCH p-2/l-2", "MATCH p-1/l-1"), 0);
    List<String> lines =
        ReconBacktestReport.lines(
            new ReconBacktestReport.Input(2, 2, 0, 86_400_000L),
            current,
            candidate,
            labels("AMOUNT_MISMATCH p-2\n"));
    assertThat(lines)
        .containsExactly(
            "input: 2 ledger events, 2 settlement lines, event time 1970-01-01T00:00:00Z .."
                + " 1970-01-02T00:00:00Z, replayed in event-time order",
            "rules in force: built-in (version 1)",
            "candidate:      candidate.yaml (version 2)",
            "kind                     in force  candidate   change",
            "MATCH                           1          2       +1",
            "AMOUNT_MISMATCH                 1          0       −1",
            "decided only after the recorded input ends (left out): in force 1, candidate 0",
            "moved between kinds (in force → candidate): 1 payments or lines",
            "  AMOUNT_MISMATCH → MATCH                                   1  e.g. p-2",
            "precision/recall against 1 labelled discrepancies (labels):",
            "alert kind             in force P        R candidate P        R",
            "AMOUNT_MISMATCH             1.000    1.000          -    0.000",
            "all alerts                  1.000    1.000          -    0.000");
    assertThat(
            ReconBacktestReport.lines(
                ReconBacktestReport.Input.of(List.of()), current, candidate, null))
        .last()
        .asString()
        .startsWith("precision/recall: no ground truth");
  }
}
