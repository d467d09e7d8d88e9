package io.settleflow.deploy.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.settleflow.embedded.ChildJvm;
import io.settleflow.embedded.HttpProbe;
import io.settleflow.embedded.KafkaBroker;
import io.settleflow.embedded.Ports;
import io.settleflow.embedded.PostgresServer;
import io.settleflow.ledger.LedgerSchema;
import io.settleflow.schemas.Topics;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * {@code ./settleflow bench cdc}: embedded PostgreSQL (fsync and synchronous_commit on), one broker
 * and the real CDC service (its jar, its own JVM, the shipped connector file). Writers commit
 * payment + outbox + idempotency-key transactions as the application role; a consumer in this
 * process sees each event on {@code payments.authorized}. Latency is commit returned → record
 * visible to the consumer, both read from this JVM's {@code System.nanoTime()}, matched by the
 * Kafka key (one authorization event per payment id).
 *
 * <p>First the maximum rate (closed loop, {@code writers} threads), then 50 % of it and 100 % of it
 * at a fixed rate; at full load the slot's lag behind the WAL is sampled every second.
 */
public final class CdcBenchmark {
  static final String MERCHANT = "bench-cdc";
  static final String SLOT = "settleflow_outbox";
  static final String APP_PASSWORD = "bench-cdc-app-password";
  static final Duration READY_TIMEOUT = Duration.ofSeconds(120);

  /** Every event of a phase must reach Kafka within this after the phase ends, or the run fails. */
  static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(120);

  static final Duration LAG_SAMPLE_INTERVAL = Duration.ofSeconds(1);

  /**
   * The event is a Confluent-wire shaped blob of a typical PaymentEvent's size; CDC copies bytes.
   */
  static final int PAYLOAD_BYTES = 160;

  /** How the benchmark runs. */
  public record Options(int writers, Duration maxRateProbe, Duration halfLoad, Duration fullLoad) {}

  /** One phase at a fixed rate: its latencies and the rate it achieved. */
  public record Phase(double targetPerSecond, LatencySample latency) {}

  public record Result(double maxPerSecond, Phase half, Phase full, SlotLagTrend lag) {
    public String resultLine() {
      return String.format(
          Locale.ROOT,
          "RESULT cdc p50_ms=%.1f p99_ms=%.1f at_half_load lag_bounded=%s at_full_load",
          half.latency().quantileMs(0.5),
          half.latency().quantileMs(0.99),
          lag.bounded());
    }
  }

  private final Options options;
  private final PrintStream out;
  private final Map<String, Long> committedNanos = new ConcurrentHashMap<>();
  private final Map<String, Long> visibleNanos = new ConcurrentHashMap<>();

  public CdcBenchmark(Options options, PrintStream out) {
    this.options = options;
    this.out = out;
  }

