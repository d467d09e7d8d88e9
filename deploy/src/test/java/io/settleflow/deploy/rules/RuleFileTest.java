package io.settleflow.deploy.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class RuleFileTest {
  static final String BIG_TICKET =
      "{\"id\": \"big-ticket\", \"version\": 2, \"status\": \"SHADOW\", \"feature\": \"amount_minor\", \"comparison\": \">\", \"threshold\": 50000, \"score\": 50, \"action\": \"REVIEW\"}";

  @Test
  void anArrayOfValidRulesIsKeyedByTheirIds() {
    List<RuleFile.Entry> entries =
        RuleFile.read(("[" + BIG_TICKET + "]").getBytes(StandardCharsets.UTF_8));
    assertThat(entries).hasSize(1);
    assertThat(entries.get(0).key()).isEqualTo("big-ticket");
    assertThat(entries.get(0).valid()).isTrue();
  }

  @Test
  void oneDocumentAloneIsAFileOfOneRule() {
    assertThat(RuleFile.read(BIG_TICKET.getBytes(StandardCharsets.UTF_8))).hasSize(1);
  }

  @Test
  void anInvalidRuleIsReportedWithItsIdAndField() {
    String bad = BIG_TICKET.replace("\"score\": 50", "\"score\": 150");
    RuleFile.Entry entry = RuleFile.read(("[" + bad + "]").getBytes(StandardCharsets.UTF_8)).get(0);
    assertThat(entry.valid()).isFalse();
    assertThat(entry.validation().errors())
        .anySatisfy(e -> assertThat(e).contains("big-ticket").contains("score"));
  }

  @Test
  void aFileThatIsNotJsonIsRefusedWithAReason() {
    assertThatThrownBy(() -> RuleFile.read("not json".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a JSON rules file");
    assertThatThrownBy(() -> RuleFile.read("42".getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("JSON array");
  }
}
