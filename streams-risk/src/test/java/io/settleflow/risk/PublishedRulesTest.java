package io.settleflow.risk;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PublishedRulesTest {
  private final List<String> invalidKeys = new ArrayList<>();
  private final PublishedRules published = new PublishedRules((key, errors) -> invalidKeys.add(key));
  private final Map<String, byte[]> topic = new LinkedHashMap<>();

  @Test
  void validRulesComeSortedByIdAndInvalidOnesAreLeftOutAndReportedOnce() {
    topic.put("zeta", doc("zeta", 1, "ACTIVE"));
    topic.put("alpha", doc("alpha", 2, "SHADOW"));
    topic.put("broken", "{\"id\": \"broken\"}".getBytes(StandardCharsets.UTF_8));

    assertThat(refresh()).extracting(RiskRule::versionTag).containsExactly("alpha@2", "zeta@1");
    assertThat(refresh()).extracting(RiskRule::versionTag).containsExactly("alpha@2", "zeta@1");
    assertThat(invalidKeys).containsExactly("broken");
  }

  @Test
  void aNewVersionReplacesTheOldAndATombstoneRemovesTheRule() {
    topic.put("r", doc("r", 1, "ACTIVE"));
    assertThat(refresh()).extracting(RiskRule::versionTag).containsExactly("r@1");

    topic.put("r", doc("r", 2, "ACTIVE"));
    assertThat(refresh()).extracting(RiskRule::versionTag).containsExactly("r@2");

    topic.remove("r");
    assertThat(refresh()).isEmpty();
  }

  @Test
  void anInvalidNewVersionDropsTheRuleUntilAValidOneIsPublished() {
    topic.put("r", doc("r", 1, "ACTIVE"));
    refresh();
    topic.put("r", "not json".getBytes(StandardCharsets.UTF_8));
    assertThat(refresh()).isEmpty();
    assertThat(invalidKeys).containsExactly("r");
  }

  @Test
  void noMoreThanTheLimitOfRulesIsKept() {
    for (int i = 0; i < PublishedRules.MAX_RULES + 5; i++) {
      String id = String.format("r-%05d", i);
      topic.put(id, doc(id, 1, "ACTIVE"));
    }
    List<RiskRule> rules = refresh();
    assertThat(rules).hasSize(PublishedRules.MAX_RULES);
    assertThat(rules.get(0).id()).isEqualTo("r-00000");
  }

  private List<RiskRule> refresh() {
    return published.refresh(topic.entrySet().iterator());
  }

  static byte[] doc(String id, long version, String status) {
    return ("{\"id\": \"" + id + "\", \"version\": " + version + ", \"status\": \"" + status + "\","
            + " \"feature\": \"amount_minor\", \"comparison\": \">\", \"threshold\": 1000, \"score\": 60,"
            + " \"action\": \"REVIEW\"}")
        .getBytes(StandardCharsets.UTF_8);
  }
}
