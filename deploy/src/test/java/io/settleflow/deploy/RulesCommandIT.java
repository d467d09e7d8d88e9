package io.settleflow.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.settleflow.embedded.KafkaBroker;
import io.settleflow.embedded.TopicContents;
import io.settleflow.schemas.Topics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ./settleflow rules against a real broker: publish, list, refuse invalid files, delete. */
@Tag("integration")
class RulesCommandIT {
  private static final String RULE =
      "{\"id\": \"big-ticket\", \"version\": 2, \"status\": \"SHADOW\", \"feature\": \"amount_minor\", \"comparison\": \">\", \"threshold\": 50000, \"score\": 50, \"action\": \"REVIEW\"}";

  @TempDir static Path dir;
  static KafkaBroker broker;

  @BeforeAll
  static void start() {
    broker = KafkaBroker.start(dir.resolve("kafka"), 0, 0, "256m");
    broker.createTopics(List.of(Topics.RISK_RULES), 1, Set.of(Topics.RISK_RULES));
    new StackEndpoints(
            null, null, 0, broker.bootstrapServers(), null, null, null, null, null, dir.toString())
        .write(dir);
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  @Test
  void publishedRulesAreListedAndAnInvalidFilePublishesNothing() throws Exception {
    Path good = Files.writeString(dir.resolve("good.json"), "[" + RULE + "]");
    Path bad =
        Files.writeString(
            dir.resolve("bad.json"),
            "["
                + RULE.replace("big-ticket", "other").replace("\"score\": 50", "\"score\": 500")
                + "]");

    assertThat(run("rules", "publish", good.toString(), "--run-dir", dir.toString()))
        .startsWith("0:")
        .contains("published 1 rule");
    assertThat(run("rules", "list", "--run-dir", dir.toString())).contains("\"big-ticket\"");
    // versions only go up: the same version again is refused before anything is sent
    assertThat(run("rules", "publish", good.toString(), "--run-dir", dir.toString()))
        .startsWith("1:")
        .contains("rule big-ticket: version must be above 2")
        .contains("nothing published");

    int before = TopicContents.readAll(broker.bootstrapServers(), Topics.RISK_RULES).size();
    String refused = run("rules", "publish", bad.toString(), "--run-dir", dir.toString());
    assertThat(refused)
        .startsWith("1:")
        .contains("other")
        .contains("score")
        .contains("nothing published");
    assertThat(TopicContents.readAll(broker.bootstrapServers(), Topics.RISK_RULES)).hasSize(before);

    assertThat(run("rules", "delete", "big-ticket", "--run-dir", dir.toString())).startsWith("0:");
    assertThat(run("rules", "list", "--run-dir", dir.toString())).contains("no rules published");
  }

  /** Runs the CLI, returning "exit:" followed by what it printed. */
  private static String run(String... args) {
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      int exit = SettleflowCli.commandLine().execute(args);
      return exit + ":" + captured.toString(StandardCharsets.UTF_8);
    } finally {
      System.setOut(original);
    }
  }
}
