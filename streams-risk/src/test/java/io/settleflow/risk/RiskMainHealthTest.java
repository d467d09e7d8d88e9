package io.settleflow.risk;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

class RiskMainHealthTest {
  @Test
  void onlyARunningClientIsHealthy() {
    for (KafkaStreams.State state : KafkaStreams.State.values()) {
      assertThat(RiskMain.health(state).up())
          .as(state.name())
          .isEqualTo(state == KafkaStreams.State.RUNNING);
      assertThat(RiskMain.health(state).detail()).isEqualTo(state.name());
    }
  }
}