  public Result run(Path home, Path runDir) throws Exception {
    Path cdcJar = home.resolve("cdc-connectors").resolve("target").resolve("cdc-connectors.jar");
    if (!Files.isRegularFile(cdcJar)) {
      throw new IllegalStateException(cdcJar + " is missing: build cdc-connectors first");
    }
    Files.createDirectories(runDir.resolve("logs"));
    try (PostgresServer pg =
            PostgresServer.start(
                runDir.resolve("postgres"), 0, false, runDir.resolve("logs/postgres.log"));
        KafkaBroker kafka = KafkaBroker.start(runDir.resolve("kafka"), 0, 0, "384m")) {
      pg.createDatabaseIfMissing("settleflow");
      LedgerSchema.migrate(pg.superuser("settleflow"));
      LedgerSchema.setAppRolePassword(pg.superuser("settleflow"), APP_PASSWORD);
      try (Connection c = pg.superuser("settleflow").getConnection();
          Statement s = c.createStatement()) {
        s.execute(
            "INSERT INTO ledger.merchants (merchant_id, name) VALUES ('"
                + MERCHANT
                + "', 'CDC benchmark')");
      }
      kafka.createTopics(Topics.ALL, 3, Set.of(Topics.RISK_RULES));
      out.println(
          "bench cdc: PostgreSQL "
              + pg.jdbcUrl("settleflow")
              + ", Kafka "
              + kafka.bootstrapServers());

      int cdcPort = Ports.free();
      try (ChildJvm cdc = startCdc(cdcJar, pg, kafka, cdcPort, runDir);
          HikariDataSource pool = appPool(pg);
          KafkaConsumer<String, byte[]> consumer = consumer(kafka.bootstrapServers())) {
        out.println(
            "bench cdc: CDC service healthy on port " + cdcPort + " (log " + cdc.logFile() + ")");
        AtomicBoolean consuming = new AtomicBoolean(true);
        Thread reader = new Thread(() -> consume(consumer, consuming), "bench-cdc-consumer");
        reader.start();
        try {
          double max = maxRate(pool);
          Phase half = fixedRate(pool, "half load", max / 2, options.halfLoad(), null);
          List<Long> lag = new ArrayList<>();
          Phase full =
              fixedRate(
                  pool, "full load", max, options.fullLoad(), () -> lag.add(slotLagBytes(pg)));
          SlotLagTrend trend = SlotLagTrend.of(lag.stream().mapToLong(Long::longValue).toArray());
          out.printf(
              Locale.ROOT,
              "bench cdc: slot lag at full load: first third %.0f B, last third %.0f B, max %d B, %d samples -> bounded=%s%n",
              trend.firstThirdMeanBytes(),
              trend.lastThirdMeanBytes(),
              trend.maxBytes(),
              lag.size(),
              trend.bounded());
          out.println("bench cdc: slot lag samples (bytes): " + lag);
          return new Result(max, half, full, trend);
        } finally {
          consuming.set(false);
          reader.join(TimeUnit.SECONDS.toMillis(30));
        }
      }
    }
  }

  private ChildJvm startCdc(Path jar, PostgresServer pg, KafkaBroker kafka, int port, Path runDir) {
    Map<String, String> env = new HashMap<>();
    env.put("SETTLEFLOW_HTTP_HOST", Ports.LOOPBACK);
    env.put("SETTLEFLOW_HTTP_PORT", Integer.toString(port));
    env.put("SETTLEFLOW_KAFKA_BOOTSTRAP", kafka.bootstrapServers());
    env.put("SETTLEFLOW_DB_HOST", Ports.LOOPBACK);
    env.put("SETTLEFLOW_DB_PORT", Integer.toString(pg.port()));
    env.put("SETTLEFLOW_DB_NAME", "settleflow");
    env.put("SETTLEFLOW_CDC_DB_USER", PostgresServer.SUPERUSER);
    env.put("SETTLEFLOW_CDC_DB_PASSWORD", "unused-with-local-trust-auth");
    ChildJvm cdc =
        ChildJvm.start(
            "cdc-connectors",
            List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError"),
            List.of("-jar", jar.toString()),
            env,
            runDir,
            runDir.resolve("logs/cdc-connectors.log"));
    try {
      cdc.awaitReady(
          () -> HttpProbe.ok("http://" + Ports.LOOPBACK + ":" + port + "/health"), READY_TIMEOUT);
      return cdc;
    } catch (RuntimeException e) {
      cdc.close();
      throw e;
    }
  }

