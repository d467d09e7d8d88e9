package io.settleflow.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReconCommandTest {
  @TempDir Path home;

  @Test
  void theCurrentRulesAreTheOptionThenTheFileUpRunsWithThenTheBuiltIn() throws IOException {
    assertThat(ReconCommand.Backtest.currentRules(null, home)).as("no file: built-in").isNull();

    Path up = home.resolve(StackSettings.RECON_RULES);
    Files.createDirectories(up.getParent());
    Files.writeString(up, "amounts: {version: 1}\n");
    assertThat(ReconCommand.Backtest.currentRules(null, home)).isEqualTo(up);

    Path explicit = home.resolve("candidate.yaml");
    assertThat(ReconCommand.Backtest.currentRules(explicit, home)).isEqualTo(explicit);
  }

  @Test
  void theRepositoryShipsTheRulesFileUpRunsWith() {
    Path repo = Path.of("..").toAbsolutePath().normalize();
    assertThat(ReconCommand.Backtest.currentRules(null, repo))
        .isEqualTo(repo.resolve("deploy/recon-rules.yaml"));
  }
}
