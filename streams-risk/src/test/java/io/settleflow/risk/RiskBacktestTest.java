package io.settleflow.risk;

import static org.assertj.core.api.Assertions.assertThat;

import io.settleflow.avro.PaymentEvent;
import io.settleflow.avro.PaymentEventType;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RiskBacktestTest {
  private static final Instant T = Instant.parse("2026-11-25T10:00:00Z");
  private static final RiskConfig CONFIG = RiskConfig.defaults();

  /**
   * Six authorizations of m1 (three above 10 000), one above the default 500 000 limit, one refund.
   */
  private static List<PaymentEvent> history() {
    List<PaymentEvent> events = new ArrayList<>();
    long[] amounts = {1_000, 20_000, 2_000, 30_000, 600_000, 3_000};
    for (int i = 0; i < amounts.length; i++) {
      events.add(Payments.event("e-" + i, "p-" + i, "m1", amounts[i], T.plusSeconds(i)));
    }
    events.add(
        PaymentEvent.newBuilder(Payments.event("e-r", "p-1", "m1", 20_000, T.plusSeconds(10)))
            .setEventType(PaymentEventType.REFUNDED)
            .build());
    return events;
  }

  private static final Map<String, byte[]> CANDIDATES =
      Map.of(
          "big-ticket", rule("big-ticket", 1, "ACTIVE", "amount_minor", ">", 10_000),
          "huge-shadow", rule("huge-shadow", 4, "SHADOW", "amount_minor", ">", 100_000));

  @Test
  void eachCandidateRuleIsComparedWithTheRulesInForceAndTheLabels() {
    List<long[]> progress = new ArrayList<>();
    RiskBacktest.Result r =
        RiskBacktest.run(
            history(),
            CANDIDATES,
            Map.of(),
            CONFIG,
            Set.of("p-1", "p-3", "p-5", "p-unknown"),
            (pass, done, total) -> progress.add(new long[] {pass, done, total}));

    assertThat(r.payments()).isEqualTo(6);
    RiskBacktest.RuleResult big = r.rules().get("big-ticket");
    assertThat(big.versionTag()).isEqualTo("big-ticket@1");
    assertThat(big.flagged()).isEqualTo(3); // p-1, p-3, p-4
    assertThat(big.overlapWithCurrent()).isEqualTo(1); // the defaults flag only p-4 (amount limit)
    assertThat(big.quality().truePositives()).isEqualTo(2); // p-1, p-3
    assertThat(big.quality().precision()).isEqualTo(2.0 / 3);
    assertThat(big.quality().recall()).isEqualTo(2.0 / 3); // p-unknown was never decided
    RiskBacktest.RuleResult shadow = r.rules().get("huge-shadow");
    assertThat(shadow.status()).isEqualTo(RuleStatus.SHADOW);
    assertThat(shadow.flagged()).isEqualTo(1);
    assertThat(r.candidateFlagged()).isEqualTo(3); // a SHADOW rule never changes an outcome
    assertThat(r.currentFlagged()).isEqualTo(1);
    assertThat(r.overlap()).isEqualTo(1);
    assertThat(r.labelled()).isEqualTo(3);
    assertThat(r.current().precision()).isZero();
    assertThat(r.rules().keySet()).containsExactly("big-ticket", "huge-shadow");
    // p-1 and p-3 newly reviewed; p-4 was reviewed by the amount limit and still is
    assertThat(r.outcomeChanges()).containsExactly(Map.entry("APPROVE -> REVIEW", 2L));
    assertThat(progress)
        .extracting(p -> p[0] + ":" + p[1] + "/" + p[2])
        .containsExactly("1:7/7", "2:7/7");
  }

  @Test
  void theSameInputGivesTheSameResult() {
    RiskBacktest.Result first =
        RiskBacktest.run(
            history(), CANDIDATES, Map.of(), CONFIG, Set.of("p-1"), RiskBacktest.Progress.NONE);
    RiskBacktest.Result second =
        RiskBacktest.run(
            history(), CANDIDATES, Map.of(), CONFIG, Set.of("p-1"), RiskBacktest.Progress.NONE);

    assertThat(second).isEqualTo(first);
  }

  @Test
  void withoutLabelsThereIsNoPrecisionOrRecall() {
    RiskBacktest.Result r =
        RiskBacktest.run(
            history(), CANDIDATES, CANDIDATES, CONFIG, Set.of(), RiskBacktest.Progress.NONE);

    assertThat(r.rules().get("big-ticket").quality().precision()).isNull();
    assertThat(r.rules().get("big-ticket").quality().recall()).isNull();
    assertThat(r.overlap()).isEqualTo(r.currentFlagged()); // same rules both sides
    assertThat(r.outcomeChanges()).isEmpty();
  }

  private static byte[] rule(
      String id, long version, String status, String feature, String cmp, long threshold) {
    return String.format(
            "{\"id\": \"%s\", \"version\": %d, \"status\": \"%s\", \"feature\": \"%s\","
                + " \"comparison\": \"%s\", \"threshold\": %d, \"score\": 60, \"action\": \"REVIEW\"}",
            id, version, status, feature, cmp, threshold)
        .getBytes(StandardCharsets.UTF_8);
  }
}
