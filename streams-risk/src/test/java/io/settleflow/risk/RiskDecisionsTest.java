package io.settleflow.risk;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RiskDecisionsTest {
  @ParameterizedTest
  @ValueSource(strings = {"", "e-1", "outbox-9f1c", "ünïcode", "a-much-longer-event-id-0123456789"})
  void theDecisionIdIsTheNameBasedUuidOfTheSourceEvent(String sourceEventId) {
    assertThat(RiskDecisions.decisionEventId(sourceEventId))
        .isEqualTo(
            UUID.nameUUIDFromBytes(("risk:" + sourceEventId).getBytes(StandardCharsets.UTF_8))
                .toString());
  }
}
