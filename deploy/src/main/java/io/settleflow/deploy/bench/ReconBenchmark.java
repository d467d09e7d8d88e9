package io.settleflow.deploy.bench;

import io.settleflow.avro.MismatchAlert;
import io.settleflow.avro.PaymentEvent;
import io.settleflow.avro.PaymentEventType;
import io.settleflow.avro.SettlementRecord;
import io.settleflow.avro.SettlementRecordType;
import io.settleflow.deploy.Stack;
import io.settleflow.embedded.ChildJvm;
import io.settleflow.embedded.HttpProbe;
import io.settleflow.embedded.KafkaBroker;
import io.settleflow.embedded.Ports;
import io.settleflow.embedded.PostgresServer;
import io.settleflow.embedded.SchemaRegistryServer;
import io.settleflow.schemas.ConfluentRegistryClient;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.Topics;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code ./settleflow bench recon}: one embedded broker, registry and PostgreSQL; N ledger payment
 * events on {@code payments.authorized} and N settlement lines on {@code settlements.raw} with
 * planted discrepancies ({@link ReconWorkload}). Then, in one run:
 *
 * <ol>
 *   <li>Floor: a plain consumer reads both topics (read_committed) and decodes every record.
 *   <li>Flink: the reconcile service (its own JVM, {@code flink-reconcile.jar}, as {@code up} runs
 *       it) drains the same backlog; from its /health turning 200 (job RUNNING) until its matches
 *       and alerts are committed on {@code recon.matches} / {@code recon.mismatches} (the expected
 *       counts, or no growth for {@link #SETTLE}). The backlog ends with a matching payment + line
 *       far later in event time on every partition, which moves the watermark past every overdue
 *       and orphan deadline (a live source keeps moving it).
 *   <li>SQL, for reference: the nightly job in PostgreSQL: the ledger payments are there already
 *       (loaded before, untimed), the settlement lines are loaded with COPY, then one LEFT JOIN
 *       lists the payments without a line (the "missing" kind only).
 *   <li>Latency: with the service still running, payment + amount-mismatching line pairs at a
 *       steady rate; from the line's send being acknowledged to its alert visible to a
 *       read_committed consumer.
 * </ol>
 */
public final class ReconBenchmark {
  public static final int PARTITIONS = 2;
  static final Duration SLA = Duration.ofHours(1);
  static final Duration SETTLE_DELAY = Duration.ofMinutes(10);
  static final Duration ORPHAN_GRACE = Duration.ofMinutes(10);
  static final Duration RETENTION = Duration.ofMinutes(20);
  static final Duration SPACING = Duration.ofMillis(10);
  static final Duration SETTLE = Duration.ofSeconds(60);
  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(30);
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(180);
  private static final String SOURCE = "bench-recon";

  /** How the benchmark runs. */
  public record Options(
      int records,
      int plantedPerMille,
      long seed,
      int latencyPairsPerSecond,
      Duration latencyDuration,
      int parallelism,
      List<String> serviceJvmOptions) {
    /** The Flink service's JVM options as {@code up} starts a service (Stack), 768 MiB heap. */
    public static final List<String> UP_JVM_OPTIONS = Stack.serviceJvmOptions("768m");
  }

  /** What one run measured. */
  public record Result(
      double floorSeconds,
      double flinkSeconds,
      double sqlSeconds,
      long sqlMissingFound,
      LatencySample alertLatency,
      ReconWorkload.Score score) {
    public double drainRatio() {
      return floorSeconds / flinkSeconds;
    }

    public String resultLine(int records) {
      return String.format(
          Locale.ROOT,
          "RESULT recon drain_ratio=%.2f flink_rps=%.0f sql_s=%.2f alert_p99_ms=%.1f"
              + " precision=%.3f recall=%.3f",
          drainRatio(),
          2.0 * records / flinkSeconds,
          sqlSeconds,
          alertLatency.quantileMs(0.99),
          score.precision(),
          score.recall());
    }
  }

  private final Options options;
  private final PrintStream out;

  public ReconBenchmark(Options options, PrintStream out) {
    this.options = options;
    this.out = out;
  }

  public Result run(Path home, Path dir) throws Exception {
    ReconWorkload workload = new ReconWorkload(options.records(), options.plantedPerMille(), 42);
    out.printf(
        Locale.ROOT,
        "bench recon: %d payments + %d lines, planted %s%n",
        options.records(),
        options.records(),
        workload.plantCounts());
    try (KafkaBroker broker = KafkaBroker.start(dir.resolve("kafka"), 0, 0, "768m");
        SchemaRegistryServer registry =
            SchemaRegistryServer.start(dir.resolve("registry"), 0, false);
        PostgresServer postgres =
            PostgresServer.start(
                dir.resolve("postgres"), 0, false, dir.resolve("logs").resolve("postgres.log"))) {
      List<String> topics = new ArrayList<>(Topics.LEDGER_EVENTS);
      topics.addAll(
          List.of(
              Topics.SETTLEMENTS_RAW,
              Topics.RECON_MATCHES,
              Topics.RECON_MISMATCHES,
              Topics.PAYMENTS_SETTLED));
      broker.createTopics(topics, PARTITIONS, Set.of());
      ConfluentWireFormat wire =
          new ConfluentWireFormat(new ConfluentRegistryClient(registry.confluentUrl()));

      // Event time: the backlog ends (its watermark-moving tail included) an hour before now, so
      // the latency phase's records, stamped now, are not late.
      Duration span = SPACING.multipliedBy(options.records());
      Instant base = Instant.now().minus(span).minus(Duration.ofDays(1)).minus(Duration.ofHours(2));
      Instant tail = base.plus(span).plus(Duration.ofDays(1));
      long loadStart = System.nanoTime();
      load(broker, wire, workload, base, tail);
      out.printf(
          Locale.ROOT,
          "bench recon: loaded %d records in %.1f s%n",
          2L * options.records() + 2L * PARTITIONS,
          (System.nanoTime() - loadStart) / 1e9);

      double floor = floor(broker, wire);
      out.printf(
          Locale.ROOT,
          "bench recon: floor (plain consumer, read + decode both topics) %.2f s%n",
          floor);

      double sql = nightlySql(postgres, workload, dir);
      long missingFound = lastSqlMissing;
      out.printf(
          Locale.ROOT,
          "bench recon: nightly SQL (COPY %d lines + LEFT JOIN) %.2f s, found %d missing of %d"
              + " planted discrepancies (it sees only that kind)%n",
          options.records(),
          sql,
          missingFound,
          workload.expectedAlerts().size());

      Map<String, String> env = new HashMap<>();
      env.put("SETTLEFLOW_HTTP_HOST", Ports.LOOPBACK);
      int port = Ports.free();
      env.put("SETTLEFLOW_HTTP_PORT", Integer.toString(port));
      env.put("SETTLEFLOW_KAFKA_BOOTSTRAP", broker.bootstrapServers());
      env.put("SETTLEFLOW_REGISTRY_URL", registry.confluentUrl());
      env.put("SETTLEFLOW_STATE_DIR", dir.resolve("flink-reconcile").toString());
      env.put("SETTLEFLOW_RECON_SETTLEMENT_DEADLINE_MS", Long.toString(SLA.toMillis()));
      env.put("SETTLEFLOW_RECON_ORPHAN_GRACE_MS", Long.toString(ORPHAN_GRACE.toMillis()));
      env.put("SETTLEFLOW_RECON_DECIDED_RETENTION_MS", Long.toString(RETENTION.toMillis()));
      env.put("SETTLEFLOW_RECON_PARALLELISM", Integer.toString(options.parallelism()));
      Path jar = home.resolve("flink-reconcile").resolve("target").resolve("flink-reconcile.jar");
      try (ChildJvm service =
          ChildJvm.start(
              "flink-reconcile",
              options.serviceJvmOptions(),
              List.of("-jar", jar.toString()),
              env,
              dir,
              dir.resolve("logs").resolve("flink-reconcile.log"))) {
        Set<ReconWorkload.Expected> expected = workload.expectedAlerts();
        // + the watermark-moving tail's pairs, one per partition
        long expectedMatches = workload.expectedMatches() + PARTITIONS;
        AlertCollector alerts = AlertCollector.start(broker.bootstrapServers(), wire);
        try (alerts) {
          service.awaitReady(
              () -> HttpProbe.ok("http://" + Ports.LOOPBACK + ":" + port + "/health"),
              READY_TIMEOUT);
          long running = System.nanoTime();
          Duration cpuBefore = cpu(service.pid());
          long done = alerts.awaitBacklog(expectedMatches, expected.size());
          Duration cpuDrain = cpu(service.pid()).minus(cpuBefore);
          double flink = (done - running) / 1e9;
          // CPU per input record: less sensitive to the box's load than the wall clock
          out.printf(
              Locale.ROOT,
              "bench recon: Flink JVM CPU during the drain %.1f s, %.1f µs per input record"
                  + " (load average %s)%n",
              cpuDrain.toMillis() / 1e3,
              cpuDrain.toNanos() / 1e3 / (2.0 * options.records()),
              loadAverage());
          ReconWorkload.Score score = ReconWorkload.score(expected, alerts.backlogAlerts());
          out.printf(
              Locale.ROOT,
              "bench recon: Flink drained the backlog in %.2f s (%.0f records/s); matches %d of"
                  + " %d; alerts: %d expected, %d true, %d false, %d missed%n",
              flink,
              2.0 * options.records() / flink,
              alerts.matches(),
              expectedMatches,
              expected.size(),
              score.truePositives(),
              score.falsePositives(),
              score.falseNegatives());
          out.printf(
              Locale.ROOT,
              "bench recon: %d output records read so far (matches and alerts)%n",
              alerts.polled.get());
          LatencySample latency = latencyPhase(broker, wire, alerts);
          out.printf(
              Locale.ROOT,
              "bench recon: alert latency at %d pairs/s: %d alerts, p50 %.1f ms, p99 %.1f ms,"
                  + " max %.1f ms%n",
              options.latencyPairsPerSecond(),
              latency.operations(),
              latency.quantileMs(0.5),
              latency.quantileMs(0.99),
              latency.quantileMs(1.0));
          return new Result(floor, flink, sql, missingFound, latency, score);
        }
      }
    }
  }

  private long lastSqlMissing;

  /** The process's CPU time so far (user + system), zero when the OS does not say. */
  static Duration cpu(long pid) {
    return ProcessHandle.of(pid).flatMap(p -> p.info().totalCpuDuration()).orElse(Duration.ZERO);
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }

  private void load(
      KafkaBroker broker,
      ConfluentWireFormat wire,
      ReconWorkload workload,
      Instant base,
      Instant tail)
      throws Exception {
    AtomicReference<Exception> failed = new AtomicReference<>();
    try (KafkaProducer<String, byte[]> producer = producer(broker.bootstrapServers())) {
      for (int i = 0; i < workload.records(); i++) {
        Instant at = base.plus(SPACING.multipliedBy(i));
        String paymentId = ReconWorkload.paymentId(i);
        send(
            producer,
            new ProducerRecord<>(
                Topics.PAYMENTS_AUTHORIZED,
                paymentId,
                wire.encode(
                    Topics.PAYMENTS_AUTHORIZED,
                    payment(
                        "pe-" + i,
                        paymentId,
                        ReconWorkload.amountMinor(i),
                        ReconWorkload.CURRENCY,
                        at))),
            failed);
        ReconWorkload.Line l = workload.line(i);
        send(
            producer,
            new ProducerRecord<>(
                Topics.SETTLEMENTS_RAW,
                l.settlementId(),
                wire.encode(
                    Topics.SETTLEMENTS_RAW,
                    line(
                        "se-" + i,
                        l.settlementId(),
                        l.paymentReference(),
                        l.grossMinor(),
                        l.currency(),
                        i,
                        at.plus(SETTLE_DELAY)))),
            failed);
        if (failed.get() != null) {
          throw failed.get();
        }
      }
      // The tail: a matching pair far later on every partition moves every watermark past the
      // backlog's deadlines (a live source's next records do the same).
      for (int p = 0; p < PARTITIONS; p++) {
        String id = "tail-" + p;
        send(
            producer,
            new ProducerRecord<>(
                Topics.PAYMENTS_AUTHORIZED,
                p,
                id,
                wire.encode(
                    Topics.PAYMENTS_AUTHORIZED,
                    payment("pe-" + id, id, 100, ReconWorkload.CURRENCY, tail))));
        send(
            producer,
            new ProducerRecord<>(
                Topics.SETTLEMENTS_RAW,
                p,
                "line-" + id,
                wire.encode(
                    Topics.SETTLEMENTS_RAW,
                    line("se-" + id, "line-" + id, id, 100, ReconWorkload.CURRENCY, -1, tail))));
      }
      producer.flush();
      if (failed.get() != null) {
        throw failed.get();
      }
    }
  }

  /** Reads both topics to their end and decodes every value; seconds. */
  private double floor(KafkaBroker broker, ConfluentWireFormat wire) {
    Properties c = consumerProps(broker.bootstrapServers());
    long start = System.nanoTime();
    long decoded = 0;
    long checksum = 0;
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts = new ArrayList<>();
      for (String t : List.of(Topics.PAYMENTS_AUTHORIZED, Topics.SETTLEMENTS_RAW)) {
        for (int p = 0; p < PARTITIONS; p++) {
          parts.add(new TopicPartition(t, p));
        }
      }
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      Map<TopicPartition, Long> end = consumer.endOffsets(parts);
      long total = end.values().stream().mapToLong(Long::longValue).sum();
      long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
      while (decoded < total && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          if (r.topic().equals(Topics.PAYMENTS_AUTHORIZED)) {
            checksum += wire.decode(r.value(), PaymentEvent.class).getAmountMinor();
          } else {
            checksum += wire.decode(r.value(), SettlementRecord.class).getGrossAmountMinor();
          }
          decoded++;
        }
      }
      if (decoded < total) {
        throw new IllegalStateException("floor consumer read " + decoded + " of " + total);
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    out.printf(
        Locale.ROOT, "bench recon: floor decoded %d records (checksum %d)%n", decoded, checksum);
    return seconds;
  }

  /**
   * The seed's nightly job: ledger payments already in PostgreSQL (loaded untimed), the day's
   * settlement lines COPYed in, then the LEFT JOIN. Seconds for COPY + query.
   */
  private double nightlySql(PostgresServer postgres, ReconWorkload workload, Path dir)
      throws Exception {
    DataSource ds = postgres.superuser("postgres");
    try (Connection conn = ds.getConnection();
        Statement st = conn.createStatement()) {
      st.execute("DROP TABLE IF EXISTS bench_ledger, bench_settlements");
      st.execute(
          "CREATE TABLE bench_ledger (payment_id text PRIMARY KEY, amount_minor bigint NOT NULL,"
              + " currency text NOT NULL, occurred_at timestamptz NOT NULL)");
      st.execute(
          "CREATE TABLE bench_settlements (settlement_id text NOT NULL, payment_reference text,"
              + " gross_minor bigint NOT NULL, currency text NOT NULL)");
      Instant base = Instant.parse("2026-01-01T00:00:00Z");
      StringBuilder ledger = new StringBuilder();
      for (int i = 0; i < workload.records(); i++) {
        ledger
            .append(ReconWorkload.paymentId(i))
            .append('\t')
            .append(ReconWorkload.amountMinor(i))
            .append('\t')
            .append(ReconWorkload.CURRENCY)
            .append('\t')
            .append(base.plus(SPACING.multipliedBy(i)))
            .append('\n');
      }
      Path ledgerFile = dir.resolve("ledger.tsv");
      Files.writeString(ledgerFile, ledger);
      st.execute("COPY bench_ledger FROM '" + ledgerFile.toAbsolutePath() + "'");
      st.execute("ANALYZE bench_ledger");
      long start = System.nanoTime();
      StringBuilder lines = new StringBuilder();
      for (int i = 0; i < workload.records(); i++) {
        ReconWorkload.Line l = workload.line(i);
        lines
            .append(l.settlementId())
            .append('\t')
            .append(l.paymentReference())
            .append('\t')
            .append(l.grossMinor())
            .append('\t')
            .append(l.currency())
            .append('\n');
      }
      // The day's file as the processor sends it, then COPY (server-side: same machine).
      Path linesFile = dir.resolve("settlements.tsv");
      Files.writeString(linesFile, lines);
      st.execute("COPY bench_settlements FROM '" + linesFile.toAbsolutePath() + "'");
      long missing;
      try (ResultSet rs =
          st.executeQuery(
              "SELECT count(*) FROM bench_ledger p LEFT JOIN bench_settlements s"
                  + " ON s.payment_reference = p.payment_id WHERE s.payment_reference IS NULL")) {
        rs.next();
        missing = rs.getLong(1);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      lastSqlMissing = missing;
      if (missing != workload.missingPayments()) {
        out.printf(
            Locale.ROOT,
            "bench recon: WARNING the LEFT JOIN found %d missing, %d planted%n",
            missing,
            workload.missingPayments());
      }
      return seconds;
    }
  }

  /** Payment + mismatching line pairs at a steady rate; line ack → alert visible, per pair. */
  private LatencySample latencyPhase(
      KafkaBroker broker, ConfluentWireFormat wire, AlertCollector alerts) throws Exception {
    int pairs = (int) (options.latencyPairsPerSecond() * options.latencyDuration().toSeconds());
    long interval = 1_000_000_000L / options.latencyPairsPerSecond();
    Map<String, Long> ackedAt = new ConcurrentHashMap<>();
    AtomicReference<Exception> failed = new AtomicReference<>();
    long start = System.nanoTime();
    try (KafkaProducer<String, byte[]> producer = producer(broker.bootstrapServers())) {
      for (int i = 0; i < pairs; i++) {
        long due = start + i * interval;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
        String id = "lat-" + i;
        Instant now = Instant.now();
        send(
            producer,
            new ProducerRecord<>(
                Topics.PAYMENTS_AUTHORIZED,
                id,
                wire.encode(
                    Topics.PAYMENTS_AUTHORIZED,
                    payment("pe-" + id, id, 5_000, ReconWorkload.CURRENCY, now))));
        // The line right after its payment (two topics: Flink may see either first).
        var unused =
            producer.send(
                new ProducerRecord<>(
                    Topics.SETTLEMENTS_RAW,
                    "line-" + id,
                    wire.encode(
                        Topics.SETTLEMENTS_RAW,
                        line(
                            "se-" + id, "line-" + id, id, 5_001, ReconWorkload.CURRENCY, -1, now))),
                (m, e) -> {
                  if (e != null) {
                    failed.compareAndSet(null, e);
                  } else {
                    ackedAt.put(id, System.nanoTime());
                  }
                });
        if (failed.get() != null) {
          throw failed.get();
        }
      }
      producer.flush();
    }
    long deadline = System.nanoTime() + SETTLE.toNanos();
    while (System.nanoTime() < deadline && alerts.latencyAlertsSeen() < pairs) {
      TimeUnit.MILLISECONDS.sleep(20);
    }
    List<Long> measured = new ArrayList<>();
    for (Map.Entry<String, Long> e : ackedAt.entrySet()) {
      Long seen = alerts.seenAt(e.getKey());
      if (seen != null) {
        measured.add(Math.max(0, seen - e.getValue()));
      }
    }
    if (measured.size() < pairs) {
      out.printf(
          Locale.ROOT,
          "bench recon: WARNING %d of %d latency alerts arrived%n",
          measured.size(),
          pairs);
    }
    return LatencySample.of(
        measured.stream().mapToLong(Long::longValue).toArray(), System.nanoTime() - start);
  }

  static PaymentEvent payment(
      String eventId, String paymentId, long amountMinor, String currency, Instant at) {
    return PaymentEvent.newBuilder()
        .setEventId(eventId)
        .setEventType(PaymentEventType.AUTHORIZED)
        .setPaymentId(paymentId)
        .setMerchantId("merchant-" + (Math.floorMod(paymentId.hashCode(), 16)))
        .setAmountMinor(amountMinor)
        .setCurrency(currency)
        .setOccurredAt(at)
        .build();
  }

  static SettlementRecord line(
      String eventId,
      String settlementId,
      String paymentReference,
      long grossMinor,
      String currency,
      int lineNumber,
      Instant at) {
    return SettlementRecord.newBuilder()
        .setEventId(eventId)
        .setSettlementId(settlementId)
        .setSource(SOURCE)
        .setFileId("bench-recon")
        .setLineNumber(lineNumber)
        .setRecordType(SettlementRecordType.PAYMENT)
        .setPaymentReference(paymentReference)
        .setGrossAmountMinor(grossMinor)
        .setFeeAmountMinor(0)
        .setNetAmountMinor(grossMinor)
        .setCurrency(currency)
        .setSettledAt(at)
        .build();
  }

  /** Sends; a failure is kept in {@code failed} (checked by the caller after each record). */
  private static void send(
      KafkaProducer<String, byte[]> producer,
      ProducerRecord<String, byte[]> record,
      AtomicReference<Exception> failed) {
    var unused =
        producer.send(
            record,
            (m, e) -> {
              if (e != null) {
                failed.compareAndSet(null, e);
              }
            });
  }

  private static void send(
      KafkaProducer<String, byte[]> producer, ProducerRecord<String, byte[]> record) {
    var unused = producer.send(record);
  }

  private static KafkaProducer<String, byte[]> producer(String bootstrap) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  static Properties consumerProps(String bootstrap) {
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
    return c;
  }

  /**
   * Reads {@code recon.matches} and {@code recon.mismatches} (read_committed) from the start on its
   * own thread: the backlog's matches (counted) and alerts (for the score), and when each latency
   * pair's alert became visible.
   */
  static final class AlertCollector implements AutoCloseable {
    private final KafkaConsumer<String, byte[]> consumer;
    private final ConfluentWireFormat wire;
    private final List<ReconWorkload.Expected> backlog =
        java.util.Collections.synchronizedList(new ArrayList<>());
    private final Map<String, Long> latencySeen = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong polled =
        new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong matches =
        new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong lastGrowthNanos =
        new java.util.concurrent.atomic.AtomicLong(System.nanoTime());
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Exception failure;

    private AlertCollector(String bootstrap, ConfluentWireFormat wire) {
      this.consumer =
          new KafkaConsumer<>(
              consumerProps(bootstrap), new StringDeserializer(), new ByteArrayDeserializer());
      this.wire = wire;
      List<TopicPartition> parts = new ArrayList<>();
      for (int p = 0; p < PARTITIONS; p++) {
        parts.add(new TopicPartition(Topics.RECON_MISMATCHES, p));
        parts.add(new TopicPartition(Topics.RECON_MATCHES, p));
      }
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      this.thread = new Thread(this::poll, "bench-recon-alerts");
      this.thread.setDaemon(true);
    }

    static AlertCollector start(String bootstrap, ConfluentWireFormat wire) {
      AlertCollector c = new AlertCollector(bootstrap, wire);
      c.thread.start();
      return c;
    }

    private void poll() {
      try {
        while (running) {
          for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(50))) {
            long seen = System.nanoTime();
            polled.incrementAndGet();
            if (r.topic().equals(Topics.RECON_MATCHES)) {
              if (!r.key().startsWith("lat-")) {
                matches.incrementAndGet();
                lastGrowthNanos.set(seen);
              }
              continue;
            }
            MismatchAlert a = wire.decode(r.value(), MismatchAlert.class);
            String paymentId = a.getPaymentId();
            if (paymentId != null && paymentId.startsWith("lat-")) {
              latencySeen.putIfAbsent(paymentId, seen);
            } else {
              backlog.add(new ReconWorkload.Expected(a.getKind().name(), paymentId));
              lastGrowthNanos.set(seen);
            }
          }
        }
      } catch (RuntimeException e) {
        failure = e;
      } finally {
        consumer.close();
      }
    }

    /**
     * Waits until the backlog's matches and alerts are all visible, or nothing new came for {@link
     * #SETTLE}; the nanoTime the last of them was seen (wrong counts show in the score).
     */
    long awaitBacklog(long expectedMatches, long expectedAlerts) throws Exception {
      long start = System.nanoTime();
      long deadline = start + RUN_TIMEOUT.toNanos();
      while (true) {
        if (failure != null) {
          throw failure;
        }
        long now = System.nanoTime();
        long last = Math.max(start, lastGrowthNanos.get());
        if (matches.get() >= expectedMatches && backlog.size() >= expectedAlerts) {
          return last;
        }
        if (now - last > SETTLE.toNanos() || now > deadline) {
          if (matches.get() == 0 && backlog.isEmpty()) {
            throw new IllegalStateException(
                "the reconcile service wrote nothing within " + SETTLE + "; see its log");
          }
          return last;
        }
        TimeUnit.MILLISECONDS.sleep(10);
      }
    }

    long matches() {
      return matches.get();
    }

    List<ReconWorkload.Expected> backlogAlerts() {
      synchronized (backlog) {
        return List.copyOf(backlog);
      }
    }

    int latencyAlertsSeen() {
      return latencySeen.size();
    }

    Long seenAt(String paymentId) {
      return latencySeen.get(paymentId);
    }

    @Override
    public void close() throws Exception {
      running = false;
      thread.join(5_000);
      if (failure != null) {
        throw failure;
      }
    }
  }
}
