package io.settleflow.feeds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class HandoffTest {
  static final int ITEMS = 3 * Handoff.BATCH_ITEMS + 7; // full batches and a partial one

  @Test
  void everyItemReachesTheConsumerInOrder() {
    List<Integer> taken = new ArrayList<>();
    try (Handoff<Integer> handoff = new Handoff<>("test-consumer", taken::add)) {
      for (int i = 0; i < ITEMS; i++) {
        assertThat(handoff.add(i)).isTrue();
      }
      assertThat(handoff.finish()).isNull();
    }
    assertThat(taken).hasSize(ITEMS);
    for (int i = 0; i < ITEMS; i++) {
      assertThat(taken.get(i)).isEqualTo(i);
    }
  }

  @Test
  void theConsumersFirstFailureStopsItAndIsReportedToTheProducingThread() {
    List<Integer> taken = new ArrayList<>();
    IllegalStateException boom = new IllegalStateException("boom");
    try (Handoff<Integer> handoff =
        new Handoff<>(
            "test-consumer",
            i -> {
              if (i == 10) {
                throw boom;
              }
              taken.add(i);
            })) {
      boolean accepted = true;
      // the producing thread learns of the failure at a later batch and can stop there
      for (int i = 0; i < ITEMS * 40 && accepted; i++) {
        accepted = handoff.add(i);
      }
      assertThat(accepted).isFalse();
      assertThat(handoff.failure()).isSameAs(boom);
      assertThat(handoff.finish()).isSameAs(boom);
    }
    assertThat(taken).hasSize(10); // nothing after the failing item
  }

  @Test
  void closingWithoutFinishingDropsWhatIsQueuedAndWaitsForTheThread() throws Exception {
    CountDownLatch firstTaken = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<Integer> taken = new ArrayList<>();
    Handoff<Integer> handoff =
        new Handoff<>(
            "test-consumer",
            i -> {
              taken.add(i);
              firstTaken.countDown();
              release.await();
            });
    for (int i = 0; i < 2 * Handoff.BATCH_ITEMS; i++) {
      handoff.add(i);
    }
    firstTaken.await();
    // the producing side gives up while the consumer still holds the first batch
    Thread closer = new Thread(handoff::close, "closer");
    closer.start();
    await().atMost(Duration.ofSeconds(10)).until(handoff::discarding);
    release.countDown(); // the consumer finishes the first batch and drops the second
    closer.join();
    handoff.close(); // closing twice is harmless
    assertThat(taken.size()).isLessThanOrEqualTo(Handoff.BATCH_ITEMS);
  }

  @Test
  void aFailureIsRethrownAsItIsOrWrappedWhenChecked() {
    IllegalArgumentException unchecked = new IllegalArgumentException("x");
    assertThat(Handoff.rethrow(unchecked)).isSameAs(unchecked);
    IOException checked = new IOException("disk");
    assertThat(Handoff.rethrow(checked))
        .isInstanceOf(IllegalStateException.class)
        .hasCause(checked)
        .hasMessageContaining("disk");
    AssertionError error = new AssertionError("dead");
    assertThatThrownBy(() -> Handoff.rethrow(error)).isSameAs(error);
  }
}
