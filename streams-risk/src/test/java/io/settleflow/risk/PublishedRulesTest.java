package io.settleflow.risk;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PublishedRulesTest {
  private final List<String> invalidKeys = new ArrayList<>();
  private final List<String> staleVersions = new ArrayList<>();
  private final PublishedRules published =
      new PublishedRules(
          new PublishedRules.InvalidRuleListener() {
            @Override
            public void invalid(String key, List<String> errors) {
              invalidKeys.add(key);
            }

            @Override
            public void notNewer(String key, long version, long current) {
              staleVersions.add(key + "@" + version + "<=" + current);
            }
          });
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

  static Stream<Arguments> versionSequences() {
    return Stream.of(
        // versions published one after the other on one key -> version in force, ignored ones
        Arguments.of(List.of(1L, 2L, 3L), 3L, List.of()),
        Arguments.of(List.of(3L, 2L), 3L, List.of("r@2<=3")),
        Arguments.of(List.of(2L, 2L), 2L, List.of("r@2<=2")), // same version, other content
        Arguments.of(List.of(1L, 5L, 4L, 6L), 6L, List.of("r@4<=5")),
        Arguments.of(
            List.of(5L, -1L, 4L, 6L), 6L, List.of("r@4<=5")), // -1: an invalid document between
        Arguments.of(List.of(5L, 0L, 1L), 1L, List.of())); // 0: a tombstone, the id starts over
  }

  @ParameterizedTest(name = "versions {0} -> {1} in force")
  @MethodSource("versionSequences")
  void aVersionNotAboveTheOneInForceIsIgnoredAndReported(
      List<Long> versions, long inForce, List<String> ignored) {
    int n = 0;
    for (long v : versions) {
      if (v == 0) {
        topic.remove("r");
      } else if (v < 0) {
        topic.put("r", "not json".getBytes(StandardCharsets.UTF_8));
      } else {
        // the threshold changes too, so a repeated version is new content
        topic.put("r", doc("r", v, "ACTIVE", 1000 + n++));
      }
      refresh();
    }
    assertThat(refresh()).extracting(RiskRule::versionTag).containsExactly("r@" + inForce);
    assertThat(staleVersions).isEqualTo(ignored);
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
    return doc(id, version, status, 1000);
  }

  static byte[] doc(String id, long version, String status, long threshold) {
    return ("{\"id\": \""
            + id
            + "\", \"version\": "
            + version
            + ", \"status\": \""
            + status
            + "\","
            + " \"feature\": \"amount_minor\", \"comparison\": \">\", \"threshold\": "
            + threshold
            + ", \"score\": 60,"
            + " \"action\": \"REVIEW\"}")
        .getBytes(StandardCharsets.UTF_8);
  }
}
