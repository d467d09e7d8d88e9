package io.settleflow.cdc;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/** The relay's meters (Prometheus names: settleflow_cdc_*). */
public final class RelayMetrics {
  private final Counter published;
  private final Counter deadLettered;
  private final Counter heartbeats;
  private final Timer batchPublish;
  private final Timer commitToKafka;
  private final Timer batchFinish;
  private final AtomicLong lagMs = new AtomicLong(0);

  /** The publisher's oldest unacknowledged batch age; none until a publisher is attached. */
  private final AtomicReference<Supplier<Optional<Duration>>> unacknowledged =
      new AtomicReference<>(Optional::empty);

  public RelayMetrics(MeterRegistry registry) {
    published =
        Counter.builder("settleflow.cdc.events.published")
            .description("Outbox events written to their topic")
            .register(registry);
    deadLettered =
        Counter.builder("settleflow.cdc.events.dead.lettered")
            .description("Outbox records sent to the CDC dead-letter topic")
            .register(registry);
    heartbeats =
        Counter.builder("settleflow.cdc.heartbeats")
            .description("Debezium heartbeats acknowledged (they advance the replication slot)")
            .register(registry);
    batchPublish =
        Timer.builder("settleflow.cdc.batch.publish")
            .description("Time to publish and flush one engine batch")
            .publishPercentileHistogram()
            .register(registry);
    commitToKafka =
        Timer.builder("settleflow.cdc.commit.to.kafka")
            .description(
                "PostgreSQL commit of the outbox row to its event being flushed to Kafka (streamed rows only)")
            .publishPercentileHistogram()
            .register(registry);
    batchFinish =
        Timer.builder("settleflow.cdc.batch.finish")
            .description(
                "Debezium's markBatchFinished after a published batch: mostly nothing, every offset"
                    + " flush interval a synchronous offset write to Kafka and the slot's LSN confirm")
            .publishPercentileHistogram()
            .register(registry);
    // Debezium's MilliSecondsBehindSource, for this relay: how far behind the source the newest
    // event of the last published batch was. Stays put while idle; a stall shows in the slot's lag
    // bytes.
    Gauge.builder("settleflow.cdc.lag", lagMs, AtomicLong::get)
        .description(
            "Flush time minus PostgreSQL commit time of the newest event in the last published batch")
        .baseUnit("milliseconds")
        .register(registry);
    // 0 normally (a batch is acknowledged within milliseconds); climbs while the broker is away
    // and the relay waits for it instead of failing: the figure to alert on
    Gauge.builder(
            "settleflow.cdc.kafka.wait",
            unacknowledged,
            u -> u.get().get().map(d -> d.toMillis() / 1000.0).orElse(0.0))
        .description("How long the oldest batch handed to Kafka has waited for its acknowledgement")
        .baseUnit("seconds")
        .register(registry);
  }

  /** Where {@code settleflow_cdc_kafka_wait_seconds} reads from (the relay's publisher). */
  void unacknowledgedFrom(Supplier<Optional<Duration>> oldestUnacknowledged) {
    unacknowledged.set(oldestUnacknowledged);
  }

  void published(int n) {
    published.increment(n);
  }

  void deadLettered(int n) {
    deadLettered.increment(n);
  }

  void heartbeats(int n) {
    heartbeats.increment(n);
  }

  void batchPublished(Duration elapsed) {
    batchPublish.record(elapsed);
  }

  void batchFinished(Duration elapsed) {
    batchFinish.record(elapsed);
  }

  void commitToKafka(Duration latency) {
    commitToKafka.record(latency.isNegative() ? Duration.ZERO : latency);
  }

  void behindSource(Duration lag) {
    lagMs.set(Math.max(0, lag.toMillis()));
  }

  public long lagMs() {
    return lagMs.get();
  }

  public double publishedCount() {
    return published.count();
  }

  public double deadLetteredCount() {
    return deadLettered.count();
  }

  public long commitToKafkaCount() {
    return commitToKafka.count();
  }
}
