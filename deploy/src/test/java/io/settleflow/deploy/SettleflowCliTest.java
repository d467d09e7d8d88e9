package io.settleflow.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class SettleflowCliTest {
  @Test
  void everyCommandAtEveryLevelAnswersHelp() {
    List<List<String>> paths = new ArrayList<>();
    collect(SettleflowCli.commandLine(), new ArrayList<>(), paths);
    assertThat(paths)
        .extracting(p -> String.join(" ", p))
        .contains(
            "",
            "up",
            "demo",
            "merchant",
            "merchant create",
            "settlements",
            "settlements import",
            "alerts");
    for (List<String> path : paths) {
      List<String> args = new ArrayList<>(path);
      args.add("--help");
      StringWriter text = new StringWriter();
      CommandLine cli = SettleflowCli.commandLine();
      cli.setOut(new PrintWriter(text));
      int exit = cli.execute(args.toArray(String[]::new));
      assertThat(exit).as(String.join(" ", args)).isZero();
      assertThat(text.toString()).as(String.join(" ", args)).contains("Usage: settleflow");
    }
  }

  @Test
  void unknownOptionIsAnErrorNamingIt() {
    StringWriter err = new StringWriter();
    CommandLine cli = SettleflowCli.commandLine();
    cli.setErr(new PrintWriter(err));
    assertThat(cli.execute("demo", "--secnds", "5")).isNotZero();
    assertThat(err.toString()).contains("--secnds");
  }

  @Test
  void commandsNeedingAStackSayHowToStartOne() {
    StringWriter err = new StringWriter();
    CommandLine cli = SettleflowCli.commandLine();
    cli.setErr(new PrintWriter(err));
    int exit =
        cli.execute(
            "merchant",
            "create",
            "--id",
            "acme",
            "--name",
            "Acme",
            "--run-dir",
            "/nonexistent/settleflow-run");
    assertThat(exit).isNotZero();
    assertThat(err.toString()).contains("./settleflow up");
  }

  private static void collect(CommandLine cl, List<String> prefix, List<List<String>> out) {
    out.add(prefix);
    cl.getSubcommands()
        .forEach(
            (name, sub) -> {
              if (!name.equals("help")) {
                List<String> p = new ArrayList<>(prefix);
                p.add(name);
                collect(sub, p, out);
              }
            });
  }
}
