package io.settleflow.deploy.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.settleflow.deploy.Stack;
import io.settleflow.embedded.ChildJvm;
import io.settleflow.embedded.HttpProbe;
import io.settleflow.embedded.KafkaBroker;
import io.settleflow.embedded.Ports;
import io.settleflow.embedded.PostgresServer;
import io.settleflow.ledger.LedgerSchema;
import io.settleflow.schemas.Topics;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * {@code ./settleflow bench cdc}: embedded PostgreSQL (fsync and synchronous_commit on), one broker
 * and the real CDC service (its jar, its own JVM, the shipped connector file, replicating as the
 * launcher's least-privileged role {@link Stack#CDC_ROLE}, set up by {@link
 * LedgerSchema#grantCdcRole} as {@code ./settleflow up} does). Writers commit payment + outbox +
 * idempotency-key transactions as the application role; a consumer in this process reads each event
 * on {@code payments.authorized}, matched by the Kafka key (one authorization event per payment
 * id). Latency is COMMIT returned → record visible in Kafka, i.e. the broker's append: the topic
 * stamps records with {@code LogAppendTime}, and with one broker (ISR = the leader) the high
 * watermark moves with the append, so that is when any consumer can read it. The bench's own
 * consumer hop (its fetch loop, its JVM's GC and scheduling, shared with 16 writer threads) is
 * printed beside it but is not the pipeline's latency. Both clocks are the machine's wall clock;
 * the append time is whole milliseconds, so a latency reads up to 1 ms short.
 *
 * <p>First the maximum rate (closed loop, {@code writers} threads), then an unmeasured warm-up at
 * 50 % of it (the JVMs compile their hot code), then 50 % of it and 100 % of it at a fixed rate; at
 * full load the slot's lag behind the WAL is sampled every second.
 *
 * <p>Where the time goes: the relay runs with {@code SETTLEFLOW_CDC_TRACE_HEADERS=true} (commit
 * time from the WAL, Debezium's record time, the relay's receipt on each event) and the event topic
 * with {@code LogAppendTime} (the broker's append), so each phase prints a {@link
 * CdcStageBreakdown}; plus the load generator's lateness, GC pauses of the CDC JVM (its {@code
 * -Xlog:gc} file) and of this JVM, and the relay's publish / offset-commit histograms.
 */
public final class CdcBenchmark {
  static final String MERCHANT = "bench-cdc";
  static final String SLOT = "settleflow_outbox";
  static final String APP_PASSWORD = "bench-cdc-app-password";
  static final String CDC_PASSWORD = "bench-cdc-relay-password";
  static final Duration READY_TIMEOUT = Duration.ofSeconds(120);

  /** Every event of a phase must reach Kafka within this after the phase ends, or the run fails. */
  static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(120);

  static final Duration LAG_SAMPLE_INTERVAL = Duration.ofSeconds(1);

  /** The bench consumer's fetch: answered at this many bytes or after the wait below. */
  static final int CONSUMER_FETCH_MIN_BYTES = 256 * 1024;

  static final int CONSUMER_FETCH_WAIT_MS = 100;

  /** How long the relay's CPU use is read while nothing is written (the cost of polling). */
  static final Duration IDLE_CPU_WINDOW = Duration.ofSeconds(10);

  /**
   * The event is a Confluent-wire shaped blob of a typical PaymentEvent's size; CDC copies bytes.
   */
  static final int PAYLOAD_BYTES = 160;

  /** The stages of {@link CdcStageBreakdown}, in order; the first is outside the measured span. */
  static final List<String> STAGES =
      List.of(
          "pg commit -> COMMIT returned (not in the latency)",
          "COMMIT returned -> Debezium event",
          "Debezium event -> relay batch",
          "relay batch -> broker append",
          "append -> bench consumer (not in the latency)");

  /** A {@code -Xlog:gc:...:timemillis} pause line: wall-clock ms and pause ms. */
  static final Pattern GC_PAUSE = Pattern.compile("^\\[(\\d+)ms\\].* Pause .* (\\d+\\.\\d+)ms$");

