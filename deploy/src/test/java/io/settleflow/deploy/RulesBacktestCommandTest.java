package io.settleflow.deploy;

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

/** ./settleflow rules backtest on files: the per-rule report, deterministic, progress on stderr. */
class RulesBacktestCommandTest {
  private static final String CANDIDATE =
      "[{\"id\": \"big-ticket\", \"version\": 1, \"status\": \"ACTIVE\", \"feature\": \"amount_minor\", \"comparison\": \">\","
          + " \"threshold\": 10000, \"score\": 60, \"action\": \"REVIEW\"}]";

  @TempDir Path dir;

  @Test
  void theReportNamesEachRuleWithFlaggedOverlapPrecisionAndRecallAndIsTheSameOnEveryRun()
      throws Exception {
    List<String> lines = new ArrayList<>();
    long[] amounts = {1_000, 20_000, 600_000, 3_000};
    for (int i = 0; i < amounts.length; i++) {
      lines.add(
          "{\"event_id\":\"e-"
              + i
              + "\",\"event_type\":\"AUTHORIZED\",\"payment_id\":\"p-"
              + i
              + "\",\"merchant_id\":\"m-1\",\"amount_minor\":"
              + amounts[i]
              + ",\"currency\":\"EUR\",\"card_token\":\"tok\",\"occurred_at\":\"2026-11-25T10:00:0"
              + i
              + "Z\"}");
    }
    Path history = Files.write(dir.resolve("history.jsonl"), lines);
    Path rules = Files.writeString(dir.resolve("rules.json"), CANDIDATE);
    Path labels = Files.writeString(dir.resolve("chargebacks.txt"), "p-1\n");
    String[] args = {
      "rules",
      "backtest",
      "--rules",
      rules.toString(),
      "--from",
      history.toString(),
      "--labels",
      labels.toString()
    };

    Run first = run(args);
    Run second = run(args);

    assertThat(first.out()).startsWith("0:");
    // p-1 and p-2 flagged; the defaults flag p-2 (amount limit); p-1 is the chargeback
    assertThat(first.out())
        .containsPattern("big-ticket@1\\s+ACTIVE\\s+2\\s+1\\s+0\\.500\\s+1\\.000\\s+1");
    assertThat(first.out()).contains("authorizations decided: 4; labelled (charged back): 1");
    assertThat(second.out()).isEqualTo(first.out());
    assertThat(first.err()).contains("pass 2/2 (candidate rules): 4/4 events (100%)");
  }

  @Test
  void anInvalidCandidateFileRunsNoBacktest() throws Exception {
    Path rules =
        Files.writeString(
            dir.resolve("rules.json"), CANDIDATE.replace("\"score\": 60", "\"score\": 600"));
    Path history = Files.writeString(dir.resolve("history.jsonl"), "");

    Run r = run("rules", "backtest", "--rules", rules.toString(), "--from", history.toString());

    assertThat(r.out()).startsWith("1:").contains("score").contains("no backtest");
  }

  private record Run(String out, String err) {}

  private static Run run(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream capturedOut = new ByteArrayOutputStream();
    ByteArrayOutputStream capturedErr = new ByteArrayOutputStream();
    System.setOut(new PrintStream(capturedOut, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(capturedErr, true, StandardCharsets.UTF_8));
    try {
      int exit = SettleflowCli.commandLine().execute(args);
      return new Run(
          exit + ":" + capturedOut.toString(StandardCharsets.UTF_8),
          capturedErr.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }
}
