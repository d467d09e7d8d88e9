package io.settleflow.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.settleflow.cdc.CdcTestStack.Received;
import io.settleflow.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Outbox clean-up on real PostgreSQL and Kafka: the table stays bounded and no event is lost or
 * doubled.
 */
@Tag("integration")
class OutboxCleanupIT {
  private static final Logger LOG = LoggerFactory.getLogger(OutboxCleanupIT.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(180);
  private static final List<String> TOPICS = List.of(Topics.PAYMENTS_AUTHORIZED);
  private static final String SLOT = "settleflow_outbox";

  /** 50 rows/s for 36 s: far more rows than the clean-up lets the table hold. */
  private static final int ROWS_PER_TICK = 5;

  private static final Duration TICK = Duration.ofMillis(100);
  private static final int TOTAL_ROWS = 1_800;

  /**
   * Rows alive at once: about (retention 1 s + commit slack 10 s + a clean-up interval + offset
   * flush 1 s) × 50 rows/s ≈ 650; without clean-up the table would reach {@link #TOTAL_ROWS}.
   */
  private static final int MAX_LIVE_ROWS = 1_000;

  @TempDir static Path dir;
  static CdcTestStack stack;

  @BeforeAll
  static void startStack() {
    stack = CdcTestStack.start(dir);
  }

  @AfterAll
  static void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void sustainedInsertsWithShortRetentionKeepTheTableBoundedAndEveryEventArrivesExactlyOnce() {
    String merchant = "m_cleanup_it";
    String payment = UUID.randomUUID().toString();
    Set<String> ids = ConcurrentHashMap.newKeySet();
    List<Integer> liveRows = new CopyOnWriteArrayList<>();
    AtomicInteger inserted = new AtomicInteger();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    RelayMetrics metrics = new RelayMetrics(registry);
    OutboxMaintenance.Settings settings =
        new OutboxMaintenance.Settings(
            Duration.ofSeconds(1), Duration.ofMillis(500), 50, 100, Duration.ofMillis(200));
    ScheduledExecutorService load = Executors.newScheduledThreadPool(2);
    try (OutboxRelay relay = stack.startRelay(metrics, Map.of("heartbeat.interval.ms", "500"));
        OutboxMaintenance maintenance =
            OutboxMaintenance.start(
                () -> DatabaseReadinessCheck.connect(stack.connector(), "cleanup-it"),
                SLOT,
                settings,
                metrics::publishedCount,
                registry)) {
      await().atMost(TIMEOUT).until(relay::isStreaming);
      ScheduledFuture<?> inserting =
          load.scheduleAtFixedRate(
              () -> {
                for (int i = 0; i < ROWS_PER_TICK && inserted.get() < TOTAL_ROWS; i++) {
                  String id = UUID.randomUUID().toString();
                  stack.insertOutboxRow(
                      merchant,
                      id,
                      Topics.PAYMENTS_AUTHORIZED,
                      payment,
                      new byte[] {0, 0, 0, 0, 1, (byte) i});
                  ids.add(id);
                  inserted.incrementAndGet();
                }
              },
              0,
              TICK.toMillis(),
              TimeUnit.MILLISECONDS);
      ScheduledFuture<?> sampling =
          load.scheduleAtFixedRate(
              () -> liveRows.add(outboxRows(merchant)), 0, 500, TimeUnit.MILLISECONDS);

      await()
          .atMost(TIMEOUT)
          .until(
              () -> {
                // a periodic task that threw is done: get() rethrows its failure into the test
                for (ScheduledFuture<?> task : List.of(inserting, sampling)) {
                  if (task.isDone()) {
                    task.get();
                  }
                }
                return inserted.get() >= TOTAL_ROWS;
              });
      // After the load stops, heartbeats move the slot past the last rows and the table drains.
      await()
          .atMost(TIMEOUT)
          .pollInterval(Duration.ofMillis(500))
          .until(() -> outboxRows(merchant) == 0);
      load.shutdownNow();

      LOG.info("live outbox rows sampled every 500 ms: {}", liveRows);
      assertThat(liveRows)
          .as("the table stays bounded while %s rows are written", TOTAL_ROWS)
          .allMatch(n -> n <= MAX_LIVE_ROWS);
      assertThat(maintenance.rowsDeletedCount()).isGreaterThanOrEqualTo(TOTAL_ROWS);
      assertThat(registry.get("settleflow.cdc.outbox.rows.deleted").counter().count())
          .isGreaterThanOrEqualTo(TOTAL_ROWS);

      await()
          .atMost(TIMEOUT)
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> CdcTestStack.eventIds(stack.received(TOPICS)).containsAll(ids));
      Map<String, Long> copies =
          stack.received(TOPICS).stream()
              .map(Received::eventId)
              .filter(ids::contains)
              .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
      assertThat(copies).hasSize(TOTAL_ROWS);
      assertThat(copies.values())
          .as("each event exactly once: deletes are not streamed")
          .allMatch(n -> n == 1L);
      assertThat(CdcTestStack.eventIds(stack.received(List.of(Topics.CDC_DLQ))))
          .doesNotContainAnyElementsOf(ids);
      assertThat(relay.isStreaming()).isTrue();
    } finally {
      load.shutdownNow();
    }
  }

  @Test
  void purgeDeletesNothingWhileTheReplicationSlotIsMissing() {
    String merchant = "m_cleanup_noslot";
    for (int i = 0; i < 3; i++) {
      stack.insertOutboxRow(
          merchant, UUID.randomUUID().toString(), Topics.PAYMENTS_AUTHORIZED, "p", new byte[] {0});
    }
    String purged =
        stack.queryOwner(
            "SELECT ledger.purge_outbox('no_such_slot', now() + interval '1 day', 100)");
    assertThat(purged).isEqualTo("0");
    assertThat(outboxRows(merchant)).isEqualTo(3);
  }

  @Test
  void publicationStreamsInsertsOnly() {
    assertThat(
            stack.queryOwner(
                "SELECT pubinsert || ',' || pubupdate || ',' || pubdelete || ',' || pubtruncate FROM pg_publication WHERE pubname = 'settleflow_outbox'"))
        .isEqualTo("true,false,false,false");
  }

  private static int outboxRows(String merchant) {
    return Integer.parseInt(
        stack.queryOwner(
            "SELECT count(*) FROM ledger.outbox WHERE merchant_id = '" + merchant + "'"));
  }
}