  /**
   * How the benchmark runs.
   *
   * @param profileCdc record the CDC JVM with Java Flight Recorder from its start ({@code
   *     logs/cdc.jfr} in the run directory, written when it stops)
   * @param cdcPollIntervalMs the relay's {@code SETTLEFLOW_CDC_POLL_INTERVAL_MS}; 0 keeps the
   *     connector file's {@code poll.interval.ms}
   * @param warmUp how long to run at the half-load rate, unmeasured, before the half-load phase
   * @param fixedMaxPerSecond when above 0, the "maximum" rate instead of the probe's (no probe):
   *     runs on a shared machine then compare at equal rates
   */
  public record Options(
      int writers,
      Duration maxRateProbe,
      Duration halfLoad,
      Duration fullLoad,
      boolean profileCdc,
      int cdcPollIntervalMs,
      Duration warmUp,
      double fixedMaxPerSecond) {
    public Options {
      if (cdcPollIntervalMs < 0 || cdcPollIntervalMs > MAX_CDC_POLL_INTERVAL_MS) {
        throw new IllegalArgumentException(
            "--cdc-poll-interval-ms must be 0 (the connector file's) or 1.."
                + MAX_CDC_POLL_INTERVAL_MS
                + ", was "
                + cdcPollIntervalMs);
      }
      if (warmUp.isNegative()) {
        throw new IllegalArgumentException(
            "--warmup-seconds must be 0 or more, was " + warmUp.toSeconds());
      }
      if (!(fixedMaxPerSecond >= 0) || Double.isInfinite(fixedMaxPerSecond)) {
        throw new IllegalArgumentException(
            "--max-rate must be 0 (probe it) or a rate in tx/s, was " + fixedMaxPerSecond);
      }
    }

    public Options(int writers, Duration maxRateProbe, Duration halfLoad, Duration fullLoad) {
      this(writers, maxRateProbe, halfLoad, fullLoad, false, 0, DEFAULT_WARM_UP, 0);
    }
  }

  /**
   * The unmeasured phase between the probe and the half-load phase. Without it the half-load phase
   * ran while the JVMs were still compiling: per-thread CPU over 20 s of it (2026-11-26) had the C2
   * compiler at 35 % of a core in the CDC JVM, 11 % in the broker and 17 % in this JVM; after 30 s
   * of warm-up still 9 % and 16 % in the CDC JVM and the broker, so 60 s.
   */
  public static final Duration DEFAULT_WARM_UP = Duration.ofSeconds(60);

  /** The relay accepts {@code SETTLEFLOW_CDC_POLL_INTERVAL_MS} up to this. */
  static final int MAX_CDC_POLL_INTERVAL_MS = 1_000;

  /** One phase at a fixed rate: its latencies, the rate it achieved and where the time went. */
  public record Phase(double targetPerSecond, LatencySample latency, CdcStageBreakdown stages) {}

  /** A transaction after its COMMIT returned. */
  private record Committed(long nanos, long wallMicros, long latenessNanos) {}

  /** An event as the consumer saw it; the trace is {@code commit µs, Debezium ms, relay µs}. */
  private record Visible(long nanos, long wallMicros, long appendMillis, long[] trace) {}

  /**
   * A drained phase: commit → visible (broker append) latencies, commit → the bench consumer's
   * poll, the stage breakdown, the writers' lateness.
   */
  private record Drained(
      LatencySample latency,
      LatencySample consumerLatency,
      CdcStageBreakdown stages,
      CdcSlowWindows slowWindows,
      LatencySample lateness) {}

  /** Slow events further apart than this in commit time are separate windows. */
  static final long SLOW_WINDOW_GAP_MICROS = 200_000;

  /** The measured stages of {@link #STAGES} (the first and last are outside the latency). */
  static final List<Integer> MEASURED_STAGES = List.of(1, 2, 3);

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
  private final Map<String, Committed> committed = new ConcurrentHashMap<>();
  private final Map<String, Visible> visible = new ConcurrentHashMap<>();
  private Path cdcGcLog;
  private String cdcMetricsUrl;
  private Path logDir;

  /** CPU of the CDC JVM and of the broker (each in the reading's "api" slot), and PostgreSQL's. */
  private ProcessCpu cdcCpu;

