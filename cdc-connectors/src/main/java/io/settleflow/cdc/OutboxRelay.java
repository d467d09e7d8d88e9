package io.settleflow.cdc;

import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import io.settleflow.runtime.MetricsServer.Health;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Debezium embedded engine (Connect records, already shaped by the EventRouter) feeding an
 * {@link OutboxBatchPublisher}. Owns the engine's thread and the producer.
 */
public final class OutboxRelay implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OutboxRelay.class);

  /** Debezium stops its task and flushes offsets; Kafka may need a retry or two. */
  public static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

  public static final Duration PRODUCER_CLOSE_TIMEOUT = Duration.ofSeconds(30);

  /** A graceful stop waits this long for sent batches to be acknowledged and committed. */
  public static final Duration COMMIT_BEFORE_STOP_TIMEOUT = Duration.ofSeconds(10);

  /** How the engine ended: normally (closed) or with the error that stopped it. */
  public record Outcome(boolean success, String message, Throwable error) {}

  private final DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
  private final ExecutorService engineThread;
  private final OutboxBatchPublisher publisher;
  private final Producer<byte[], byte[]> producer;
  private final CompletableFuture<Outcome> outcome;
  private final AtomicBoolean polling;
  private final AtomicBoolean closed = new AtomicBoolean();

  private OutboxRelay(
      DebeziumEngine<RecordChangeEvent<SourceRecord>> engine,
      ExecutorService engineThread,
      OutboxBatchPublisher publisher,
      Producer<byte[], byte[]> producer,
      CompletableFuture<Outcome> outcome,
      AtomicBoolean polling) {
    this.engine = engine;
    this.engineThread = engineThread;
    this.publisher = publisher;
    this.producer = producer;
    this.outcome = outcome;
    this.polling = polling;
  }

  /**
   * Produce requests outstanding per connection. One: records that arrive while a request is out go
   * together in the next one (natural batching, no timer), instead of each opening its own request
   * and queueing behind up to four others at the broker, which handles one request per connection
   * at a time. Fewer requests per event is less CPU on both sides of a loaded machine.
   */
  public static final int MAX_IN_FLIGHT_REQUESTS = 1;

  /**
   * Idempotent, acks=all: a retried send never duplicates or reorders within a partition. No
   * compression: the relay's batches are a few records of already-encoded Avro, and Kafka's LZ4
   * stream allocates two 64 KiB block buffers per batch — in JFR allocation samples half of what
   * the relay JVM allocated at half load (more young collections) for no smaller request.
   *
   * <p>No timeout while the broker is away, as Kafka Connect configures its source tasks'
   * producers: {@code send()} waits for metadata and a sent batch is retried for as long as it
   * takes. With the defaults (max.block.ms 60 s, delivery.timeout.ms 120 s) a minute's outage
   * failed the send made as the broker went ("Topic payments.authorized not present in metadata
   * after 60000 ms") and the relay exited just after the broker came back; a restart replayed from
   * the committed offsets, so nothing was lost, but nothing restarts it under {@code up}. Waiting
   * is what a relay can do: the replication slot keeps every event meanwhile, and the engine's
   * thread stops polling once {@link OutboxBatchPublisher#MAX_BATCHES_IN_FLIGHT} batches are out. A
   * missing topic is found at start instead ({@link #partitionCounts}); {@link #close} bounds the
   * wait when stopping.
   */
  public static Properties producerConfig(String bootstrapServers, String clientId) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(
        ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION,
        Integer.toString(MAX_IN_FLIGHT_REQUESTS));
    // No linger: the relay no longer flushes per batch, so a linger would be added to every event;
    // records batch up behind the one request in flight instead.
    p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(Long.MAX_VALUE));
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.toString(Integer.MAX_VALUE));
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    return p;
  }

  /**
   * Starts the engine on its own thread.
   *
   * @param engineConfig from {@link OutboxConnectorConfig#embedded}
   * @param producer closed by {@link #close()}; the publisher must write through it
   * @param partitionCount a routed topic's partition count (see {@link #partitionCounts})
   */
  public static OutboxRelay start(
      Properties engineConfig,
      OutboxBatchPublisher publisher,
      Producer<byte[], byte[]> producer,
      Function<String, Integer> partitionCount) {
    Properties config =
        withMerchantPartitions(engineConfig, partitionCount, publisher.routedTopics());
    CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    AtomicBoolean polling = new AtomicBoolean();
    DebeziumEngine<RecordChangeEvent<SourceRecord>> engine =
        DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
            .using(config)
            .notifying(publisher)
            .using(
                new DebeziumEngine.ConnectorCallback() {
                  @Override
                  public void pollingStarted() {
                    polling.set(true);
                    LOG.info("outbox relay connected and streaming");
                  }

                  @Override
                  public void pollingStopped() {
                    polling.set(false);
                  }

                  @Override
                  public void taskStopped() {
                    polling.set(false);
                  }
                })
            .using(
                (success, message, error) -> {
                  polling.set(false);
                  // Kafka failures seen by the acknowledger stop the engine "normally" (close()).
                  java.util.Optional<OutboxBatchPublisher.OutboxPublishException> failed =
                      publisher.failure();
                  outcome.complete(
                      failed.isPresent() && success
                          ? new Outcome(false, failed.get().getMessage(), failed.get())
                          : new Outcome(success, message, error));
                })
            .build();
    ExecutorService thread =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "outbox-relay-engine");
              t.setDaemon(false);
              return t;
            });
    OutboxRelay relay = new OutboxRelay(engine, thread, publisher, producer, outcome, polling);
    publisher.start(failure -> relay.stopAfterFailure());
    thread.execute(engine);
    return relay;
  }

  /**
   * The engine config with {@link PartitionByMerchantTransformer}'s {@code partitions} set to the
   * routed topics' real partition count, so the two cannot disagree (the file's value is Kafka
   * Connect's, for the production topics). Partitions are only ever added, so a partition chosen
   * here stays valid while the relay runs; events then sit in the merchant's partition of the old
   * count, which streams-risk detects and repartitions (correct, one hop slower) until the relay
   * restarts with the new count. Unchanged when the chain has no such transform.
   *
   * @param partitionCount a topic's partition count (the producer's metadata)
   * @throws IllegalStateException naming the topics when they do not share one partition count
   */
  static Properties withMerchantPartitions(
      Properties engineConfig, Function<String, Integer> partitionCount, Set<String> topics) {
    String alias = null;
    for (String a : OutboxConnectorConfig.aliases(engineConfig.getProperty("transforms"))) {
      if (PartitionByMerchantTransformer.class
          .getName()
          .equals(engineConfig.getProperty("transforms." + a + ".type"))) {
        alias = a;
      }
    }
    if (alias == null || topics.isEmpty()) {
      return engineConfig;
    }
    Map<String, Integer> counts = new TreeMap<>();
    for (String topic : topics) {
      counts.put(topic, partitionCount.apply(topic));
    }
    int shared = sharedPartitionCount(counts);
    String key = "transforms." + alias + "." + PartitionByMerchantTransformer.PARTITIONS_CONFIG;
    String configured = engineConfig.getProperty(key);
    if (!Integer.toString(shared).equals(configured)) {
      LOG.info(
          "events are partitioned by merchant over the topics' {} partitions (the connector"
              + " file's {} is Kafka Connect's)",
          shared,
          configured);
    }
    Properties out = new Properties();
    out.putAll(engineConfig);
    out.setProperty(key, Integer.toString(shared));
    return out;
  }

  /**
   * The partition count of each topic, asked of the cluster once, within {@code timeout}: the
   * relay's producer waits for metadata without limit, so a topic that does not exist (or a Kafka
   * that does not answer) has to be found here, at start.
   *
   * @throws IllegalStateException naming the missing topic, or the bootstrap servers that did not
   *     answer
   */
  public static Map<String, Integer> partitionCounts(
      String bootstrapServers, Set<String> topics, Duration timeout) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(AdminClientConfig.CLIENT_ID_CONFIG, "settleflow-cdc-topics");
    // so that close() does not wait longer for a Kafka that does not answer
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(timeout.toMillis()));
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Admin admin = Admin.create(p)) {
      Map<String, KafkaFuture<TopicDescription>> described =
          admin.describeTopics(topics).topicNameValues();
      Map<String, Integer> counts = new TreeMap<>();
      Set<String> missing = new java.util.TreeSet<>();
      for (Map.Entry<String, KafkaFuture<TopicDescription>> e : described.entrySet()) {
        try {
          long left = Math.max(0, deadline - System.nanoTime());
          counts.put(e.getKey(), e.getValue().get(left, TimeUnit.NANOSECONDS).partitions().size());
        } catch (ExecutionException failed) {
          if (!(failed.getCause() instanceof UnknownTopicOrPartitionException)) {
            throw new IllegalStateException(
                "cannot read the partitions of " + e.getKey() + ": " + failed.getCause(),
                failed.getCause());
          }
          missing.add(e.getKey()); // the broker's message does not name the topic
        }
      }
      if (!missing.isEmpty()) {
        throw new IllegalStateException(
            "the topics the outbox routes to must exist before the relay starts, missing: "
                + missing);
      }
      return counts;
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "Kafka at "
              + bootstrapServers
              + " did not describe "
              + topics
              + " within "
              + timeout.toSeconds()
              + " s",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading partition counts", e);
    }
  }

  /**
   * The one partition count every routed topic has: a merchant's events must land in the same
   * partition index whichever topic they go to.
   */
  static int sharedPartitionCount(Map<String, Integer> partitionsByTopic) {
    Set<Integer> distinct = new java.util.HashSet<>(partitionsByTopic.values());
    if (distinct.contains(0)) {
      throw new IllegalStateException(
          "the topics the outbox routes to must exist before the relay starts, found no partitions"
              + " in "
              + partitionsByTopic);
    }
    if (distinct.size() != 1) {
      throw new IllegalStateException(
          "the topics the outbox routes to must share one partition count to be partitioned by"
              + " merchant, found "
              + partitionsByTopic);
    }
    return distinct.iterator().next();
  }

  /** Kafka did not take a batch: stop the engine now, even if no further batch comes. */
  private void stopAfterFailure() {
    Thread stopper =
        new Thread(
            () -> {
              try {
                if (!outcome.isDone()) {
                  engine.close();
                }
              } catch (IOException | IllegalStateException e) {
                // Already stopping (the engine's thread saw the failure too) or stopped.
                LOG.debug("outbox relay engine already stopping: {}", e.getMessage());
              }
            },
            "outbox-relay-stop");
    stopper.setDaemon(true);
    stopper.start();
  }

  /** Up while the engine runs and its task is polling the replication stream. */
  public Health health() {
    if (outcome.isDone()) {
      Outcome o = outcome.getNow(null);
      return Health.down(o.success() ? "engine stopped" : "engine failed: " + o.message());
    }
    if (!polling.get()) {
      return Health.down("engine starting");
    }
    // still up while the broker is away: the relay waits for it and carries on (a restart would
    // not reach it sooner); the detail says how long it has been waiting
    return publisher
        .oldestUnacknowledged()
        .filter(waited -> waited.compareTo(WAITING_REPORTED_AFTER) > 0)
        .map(
            waited ->
                Health.up(
                    "streaming ledger.outbox; waiting for Kafka: the oldest batch sent "
                        + waited.toSeconds()
                        + " s ago is not acknowledged"))
        .orElse(Health.up("streaming ledger.outbox"));
  }

  /** A batch unacknowledged for longer than this shows in {@link #health()}'s detail. */
  static final Duration WAITING_REPORTED_AFTER = Duration.ofSeconds(10);

  public boolean isStreaming() {
    return polling.get() && !outcome.isDone();
  }

  /** Completes when the engine stops, normally or with an error. */
  public CompletableFuture<Outcome> outcome() {
    return outcome;
  }

  /**
   * Stops the engine (its last committed batch stays committed), then flushes and closes the
   * producer.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      if (!outcome.isDone()) {
        // Commit what Kafka already has, so the engine's final offset flush covers it; batches
        // sent after this are replayed by the next run (at least once).
        if (!publisher.awaitCommitted(COMMIT_BEFORE_STOP_TIMEOUT)) {
          LOG.warn(
              "outbox relay stopping with batches not yet acknowledged; they will be replayed");
        }
      }
      // The acknowledger stops before the engine's final offset flush, so the two never race.
      publisher.close();
      if (!outcome.isDone()) {
        engine.close();
      }
      outcome.get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (IllegalStateException e) {
      // The engine stopped on its own (an error) between the check and close(): nothing to stop.
      LOG.debug("outbox relay engine already stopped: {}", e.getMessage());
    } catch (IOException | ExecutionException | TimeoutException e) {
      LOG.warn("outbox relay engine did not stop cleanly: {}", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      publisher.close();
      engineThread.shutdown();
      // close(timeout), never flush(): with no delivery timeout (see producerConfig) a flush would
      // wait for an absent broker forever; close sends what it can within the timeout, and what it
      // drops was never committed, so the next run replays it.
      producer.close(PRODUCER_CLOSE_TIMEOUT);
    }
  }
}
