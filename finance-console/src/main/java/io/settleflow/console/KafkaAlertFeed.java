package io.settleflow.console;

import io.settleflow.avro.MismatchAlert;
import io.settleflow.avro.ReconMatch;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.Topics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads recon.mismatches and recon.matches as committed (read_committed: an aborted Flink
 * checkpoint's output never shows), stores each alert / match idempotently, then hands every alert
 * that is new to {@code onNewAlert} (the browsers' live feed). Offsets are committed after the
 * database writes, so a crash replays, and the replay changes nothing.
 */
public final class KafkaAlertFeed implements AutoCloseable {
  public static final String DEFAULT_GROUP_ID = "settleflow-finance-console";
  public static final Duration POLL_TIMEOUT = Duration.ofMillis(200);

  /** After a database failure the batch is read again after this pause. */
  public static final Duration RETRY_PAUSE = Duration.ofSeconds(1);

  public static final int MAX_POLL_RECORDS = 500;

  private static final Logger log = LoggerFactory.getLogger(KafkaAlertFeed.class);

  private final KafkaConsumer<String, byte[]> consumer;
  private final ConfluentWireFormat wire;
  private final ConsoleStore store;
  private final Consumer<Alert> onNewAlert;
  private final AutoCompensation.Policy autoCompensation;
  private final Clock clock;
  private final Thread thread;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicBoolean healthy = new AtomicBoolean(false);
  private final AtomicLong alertsStored = new AtomicLong();
  private final AtomicLong matchesStored = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();
  private final AtomicLong autoCompensated = new AtomicLong();

  private KafkaAlertFeed(
      KafkaConsumer<String, byte[]> consumer,
      ConfluentWireFormat wire,
      ConsoleStore store,
      Consumer<Alert> onNewAlert,
      AutoCompensation.Policy autoCompensation,
      Clock clock) {
    this.consumer = consumer;
    this.wire = wire;
    this.store = store;
    this.onNewAlert = onNewAlert;
    this.autoCompensation = autoCompensation;
    this.clock = clock;
    this.thread = new Thread(this::loop, "console-alert-feed");
    this.thread.setDaemon(true);
  }

  /** Subscribes and starts the polling thread; nothing is compensated automatically. */
  public static KafkaAlertFeed start(
      String bootstrap,
      String groupId,
      ConfluentWireFormat wire,
      ConsoleStore store,
      Consumer<Alert> onNewAlert,
      Clock clock) {
    return start(bootstrap, groupId, wire, store, onNewAlert, AutoCompensation.Policy.OFF, clock);
  }

  /**
   * Subscribes and starts the polling thread; alerts the policy covers are compensated as they are
   * stored ({@link AutoCompensation}).
   */
  public static KafkaAlertFeed start(
      String bootstrap,
      String groupId,
      ConfluentWireFormat wire,
      ConsoleStore store,
      Consumer<Alert> onNewAlert,
      AutoCompensation.Policy autoCompensation,
      Clock clock) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, MAX_POLL_RECORDS);
    KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    consumer.subscribe(List.of(Topics.RECON_MISMATCHES, Topics.RECON_MATCHES));
    KafkaAlertFeed feed =
        new KafkaAlertFeed(consumer, wire, store, onNewAlert, autoCompensation, clock);
    feed.thread.start();
    return feed;
  }

  /** Whether the last poll and its database writes succeeded. */
  public boolean healthy() {
    return healthy.get() && thread.isAlive();
  }

  public long alertsStored() {
    return alertsStored.get();
  }

  public long matchesStored() {
    return matchesStored.get();
  }

  /** Alerts booked and resolved automatically (replays not counted). */
  public long autoCompensated() {
    return autoCompensated.get();
  }

  /** Records that could not be decoded or stored as they are (skipped, logged). */
  public long rejected() {
    return rejected.get();
  }

  private void loop() {
    try {
      while (running.get()) {
        ConsumerRecords<String, byte[]> batch = consumer.poll(POLL_TIMEOUT);
        Map<TopicPartition, Long> firstOffsets = new HashMap<>();
        try {
          for (ConsumerRecord<String, byte[]> r : batch) {
            firstOffsets.putIfAbsent(new TopicPartition(r.topic(), r.partition()), r.offset());
            handle(r);
          }
          if (!batch.isEmpty()) {
            consumer.commitSync();
          }
          healthy.set(true);
        } catch (ConsoleStore.StoreException e) {
          healthy.set(false);
          log.warn("database write failed; reading the batch again in {}", RETRY_PAUSE, e);
          firstOffsets.forEach(consumer::seek);
          pause();
        }
      }
    } catch (WakeupException e) {
      if (running.get()) {
        throw e;
      }
    } finally {
      healthy.set(false);
      consumer.close();
    }
  }

  private void handle(ConsumerRecord<String, byte[]> r) {
    Instant now = clock.instant();
    if (r.topic().equals(Topics.RECON_MATCHES)) {
      ReconMatch match;
      try {
        match = wire.decode(r.value(), ReconMatch.class);
      } catch (RuntimeException e) {
        reject(r, e);
        return;
      }
      if (store.recordMatch(
          match.getEventId(), match.getMerchantId(), match.getSource(), match.getMatchedAt())) {
        matchesStored.incrementAndGet();
      }
      return;
    }
    Alert alert;
    MismatchAlert event;
    try {
      event = wire.decode(r.value(), MismatchAlert.class);
      alert = Alert.fromMismatch(event, now);
    } catch (RuntimeException e) {
      reject(r, e);
      return;
    }
    java.util.Optional<Alert> stored;
    try {
      AutoCompensation.Decision decision =
          AutoCompensation.decide(autoCompensation, alert, AutoCompensation.feeDeltaMinor(event));
      stored = store.receiveAlert(alert, r.value(), decision);
    } catch (ConsoleStore.StoreException e) {
      if (!e.badData()) {
        throw e;
      }
      reject(r, e);
      return;
    }
    if (stored.isPresent()) {
      alertsStored.incrementAndGet();
      if (stored.get().compensationTxId() != null) {
        autoCompensated.incrementAndGet();
      }
      push(stored.get());
      if (Alert.RESOLVED_KIND.equals(alert.kind())) {
        Alert.resolvedAlertId(event)
            .flatMap(id -> store.resolveByReconciliation(id, alert.detail(), now))
            .ifPresent(this::push);
      }
    }
  }

  private void push(Alert alert) {
    try {
      onNewAlert.accept(alert);
    } catch (RuntimeException e) {
      log.warn("pushing alert {} to browsers failed", alert.alertId(), e);
    }
  }

  private void reject(ConsumerRecord<String, byte[]> r, RuntimeException e) {
    rejected.incrementAndGet();
    log.warn(
        "skipping {}-{}@{} (key {}): {}",
        r.topic(),
        r.partition(),
        r.offset(),
        r.key(),
        e.getMessage());
  }

  private void pause() {
    try {
      Thread.sleep(RETRY_PAUSE.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running.set(false);
    }
  }

  @Override
  public void close() {
    running.set(false);
    consumer.wakeup();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
