package io.settleflow.reconcile;

import static io.settleflow.reconcile.Fixtures.payment;
import static io.settleflow.reconcile.Fixtures.settlement;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backtest replays a recording through the job's operators on a local Flink environment: the
 * same results as the live job's rules would give, deterministic, and byte-identical reports.
 */
class ReconBacktestJobTest {
  static final long T0 = 1_767_225_600_000L; // 2026-01-01T00:00:00Z
  static final long HOUR = 3_600_000L;
  static final long DAY = 24 * HOUR;

  static final String CANDIDATE =
      """
      version: candidate-1
      amount: {version: 2, tolerance_minor: 10, tolerance_percent: 0}
      overdue: {version: 2, default_sla: P3D}
      payout_windows: {version: 1, enabled: true, window: P1D}
      """;

  /** Every event of the recording, in the order a file would list them (not event time). */
  static List<ReplayEvent> recording() {
    List<ReplayEvent> r = new ArrayList<>();
    List<Object> events =
        List.of(
            settlement("se-10", "l-10", "pay-10", 1_000, "EUR", T0 + 4 * DAY), // moves time on
            payment("pe-1", "pay-1", 1_000, "EUR", T0),
            payment("pe-2", "pay-2", 2_000, "EUR", T0),
            payment("pe-3", "pay-3", 3_000, "EUR", T0),
            payment("pe-6", "pay-6", 600, "EUR", T0),
            payment("pe-7", "pay-7", 700, "EUR", T0),
            settlement("se-1", "l-1", "pay-1", 1_000, "EUR", T0 + HOUR),
            settlement("se-2", "l-2", "pay-2", 1_995, "EUR", T0 + HOUR), // 5 short
            settlement("se-9", "l-9", "pay-9", 900, "EUR", T0 + HOUR), // no payment
            Fixtures.member("se-6", "pay-6", "b-1", 600, 10, T0 + DAY),
            Fixtures.member("se-7", "pay-7", "b-1", 700, 10, T0 + DAY),
            Fixtures.payout("se-p1", "b-1", 1_280, T0 + DAY),
            // a bank credit naming no payment and no batch: pay-1's net (sum within a window)
            new Settlement(
                "se-po",
                "l-po",
                "bank",
                "PAYMENT",
                null,
                "merchant-1",
                990,
                0,
                990,
                "EUR",
                T0 + 3 * HOUR),
            settlement("se-3", "l-3", "pay-3", 3_000, "EUR", T0 + DAY * 5 / 2), // after 2 days
            // the watermark passes pay-3's deadline (T0 + 2 days) before its line comes
            payment("pe-10", "pay-10", 1_000, "EUR", T0 + 2 * DAY + 5 * HOUR),
            payment("pe-11", "pay-11", 1_100, "EUR", T0 + 4 * DAY)); // its SLA ends after
    for (Object e : events) {
      r.add(
          e instanceof LedgerPayment p
              ? ReplayEvent.of(p, r.size())
              : ReplayEvent.of((Settlement) e, r.size()));
    }
    return r;
  }

  @Test
  void theSameFilesGiveAByteIdenticalReport(@TempDir Path dir) throws Exception {
    Path input = dir.resolve("recorded.jsonl");
    StringBuilder lines = new StringBuilder();
    for (ReplayEvent e : recording()) {
      lines
          .append(e.payment != null ? RecordedInput.line(e.payment) : RecordedInput.line(e.line))
          .append('\n');
    }
    Files.writeString(input, lines, StandardCharsets.UTF_8);
    Path rules = Files.writeString(dir.resolve("candidate.yaml"), CANDIDATE);
    Path labels =
        Files.writeString(
            dir.resolve("labels.txt"),
            "# real discrepancies\nAMOUNT_MISMATCH pay-2\nORPHAN_SETTLEMENT l-9\n");
    String[] args = {
      "--rules", rules.toString(), "--input", input.toString(), "--labels", labels.toString()
    };

    String first = runCli(args);
    String second = runCli(args);

    assertThat(second).isEqualTo(first);
    assertThat(first)
        .contains("input: 7 ledger events, 9 settlement lines")
        .contains("rules in force: built-in recon-rules.yaml (version builtin-1)")
        // pay-1, pay-3 (late), pay-6, pay-7, batch:b-1 (payout-batch-sum), pay-10; + pay-2 and
        // the bank credit l-po paying pay-1 (payout-window-sum, enabled in the candidate only)
        .containsPattern("\nMATCH +6 +8 +\\+2\n")
        .containsPattern("\nAMOUNT_MISMATCH +1 +0 +−1\n")
        .containsPattern("\nORPHAN_SETTLEMENT +2 +1 +−1\n")
        .containsPattern("\nOVERDUE_PAYMENT +1 +0 +−1\n")
        .containsPattern("\nRESOLVED +1 +0 +−1\n")
        .contains("moved between kinds (in force → candidate): 3 payments or lines")
        .containsPattern("ORPHAN_SETTLEMENT → MATCH +1  e.g. line:l-po\n")
        .containsPattern("AMOUNT_MISMATCH → MATCH +1  e.g. pay-2\n")
        .containsPattern("MATCH\\+OVERDUE_PAYMENT\\+RESOLVED → MATCH +1  e.g. pay-3\n")
        // pay-11's overdue alert would come after the recording ends: left out of both
        .containsPattern("decided only after the recorded input ends \\(left out\\): in force 1")
        // in force: both labelled found, plus the overdue that was late, not missing
        .containsPattern("AMOUNT_MISMATCH +1\\.000 +1\\.000 +- +0\\.000")
        .containsPattern("all alerts +0\\.500 +1\\.000 +1\\.000 +0\\.500");
  }

  @Test
  void badInputIsRefusedNamingTheLineAndFieldAndNothingRuns(@TempDir Path dir) throws Exception {
    Path input =
        Files.writeString(
            dir.resolve("bad.jsonl"),
            RecordedInput.line(payment("pe-1", "pay-1", 1, "EUR", T0))
                + "\n{\"settlement\": {\"eventId\": \"se-1\", \"settlementId\": \"l-1\"}}\n");
    Path rules = Files.writeString(dir.resolve("candidate.yaml"), CANDIDATE);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        ReconBacktestCli.run(
            new String[] {"--rules", rules.toString(), "--input", input.toString()},
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    assertThat(code).isEqualTo(1);
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("bad.jsonl line 2: settlement.recordType: required");
  }

  private static String runCli(String[] args) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code =
        ReconBacktestCli.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    assertThat(code).isZero();
    return out.toString(StandardCharsets.UTF_8);
  }
}
