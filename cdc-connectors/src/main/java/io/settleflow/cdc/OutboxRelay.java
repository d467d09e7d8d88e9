package io.settleflow.cdc;

import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import io.settleflow.runtime.MetricsServer.Health;
import java.io.IOException;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
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

  /** How the engine ended: normally (closed) or with the error that stopped it. */
  public record Outcome(boolean success, String message, Throwable error) {}

  private final DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
  private final ExecutorService engineThread;
  private final Producer<byte[], byte[]> producer;
  private final CompletableFuture<Outcome> outcome;
  private final AtomicBoolean polling;
  private final AtomicBoolean closed = new AtomicBoolean();

  private OutboxRelay(
      DebeziumEngine<RecordChangeEvent<SourceRecord>> engine,
      ExecutorService engineThread,
      Producer<byte[], byte[]> producer,
      CompletableFuture<Outcome> outcome,
      AtomicBoolean polling) {
    this.engine = engine;
    this.engineThread = engineThread;
    this.producer = producer;
    this.outcome = outcome;
    this.polling = polling;
  }

  /** Idempotent, acks=all: a retried send never duplicates or reorders within a partition. */
  public static Properties producerConfig(String bootstrapServers, String clientId) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "1");
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    return p;
  }

  /**
   * Starts the engine on its own thread.
   *
   * @param engineConfig from {@link OutboxConnectorConfig#embedded}
   * @param producer closed by {@link #close()}; the publisher must write through it
   */
  public static OutboxRelay start(
      Properties engineConfig, OutboxBatchPublisher publisher, Producer<byte[], byte[]> producer) {
    CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    AtomicBoolean polling = new AtomicBoolean();
    DebeziumEngine<RecordChangeEvent<SourceRecord>> engine =
        DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
            .using(engineConfig)
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
                  outcome.complete(new Outcome(success, message, error));
                })
            .build();
    ExecutorService thread =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "outbox-relay-engine");
              t.setDaemon(false);
              return t;
            });
    thread.execute(engine);
    return new OutboxRelay(engine, thread, producer, outcome, polling);
  }

  /** Up while the engine runs and its task is polling the replication stream. */
  public Health health() {
    if (outcome.isDone()) {
      Outcome o = outcome.getNow(null);
      return Health.down(o.success() ? "engine stopped" : "engine failed: " + o.message());
    }
    return polling.get() ? Health.up("streaming ledger.outbox") : Health.down("engine starting");
  }

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
      engineThread.shutdown();
      try {
        producer.flush();
      } finally {
        producer.close(PRODUCER_CLOSE_TIMEOUT);
      }
    }
  }
}