  private ProcessCpu brokerCpu;

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
      LedgerSchema.grantCdcRole(pg.superuser("settleflow"), Stack.CDC_ROLE, CDC_PASSWORD);
      kafka.createTopics(Topics.ALL, 3, Set.of(Topics.RISK_RULES));
      appendTimeStamps(kafka, Topics.PAYMENTS_AUTHORIZED);
      out.println(
          "bench cdc: PostgreSQL "
              + pg.jdbcUrl("settleflow")
              + ", Kafka "
              + kafka.bootstrapServers());

      int cdcPort = Ports.free();
      logDir = runDir.resolve("logs");
      try (ChildJvm cdc = startCdc(cdcJar, pg, kafka, cdcPort, runDir);
          HikariDataSource pool = appPool(pg);
          KafkaConsumer<String, byte[]> consumer = consumer(kafka.bootstrapServers())) {
        out.println(
            "bench cdc: CDC service healthy on port " + cdcPort + " (log " + cdc.logFile() + ")");
        long postmaster = ProcessCpu.postmasterPid(runDir.resolve("postgres"));
        cdcCpu = new ProcessCpu(cdc.pid(), postmaster);
        brokerCpu = new ProcessCpu(kafka.jvm().pid(), postmaster);
        AtomicBoolean consuming = new AtomicBoolean(true);
        Thread reader = new Thread(() -> consume(consumer, consuming), "bench-cdc-consumer");
        reader.start();
        try {
          awaitStreaming(pool);
          out.println("bench cdc: replication connection(s) as: " + replicationUsers(pg));
          double max =
              options.fixedMaxPerSecond() > 0 ? options.fixedMaxPerSecond() : maxRate(pool);
          if (options.fixedMaxPerSecond() > 0) {
            out.printf(Locale.ROOT, "bench cdc: maximum rate given: %.0f tx/s (no probe)%n", max);
          }
          if (!options.warmUp().isZero()) {
            out.println(
                "bench cdc: warm-up at the half-load rate, not measured (the JVMs compile their"
                    + " hot code)");
            fixedRate(pool, "warm-up", max / 2, options.warmUp(), null);
          }
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
          out.printf(
              Locale.ROOT,
              "bench cdc: CDC JVM CPU while the outbox is idle: %.1f %% of a core over %d s%n",
              idleCpuPercent(cdc.pid()),
              IDLE_CPU_WINDOW.toSeconds());
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
    // As ./settleflow up runs it: the least-privileged role, not the superuser.
    env.put("SETTLEFLOW_CDC_DB_USER", Stack.CDC_ROLE);
    env.put("SETTLEFLOW_CDC_DB_PASSWORD", CDC_PASSWORD);
    env.put("SETTLEFLOW_CDC_TRACE_HEADERS", "true");
    if (options.cdcPollIntervalMs() > 0) {
      env.put("SETTLEFLOW_CDC_POLL_INTERVAL_MS", Integer.toString(options.cdcPollIntervalMs()));
      out.println("bench cdc: relay poll.interval.ms " + options.cdcPollIntervalMs());
    }
    cdcGcLog = runDir.resolve("logs/cdc-gc.log");
    cdcMetricsUrl = "http://" + Ports.LOOPBACK + ":" + port + "/metrics";
    List<String> jvmOptions =
        new ArrayList<>(
            List.of(
                "-Xmx256m",
                // as Stack starts it: no full collection when first traffic loads classes
                "-XX:MetaspaceSize=64m",
                "-XX:+UseSerialGC",
                "-XX:+ExitOnOutOfMemoryError",
                "-Xlog:gc:file=" + cdcGcLog + ":timemillis"));
    if (options.profileCdc()) {
      Path jfr = runDir.resolve("logs/cdc.jfr");
      jvmOptions.add(
          "-XX:StartFlightRecording=filename=" + jfr + ",settings=profile,dumponexit=true");
      out.println("bench cdc: recording the CDC JVM to " + jfr + " (written when it stops)");
    }
    ChildJvm cdc =
        ChildJvm.start(
            "cdc-connectors",
            jvmOptions,
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
    // The latency ends at the broker's append (LogAppendTime), so this consumer only collects the
    // stamps: fetching in batches (about every CONSUMER_FETCH_WAIT_MS) instead of one fetch per
    // record takes a request per event off the broker and a wake-up per event off this JVM, both
    // competing with the pipeline for the two cores. Its hop ("append -> bench consumer") is
    // reported, not measured.
    p.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, Integer.toString(CONSUMER_FETCH_MIN_BYTES));
    p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, Integer.toString(CONSUMER_FETCH_WAIT_MS));
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
        long nanos = System.nanoTime();
        long wall = wallMicros();
        long append = r.timestampType() == TimestampType.LOG_APPEND_TIME ? r.timestamp() : -1;
        visible.putIfAbsent(r.key(), new Visible(nanos, wall, append, trace(r)));
      }
    }
  }

  /** The relay's trace header: commit µs, Debezium ms, relay µs; null without one. */
  static long[] trace(ConsumerRecord<String, byte[]> r) {
    Header h = r.headers().lastHeader("settleflow.cdc.trace");
    if (h == null) {
      return null;
    }
    String[] parts = new String(h.value(), StandardCharsets.US_ASCII).split(" ", -1);
    if (parts.length != 3) {
      return null;
    }
    return new long[] {
      Long.parseLong(parts[0]), Long.parseLong(parts[1]), Long.parseLong(parts[2])
    };
  }

  static long wallMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
  }

  /** The broker stamps the event topic's records with their append time (the producer's ack). */
  private static void appendTimeStamps(KafkaBroker kafka, String topic) throws Exception {
    try (Admin admin = kafka.admin()) {
      admin
          .incrementalAlterConfigs(
              Map.of(
                  new ConfigResource(ConfigResource.Type.TOPIC, topic),
                  List.of(
                      new AlterConfigOp(
                          new ConfigEntry(
                              TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG,
                              TimestampType.LOG_APPEND_TIME.name),
                          AlterConfigOp.OpType.SET))))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
  }

  /** One authorization-shaped transaction; returns its payment id after COMMIT returned. */
  private String authorize(HikariDataSource pool, long latenessNanos) throws SQLException {
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
    committed.put(paymentId, new Committed(System.nanoTime(), wallMicros(), latenessNanos));
    return paymentId;
  }

  /**
   * Health turns up when the engine polls, before Debezium's snapshot and streaming start: wait
   * until one event has gone through, so the probe does not measure the relay's start-up.
   */
  private void awaitStreaming(HikariDataSource pool) throws Exception {
    long start = System.nanoTime();
    drain(List.of(authorize(pool, 0)), null);
    out.printf(
        Locale.ROOT,
        "bench cdc: first event through the relay after %.1f s%n",
        (System.nanoTime() - start) / 1e9);
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
                    ids.add(authorize(pool, 0));
                  }
                  return ids;
                }));
      }
      List<String> ids = new ArrayList<>();
      for (Future<List<String>> f : futures) {
        ids.addAll(f.get());
      }
      double perSecond = ids.size() * 1e9 / (System.nanoTime() - start);
      LatencySample sample = drain(ids, "max-rate").latency();
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
   * before (a late schedule catches up instead of lowering the rate). The writers share one
   * schedule: whichever writer is free takes the next due transaction, so one transaction stuck in
   * PostgreSQL delays only itself. (Each writer used to own every 16th slot: a writer stuck for 0.5
   * s then fired its missed slots back to back, a burst made by the load generator.)
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
    long wallStartMs = System.currentTimeMillis();
    long[] gcBefore = ownGc();
    String metricsBefore = relayMetrics();
    double loadBefore = ProcessCpu.loadAverage();
    ProcessCpu.Reading cdcCpuBefore = cdcCpu.read();
    ProcessCpu.Reading brokerCpuBefore = brokerCpu.read();
    java.util.concurrent.atomic.AtomicLong next = new java.util.concurrent.atomic.AtomicLong();
    List<Future<List<String>>> futures = new ArrayList<>();
    try {
      Future<?> sampling =
          everySecond == null
              ? java.util.concurrent.CompletableFuture.completedFuture(null)
              : sampler.scheduleAtFixedRate(
                  everySecond, 0, LAG_SAMPLE_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
      for (int w = 0; w < writers; w++) {
        futures.add(
            threads.submit(
                () -> {
                  List<String> ids = new ArrayList<>();
                  for (long k = next.getAndIncrement(); k < total; k = next.getAndIncrement()) {
                    long due = start + Math.round(k * intervalNanos);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                      LockSupport.parkNanos(wait);
                    }
                    ids.add(authorize(pool, Math.max(0, System.nanoTime() - due)));
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
      long[] gcAfter = ownGc();
      long wallEndMs = System.currentTimeMillis();
      Drained drained = drain(ids, name.replace(' ', '-'));
      ProcessCpu.Reading cdcUsed = cdcCpu.read().minus(cdcCpuBefore);
      ProcessCpu.Reading brokerUsed = brokerCpu.read().minus(brokerCpuBefore);
      LatencySample latency = drained.latency();
      LatencySample achieved = new LatencySample(ids.size(), elapsed, latency.sortedLatencyNanos());
      out.printf(
          Locale.ROOT,
          "bench cdc: %s: achieved %.0f tx/s; commit -> visible in Kafka (broker append) p50 %.1f ms,"
              + " p99 %.1f ms, max %.1f ms; commit -> bench consumer p50 %.1f ms, p99 %.1f ms%n",
          name,
          achieved.perSecond(),
          latency.quantileMs(0.5),
          latency.quantileMs(0.99),
          latency.quantileMs(1.0),
          drained.consumerLatency().quantileMs(0.5),
          drained.consumerLatency().quantileMs(0.99));
      printBreakdown(
          name,
          drained,
          wallStartMs,
          wallEndMs,
          gcAfter[0] - gcBefore[0],
          gcAfter[1] - gcBefore[1]);
      out.println("bench cdc:   relay in the phase: " + relayTimers(metricsBefore, relayMetrics()));
      out.printf(
          Locale.ROOT,
          "bench cdc:   CPU per event (phase and drain): CDC JVM %.0f us, broker %.0f us,"
              + " PostgreSQL %.0f us, bench JVM %.0f us; load average %.2f -> %.2f%n",
          cdcUsed.apiNanos() / 1e3 / ids.size(),
          brokerUsed.apiNanos() / 1e3 / ids.size(),
          cdcUsed.postgresNanos() / 1e3 / ids.size(),
          cdcUsed.benchNanos() / 1e3 / ids.size(),
          loadBefore,
          ProcessCpu.loadAverage());
      return new Phase(perSecond, achieved, drained.stages());
    } finally {
      sampler.shutdownNow();
      threads.shutdownNow();
    }
  }

  /**
   * Waits until every payment of the phase is visible, then returns commit → visible latencies.
   *
   * @param csvName when not null, every traced event's stages go to {@code logs/cdc-<name>.csv}
   *     (commit wall time and stage µs, for finding what the slow events have in common)
   */
  private Drained drain(List<String> ids, String csvName) throws IOException {
    long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
    for (String id : ids) {
      while (!visible.containsKey(id)) {
        if (System.nanoTime() > deadline) {
          long missing = ids.stream().filter(i -> !visible.containsKey(i)).count();
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
    long[] consumerLatencies = new long[ids.size()];
    long[] lateness = new long[ids.size()];
    List<long[]> stageRows = new ArrayList<>();
    List<Long> totals = new ArrayList<>();
    List<Long> commitsReturned = new ArrayList<>();
    for (int i = 0; i < latencies.length; i++) {
      String id = ids.get(i);
      Visible v = visible.remove(id);
      Committed c = committed.remove(id);
      consumerLatencies[i] = Math.max(0, v.nanos() - c.nanos());
      // Visible = appended (LogAppendTime); without the stamp, fall back to the consumer's poll.
      latencies[i] =
          v.appendMillis() > 0
              ? Math.max(0, (v.appendMillis() * 1_000 - c.wallMicros()) * 1_000)
              : consumerLatencies[i];
      lateness[i] = c.latenessNanos();
      if (v.trace() != null && v.trace()[0] > 0 && v.appendMillis() > 0) {
        long pgCommit = v.trace()[0];
        long debezium = v.trace()[1] * 1_000;
        long relay = v.trace()[2];
        long append = v.appendMillis() * 1_000;
        stageRows.add(
            new long[] {
              c.wallMicros() - pgCommit,
              debezium - c.wallMicros(),
              relay - debezium,
              append - relay,
              v.wallMicros() - append
            });
        totals.add(append - c.wallMicros());
        commitsReturned.add(c.wallMicros());
      }
    }
    CdcStageBreakdown stages =
        CdcStageBreakdown.of(
            STAGES,
            stageRows.toArray(new long[0][]),
            totals.stream().mapToLong(Long::longValue).toArray());
    if (csvName != null) {
      writeStagesCsv(logDir.resolve("cdc-" + csvName + ".csv"), commitsReturned, stageRows, totals);
    }
    long[] totalMicros = totals.stream().mapToLong(Long::longValue).toArray();
    long[] sortedTotals = totalMicros.clone();
    java.util.Arrays.sort(sortedTotals);
    CdcSlowWindows slowWindows =
        CdcSlowWindows.of(
            commitsReturned.stream().mapToLong(Long::longValue).toArray(),
            stageRows.toArray(new long[0][]),
            totalMicros,
            CdcStageBreakdown.quantile(sortedTotals, 0.99),
            SLOW_WINDOW_GAP_MICROS,
            MEASURED_STAGES);
    return new Drained(
        LatencySample.of(latencies, 0),
        LatencySample.of(consumerLatencies, 0),
        stages,
        slowWindows,
        LatencySample.of(lateness, 0));
  }

  /** One line per traced event: COMMIT returned (epoch µs), each stage's µs, the total µs. */
  private static void writeStagesCsv(
      Path file, List<Long> commitsReturned, List<long[]> stageRows, List<Long> totals)
      throws IOException {
    StringBuilder b = new StringBuilder("commit_returned_us");
    for (int s = 0; s < STAGES.size(); s++) {
      b.append(",stage").append(s + 1).append("_us");
    }
    b.append(",latency_us\n");
    for (int i = 0; i < stageRows.size(); i++) {
      long[] row = stageRows.get(i);
      b.append(commitsReturned.get(i));
      for (long v : row) {
        b.append(',').append(v);
      }
      b.append(',').append(totals.get(i)).append('\n');
    }
    Files.writeString(file, b.toString(), StandardCharsets.UTF_8);
  }

  private void printBreakdown(
      String phase, Drained d, long wallStartMs, long wallEndMs, long ownGcCount, long ownGcMs) {
    CdcStageBreakdown b = d.stages();
    out.printf(
        Locale.ROOT,
        "bench cdc: %s: where the time goes (%d traced events; slow = the %d at or above p99), ms:%n",
        phase,
        b.events(),
        b.slowEvents());
    b.tableLines("bench cdc:   ", "stage", 50).forEach(out::println);
    out.printf(
        Locale.ROOT,
        "bench cdc:   load generator lateness (start - due) p50 %.1f ms, p99 %.1f ms, max %.1f ms;"
            + " this JVM's GC %d collections, %d ms%n",
        d.lateness().quantileMs(0.5),
        d.lateness().quantileMs(0.99),
        d.lateness().quantileMs(1.0),
        ownGcCount,
        ownGcMs);
    out.println(
        "bench cdc:   CDC JVM GC pauses in the phase: " + cdcGcPauses(wallStartMs, wallEndMs));
    CdcSlowWindows w = d.slowWindows();
    StringBuilder windows = new StringBuilder();
    for (CdcSlowWindows.Window x : w.windows()) {
      windows.append(
          String.format(
              Locale.ROOT,
              "%nbench cdc:     at %.1f s: %d events within %.0f ms, max %.1f ms, mostly %s (mean %.1f ms)",
              x.startMicros() / 1e6,
              x.events(),
              x.spanMicros() / 1e3,
              x.maxTotalMicros() / 1e3,
              STAGES.get(x.dominantStage()),
              x.dominantMeanMicros() / 1e3));
    }
    out.printf(
        Locale.ROOT,
        "bench cdc:   the %d events at or above p99 by commit time (windows split by %d ms gaps),"
            + " largest windows:%s%n",
        w.slowEvents(),
        SLOW_WINDOW_GAP_MICROS / 1_000,
        windows);
  }

  /**
   * The process's CPU time over {@link #IDLE_CPU_WINDOW}, as a share of one core; -1 if unknown.
   */
  private static double idleCpuPercent(long pid) {
    java.util.Optional<ProcessHandle> process = ProcessHandle.of(pid);
    java.util.Optional<Duration> before = process.flatMap(p -> p.info().totalCpuDuration());
    long start = System.nanoTime();
    LockSupport.parkNanos(IDLE_CPU_WINDOW.toNanos());
    java.util.Optional<Duration> after = process.flatMap(p -> p.info().totalCpuDuration());
    if (before.isEmpty() || after.isEmpty()) {
      return -1;
    }
    return after.get().minus(before.get()).toNanos() * 100.0 / (System.nanoTime() - start);
  }

  /** Collections and collection time of this JVM (the load generator and consumer), so far. */
  private static long[] ownGc() {
    long count = 0;
    long ms = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      count += Math.max(0, gc.getCollectionCount());
      ms += Math.max(0, gc.getCollectionTime());
    }
    return new long[] {count, ms};
  }

  /** Pauses the CDC JVM logged between two wall-clock instants: count, total, max. */
  private String cdcGcPauses(long fromMs, long toMs) {
    try {
      int count = 0;
      double total = 0;
      double max = 0;
      for (String line : Files.readAllLines(cdcGcLog, StandardCharsets.UTF_8)) {
        Matcher m = GC_PAUSE.matcher(line.trim());
        if (m.matches()) {
          long at = Long.parseLong(m.group(1));
          if (at >= fromMs && at <= toMs) {
            double pause = Double.parseDouble(m.group(2));
            count++;
            total += pause;
            max = Math.max(max, pause);
          }
        }
      }
      return String.format(Locale.ROOT, "%d, total %.1f ms, max %.1f ms", count, total, max);
    } catch (IOException e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }

  /** The relay's /metrics text, empty when it cannot be read (the phase report says so). */
  private String relayMetrics() {
    try {
      return HttpClient.newHttpClient()
          .send(
              HttpRequest.newBuilder(URI.create(cdcMetricsUrl))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  /**
   * The relay's own timers between two /metrics readings: batch publish (send + flush), batch
   * finish (Debezium's offset commit), PostgreSQL commit → flushed — count and mean.
   */
  static String relayTimers(String before, String after) {
    StringBuilder b = new StringBuilder();
    for (String timer :
        List.of(
            "settleflow_cdc_batch_publish_seconds",
            "settleflow_cdc_batch_finish_seconds",
            "settleflow_cdc_commit_to_kafka_seconds")) {
      double count = metric(after, timer + "_count") - metric(before, timer + "_count");
      double sum = metric(after, timer + "_sum") - metric(before, timer + "_sum");
      b.append(
          String.format(
              Locale.ROOT,
              "%s%s n=%.0f mean %.2f ms",
              b.length() == 0 ? "" : "; ",
              timer.substring("settleflow_cdc_".length(), timer.length() - "_seconds".length()),
              count,
              count > 0 ? sum / count * 1_000 : Double.NaN));
    }
    return b.toString();
  }

  /** The value of an unlabelled Prometheus sample, NaN when absent. */
  static double metric(String exposition, String name) {
    for (String line : exposition.split("\n", -1)) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        String[] parts = line.trim().split(" ", -1);
        return Double.parseDouble(parts[parts.length - 1]);
      }
    }
    return Double.NaN;
  }

  /** Who the walsenders serve: the least-privileged CDC role, not the superuser. */
  private static String replicationUsers(PostgresServer pg) {
    try (Connection c = pg.superuser("settleflow").getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT coalesce(string_agg(DISTINCT usename, ','), 'none') FROM pg_stat_replication")) {
      rs.next();
      return rs.getString(1);
    } catch (SQLException e) {
      return "unknown (" + e.getMessage() + ")";
    }
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
