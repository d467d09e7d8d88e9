package io.settleflow.risk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

  static Stream<Arguments> restarts() {
    return Stream.of(
        // versions published before the restart (-1 invalid) -> what the topic holds at restart
        // (0: tombstone) -> version in force after it ("-": none), ignored ones after it
        Arguments.of(List.of(3L), 2L, "r@3", List.of("r@2<=3")),
        Arguments.of(List.of(3L), 3L, "r@3", List.of()), // the same document: nothing to report
        Arguments.of(List.of(3L), 4L, "r@4", List.of()),
        Arguments.of(List.of(3L), 0L, "-", List.of()),
        Arguments.of(List.of(3L, -1L), 3L, "-", List.of("r@3<=3")),
        Arguments.of(List.of(3L, -1L), 2L, "-", List.of("r@2<=3")),
        Arguments.of(List.of(3L, -1L), 4L, "r@4", List.of()),
        Arguments.of(List.of(), 1L, "r@1", List.of()));
  }

  @ParameterizedTest(name = "{0}, restart with {1} -> {2} in force, ignored {3}")
  @MethodSource("restarts")
  void theRememberedVersionStillWinsAfterARestart(
      List<Long> before, long atRestart, String inForce, List<String> ignored) {
    Map<String, PublishedRules.Remembered> store = new LinkedHashMap<>();
    PublishedRules.Memory memory =
        new PublishedRules.Memory() {
          @Override
          public void remember(String key, PublishedRules.Remembered r) {
            store.put(key, PublishedRules.Remembered.decode(r.encode()));
          }

          @Override
          public void forget(String key) {
            store.remove(key);
          }
        };
    PublishedRules first = new PublishedRules(listener(), Map.of(), memory);
    for (long v : before) {
      topic.put("r", v < 0 ? "not json".getBytes(StandardCharsets.UTF_8) : doc("r", v, "ACTIVE"));
      first.refresh(topic.entrySet().iterator());
    }
    if (atRestart == 0) {
      topic.remove("r");
    } else {
      // a document of the same version as the one in force is the same document
      topic.put("r", doc("r", atRestart, "ACTIVE"));
    }
    staleVersions.clear();

    PublishedRules restarted = new PublishedRules(listener(), new LinkedHashMap<>(store), memory);
    List<RiskRule> rules = restarted.refresh(topic.entrySet().iterator());

    assertThat(rules.isEmpty() ? "-" : rules.get(0).versionTag()).isEqualTo(inForce);
    assertThat(staleVersions).isEqualTo(ignored);
    assertThat(store.containsKey("r")).as("remembered after the restart").isEqualTo(atRestart != 0);
  }

  @Test
  void aRememberedRuleRoundTripsThroughItsBytesAndShortBytesAreRefused() {
    PublishedRules.Remembered r = new PublishedRules.Remembered(7, doc("r", 7, "ACTIVE"));
    PublishedRules.Remembered back = PublishedRules.Remembered.decode(r.encode());
    assertThat(back.highestVersion()).isEqualTo(7);
    assertThat(back.documentInForce()).isEqualTo(r.documentInForce());
    assertThat(PublishedRules.Remembered.decode(new PublishedRules.Remembered(3, null).encode()))
        .extracting(PublishedRules.Remembered::highestVersion, x -> x.documentInForce())
        .containsExactly(3L, null);
    assertThatThrownBy(() -> PublishedRules.Remembered.decode(new byte[3]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("8 bytes");
  }

  private PublishedRules.InvalidRuleListener listener() {
    return new PublishedRules.InvalidRuleListener() {
      @Override
      public void invalid(String key, List<String> errors) {
        invalidKeys.add(key);
      }

      @Override
      public void notNewer(String key, long version, long current) {
        staleVersions.add(key + "@" + version + "<=" + current);
      }
    };
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
