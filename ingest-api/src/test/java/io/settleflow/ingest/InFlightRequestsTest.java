package io.settleflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class InFlightRequestsTest {
  @Test
  void drainingRefusesNewRequestsAndEndsWhenTheLastOneExits() throws Exception {
    InFlightRequests inFlight = new InFlightRequests();
    assertThat(inFlight.enter()).isTrue();

    assertThat(inFlight.drain(Duration.ZERO)).as("one still in flight").isFalse();
    assertThat(inFlight.draining()).isTrue();
    assertThat(inFlight.enter()).as("refused while draining").isFalse();
    assertThat(inFlight.count()).isEqualTo(1);

    inFlight.exit();
    assertThat(inFlight.drain(Duration.ZERO)).isTrue();
  }

  @Test
  void aDrainWithNothingInFlightIsImmediate() throws Exception {
    assertThat(new InFlightRequests().drain(Duration.ZERO)).isTrue();
  }
}
