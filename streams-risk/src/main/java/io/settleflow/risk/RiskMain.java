package io.settleflow.risk;

import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.settleflow.runtime.MetricsServer;
import io.settleflow.runtime.ServiceConfig;
import io.settleflow.runtime.Tracing;
import io.settleflow.schemas.ConfluentRegistryClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads the environment, starts the topology and /health + /metrics; exits non-zero on failure. */
public final class RiskMain {
  private static final Logger LOG = LoggerFactory.getLogger(RiskMain.class);

  /** OpenTelemetry's service.name unless OTEL_SERVICE_NAME says otherwise. */
  public static final String SERVICE_NAME = "settleflow-streams-risk";

  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

  private RiskMain() {}

  public static void main(String[] args) throws Exception {
    RiskSettings settings = RiskSettings.from(ServiceConfig.fromEnvironment());
    // read by the HTTP threads; set once the client exists
    AtomicReference<KafkaStreams> client = new AtomicReference<>();
    MetricsServer metrics =
        MetricsServer.start(
            settings.httpHost(),
            settings.httpPort(),
            () -> health(client.get() == null ? KafkaStreams.State.CREATED : client.get().state()));
    RiskQueryServer queries = RiskQueryServer.start(settings.httpHost(), settings.queryPort());
    HostInfo self = new HostInfo(settings.queryAdvertisedHost(), queries.port());
    ConfluentRegistryClient registry = new ConfluentRegistryClient(settings.registryUrl());
    Properties streamsProps =
        RiskStreamsConfig.properties(
            settings.applicationId(),
            settings.bootstrapServers(),
            settings.stateDir(),
            settings.streamThreads(),
            settings.risk(),
            self.host() + ":" + self.port());
    streamsProps.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, settings.commitIntervalMs());
    settings
        .instanceId()
        .ifPresent(
            id ->
                streamsProps.put(
                    StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), id));
    // before the topology: its decoders mark their span with the process's tracing (OTEL_*;
    // nothing is exported unless OTEL_TRACES_EXPORTER names an exporter)
    Tracing tracing = Tracing.autoconfigured(SERVICE_NAME);
    // which task owns a merchant follows the input topics' partition count (they must exist)
    int scoringPartitions;
    try (Admin admin =
        Admin.create(
            Map.<String, Object>of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers()))) {
      scoringPartitions = RiskTopology.scoringPartitions(admin);
    }
    KafkaStreams streams =
        new KafkaStreams(
            RiskTopology.build(
                settings.risk(),
                registry,
                new MicrometerRiskCounters(metrics.registry()),
                scoringPartitions),
            streamsProps);
    queries.attach(streams, self, settings.risk(), registry, Clock.systemUTC());
    client.set(streams);
    KafkaStreamsMetrics streamsMetrics = new KafkaStreamsMetrics(streams);
    streamsMetrics.bindTo(metrics.registry());

    AtomicBoolean failed = new AtomicBoolean();
    CountDownLatch stopped = new CountDownLatch(1);
    // nanoTime of each thread replacement within the window
    Deque<Long> replacements = new ArrayDeque<>();
    streams.setUncaughtExceptionHandler(
        e -> {
          long now = System.nanoTime();
          synchronized (replacements) {
            while (!replacements.isEmpty()
                && now - replacements.peekFirst()
                    > TimeUnit.MILLISECONDS.toNanos(RiskStreamsConfig.REPLACEMENT_WINDOW_MS)) {
              replacements.removeFirst();
            }
            StreamThreadExceptionResponse response =
                RiskStreamsConfig.onStreamThreadFailure(e, replacements.size());
            if (response == StreamThreadExceptionResponse.REPLACE_THREAD) {
              replacements.addLast(now);
              LOG.warn(
                  "stream thread failed on a transient error; replacing it ({} in the last {} ms)",
                  replacements.size(),
                  RiskStreamsConfig.REPLACEMENT_WINDOW_MS,
                  e);
            } else {
              LOG.error("stream thread failed; shutting the client down", e);
              failed.set(true);
            }
            return response;
          }
        });
    streams.setStateListener(
        (now, before) -> {
          LOG.info("streams state {} -> {}", before, now);
          if (now == KafkaStreams.State.ERROR) {
            failed.set(true);
          }
          if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
            stopped.countDown();
          }
        });
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  // Leave the group on a clean stop: otherwise the next start (or another
                  // instance) waits a whole session timeout before it gets these partitions.
                  streams.close(
                      new KafkaStreams.CloseOptions().timeout(CLOSE_TIMEOUT).leaveGroup(true));
                  streamsMetrics.close();
                  queries.close();
                  metrics.close();
                  tracing.close();
                },
                "risk-shutdown"));

    LOG.info(
        "starting {} against {} with {} (health on {}:{}, queries on {})",
        settings.applicationId(),
        settings.bootstrapServers(),
        settings.risk(),
        settings.httpHost(),
        metrics.port(),
        self);
    streams.start();
    stopped.await();
    if (failed.get()) {
      streams.close(CLOSE_TIMEOUT);
      System.exit(1);
    }
  }

  /** Healthy only while processing: rebalancing, restoring state or stopped all answer 503. */
  static MetricsServer.Health health(KafkaStreams.State state) {
    return state == KafkaStreams.State.RUNNING
        ? MetricsServer.Health.up(state.name())
        : MetricsServer.Health.down(state.name());
  }
}