  private static HikariDataSource appPool(PostgresServer pg) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(pg.jdbcUrl("settleflow"));
    config.setUsername(LedgerSchema.APP_ROLE);
    config.setPassword(APP_PASSWORD);
    config.setMaximumPoolSize(32);
    config.setAutoCommit(false);
    return new HikariDataSource(config);
  }

  private static KafkaConsumer<String, byte[]> consumer(String bootstrap) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    // Answer as soon as one record is there: the consumer's own wait must not be measured.
    p.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, "1");
    p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
    KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p);
    List<TopicPartition> partitions = new ArrayList<>();
    consumer
        .partitionsFor(Topics.PAYMENTS_AUTHORIZED)
        .forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    partitions.forEach(consumer::position);
    return consumer;
  }

  private void consume(KafkaConsumer<String, byte[]> consumer, AtomicBoolean consuming) {
    while (consuming.get()) {
      for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(50))) {
        visibleNanos.putIfAbsent(r.key(), System.nanoTime());
      }
    }
  }

  /** One authorization-shaped transaction; returns its payment id after COMMIT returned. */
  private String authorize(HikariDataSource pool) throws SQLException {
    String paymentId = UUID.randomUUID().toString();
    Timestamp now = Timestamp.from(Instant.now());
    byte[] payload = new byte[PAYLOAD_BYTES];
    ThreadLocalRandom.current().nextBytes(payload);
    payload[0] = 0;
    byte[] hash = new byte[32];
    ThreadLocalRandom.current().nextBytes(hash);
    try (Connection c = pool.getConnection()) {
      try (PreparedStatement ps =
          c.prepareStatement("SELECT set_config('settleflow.merchant_id', ?, true)")) {
        ps.setString(1, MERCHANT);
        ps.executeQuery().close();
      }
      try (PreparedStatement ps =
          c.prepareStatement(
              "INSERT INTO ledger.payments (merchant_id, payment_id, status, amount_minor, currency, created_at, updated_at)"
                  + " VALUES (?, ?::uuid, 'AUTHORIZED', ?, 'EUR', ?, ?)")) {
        ps.setString(1, MERCHANT);
        ps.setString(2, paymentId);
        ps.setLong(3, 500 + ThreadLocalRandom.current().nextInt(50_000));
        ps.setTimestamp(4, now);
        ps.setTimestamp(5, now);
        ps.executeUpdate();
      }
      try (PreparedStatement ps =
          c.prepareStatement(
              "INSERT INTO ledger.outbox (merchant_id, id, aggregatetype, aggregateid, type, payload, created_at)"
                  + " VALUES (?, ?::uuid, ?, ?, 'PaymentAuthorized', ?, ?)")) {
        ps.setString(1, MERCHANT);
        ps.setString(2, UUID.randomUUID().toString());
        ps.setString(3, Topics.PAYMENTS_AUTHORIZED);
        ps.setString(4, paymentId);
        ps.setBytes(5, payload);
        ps.setTimestamp(6, now);
        ps.executeUpdate();
      }
      try (PreparedStatement ps =
          c.prepareStatement(
              "INSERT INTO ledger.idempotency_keys (merchant_id, idempotency_key, request_hash, response_status, created_at) VALUES (?, ?, ?, 201, ?)")) {
        ps.setString(1, MERCHANT);
        ps.setString(2, paymentId);
        ps.setBytes(3, hash);
        ps.setTimestamp(4, now);
        ps.executeUpdate();
      }
      c.commit();
    }
    committedNanos.put(paymentId, System.nanoTime());
    return paymentId;
  }

  private double maxRate(HikariDataSource pool) throws Exception {
    out.printf(
        "bench cdc: maximum ingest rate, %d writers, closed loop, %d s%n",
        options.writers(), options.maxRateProbe().toSeconds());
    ExecutorService threads = Executors.newFixedThreadPool(options.writers());
    long start = System.nanoTime();
    long end = start + options.maxRateProbe().toNanos();
    List<Future<List<String>>> futures = new ArrayList<>();
    try {
      for (int w = 0; w < options.writers(); w++) {
        futures.add(
            threads.submit(
                () -> {
                  List<String> ids = new ArrayList<>();
                  while (System.nanoTime() < end) {
                    ids.add(authorize(pool));
                  }
                  return ids;
                }));
      }
      List<String> ids = new ArrayList<>();
      for (Future<List<String>> f : futures) {
        ids.addAll(f.get());
      }
      double perSecond = ids.size() * 1e9 / (System.nanoTime() - start);
      LatencySample sample = drain(ids);
      out.printf(
          Locale.ROOT,
          "bench cdc: max rate %.0f tx/s (%d tx); CDC latency while saturated p50 %.1f ms, p99 %.1f ms%n",
          perSecond,
          ids.size(),
          sample.quantileMs(0.5),
          sample.quantileMs(0.99));
      return perSecond;
    } finally {
      threads.shutdownNow();
    }
  }

  /**
   * Open loop: transaction k of the phase is due at start + k / rate, whatever happened to the ones
   * before (a late writer catches up instead of lowering the rate).
   */
  private Phase fixedRate(
      HikariDataSource pool, String name, double perSecond, Duration length, Runnable everySecond)
      throws Exception {
    long total = Math.max(1, Math.round(perSecond * length.toNanos() / 1e9));
    int writers = options.writers();
    out.printf(
        Locale.ROOT,
        "bench cdc: %s: %.0f tx/s for %d s (%d tx, %d writers)%n",
        name,
        perSecond,
        length.toSeconds(),
        total,
        writers);
    ExecutorService threads = Executors.newFixedThreadPool(writers);
    java.util.concurrent.ScheduledExecutorService sampler =
        Executors.newSingleThreadScheduledExecutor();
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
    double intervalNanos = 1e9 / perSecond;
    List<Future<List<String>>> futures = new ArrayList<>();
    try {
      Future<?> sampling =
          everySecond == null
              ? java.util.concurrent.CompletableFuture.completedFuture(null)
              : sampler.scheduleAtFixedRate(
                  everySecond, 0, LAG_SAMPLE_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
      for (int w = 0; w < writers; w++) {
        int writer = w;
        futures.add(
            threads.submit(
                () -> {
                  List<String> ids = new ArrayList<>();
                  for (long k = writer; k < total; k += writers) {
                    long due = start + Math.round(k * intervalNanos);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                      LockSupport.parkNanos(wait);
                    }
                    ids.add(authorize(pool));
                  }
                  return ids;
                }));
      }
      List<String> ids = new ArrayList<>();
      for (Future<List<String>> f : futures) {
        ids.addAll(f.get());
      }
      long elapsed = System.nanoTime() - start;
      if (sampling.isDone()) {
        sampling.get(); // a sampler that threw stopped sampling: report it instead of judging fewer
        // samples
      }
      sampler.shutdown();
      sampler.awaitTermination(10, TimeUnit.SECONDS);
      LatencySample latency = drain(ids);
      LatencySample achieved = new LatencySample(ids.size(), elapsed, latency.sortedLatencyNanos());
      out.printf(
          Locale.ROOT,
          "bench cdc: %s: achieved %.0f tx/s; commit -> visible in Kafka p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
          name,
          achieved.perSecond(),
          latency.quantileMs(0.5),
          latency.quantileMs(0.99),
          latency.quantileMs(1.0));
      return new Phase(perSecond, achieved);
    } finally {
      sampler.shutdownNow();
      threads.shutdownNow();
    }
  }

  /** Waits until every payment of the phase is visible, then returns commit → visible latencies. */
  private LatencySample drain(List<String> ids) {
    long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
    for (String id : ids) {
      while (!visibleNanos.containsKey(id)) {
        if (System.nanoTime() > deadline) {
          long missing = ids.stream().filter(i -> !visibleNanos.containsKey(i)).count();
          throw new IllegalStateException(
              missing
                  + " of "
                  + ids.size()
                  + " events did not reach Kafka within "
                  + DRAIN_TIMEOUT);
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
      }
    }
    long[] latencies = new long[ids.size()];
    for (int i = 0; i < latencies.length; i++) {
      String id = ids.get(i);
      latencies[i] = Math.max(0, visibleNanos.remove(id) - committedNanos.remove(id));
    }
    return LatencySample.of(latencies, 0);
  }

  private static long slotLagBytes(PostgresServer pg) {
    try (Connection c = pg.superuser("settleflow").getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint FROM pg_replication_slots WHERE slot_name = '"
                    + SLOT
                    + "'")) {
      return rs.next() ? rs.getLong(1) : -1;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the slot's lag: " + e.getMessage(), e);
    }
  }
}
