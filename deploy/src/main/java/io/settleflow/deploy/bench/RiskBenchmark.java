package io.settleflow.deploy.bench;

import io.settleflow.avro.PaymentEvent;
import io.settleflow.avro.PaymentEventType;
import io.settleflow.embedded.KafkaBroker;
import io.settleflow.risk.LocalSchemaRegistry;
import io.settleflow.risk.RiskConfig;
import io.settleflow.risk.RiskStreamsConfig;
import io.settleflow.risk.RiskTopology;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.MerchantPartitioning;
import io.settleflow.schemas.Topics;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * {@code ./settleflow bench risk}: on one embedded broker, N payment authorizations are loaded
 * once; then (1) a plain exactly-once consume → produce pass-through Streams app and (2) the full
 * risk topology each process all of them, with the same Streams settings (exactly_once_v2, commit
 * interval, threads). Throughput = N ÷ the time from the app's first RUNNING to the last output
 * being committed (read_committed end offset). Then, with the risk topology still running, a paced
 * phase sends fresh payments and times each decision from send to read_committed receipt: that is
 * p99_ms.
 */
public final class RiskBenchmark {
  public static final int PARTITIONS = 2;
  static final String PASSTHROUGH_OUT = "bench.passthrough";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(180);
  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(15);
  private static final Duration EVENT_SPACING = Duration.ofMillis(20);

  /**
   * @param commitIntervalMs commit.interval.ms of both apps (the risk engine's default unless set)
   * @param byMerchant payments are produced to their merchant's partition, as the CDC relay does
   *     (default); false: by the default partitioner (key = payment id), as an older relay did, so
   *     the risk topology repartitions them
   */
  public record Options(
      int events,
      int merchants,
      int latencyEvents,
      int latencyPerSecond,
      int commitIntervalMs,
      boolean byMerchant) {
    public Options(int events, int merchants, int latencyEvents, int latencyPerSecond) {
      this(
          events,
          merchants,
          latencyEvents,
          latencyPerSecond,
          RiskStreamsConfig.COMMIT_INTERVAL_MS,
          true);
    }

    public Options(
        int events, int merchants, int latencyEvents, int latencyPerSecond, int commitIntervalMs) {
      this(events, merchants, latencyEvents, latencyPerSecond, commitIntervalMs, true);
    }
  }

  /**
   * @param passthroughCpuUsPerRecord CPU time of the app's own threads (stream thread, its
   *     producer's network thread; not the JIT, GC or this benchmark's polling; the broker is a
   *     child JVM) per record: less sensitive to the machine's load than records per second
   */
  public record Result(
      double passthroughRps,
      double riskRps,
      double passthroughFromRunningRps,
      double riskFromRunningRps,
      LatencySample latency,
      double passthroughCpuUsPerRecord,
      double riskCpuUsPerRecord,
      double passthroughBrokerCpuUsPerRecord,
      double riskBrokerCpuUsPerRecord) {
    public String resultLine() {
      return String.format(
          Locale.ROOT,
          "RESULT risk throughput_ratio=%.2f risk_rps=%.0f passthrough_rps=%.0f p99_ms=%.1f"
              + " from_running_ratio=%.2f"
              + " cpu_ratio=%.2f risk_cpu_us=%.0f passthrough_cpu_us=%.0f"
              + " risk_broker_cpu_us=%.0f passthrough_broker_cpu_us=%.0f",
          riskRps / passthroughRps,
          riskRps,
          passthroughRps,
          latency.quantileMs(0.99),
          riskFromRunningRps / passthroughFromRunningRps,
          passthroughCpuUsPerRecord / riskCpuUsPerRecord,
          riskCpuUsPerRecord,
          passthroughCpuUsPerRecord,
          riskBrokerCpuUsPerRecord,
          passthroughBrokerCpuUsPerRecord);
    }
  }

  /**
   * Records per second of wall time from the app's first committed output to its last ({@code rps},
   * the steady rate) and from RUNNING ({@code fromRunningRps}), CPU microseconds of the app's
   * threads per record, and of the broker's JVM (the other half of the 2 cores: every record an app
   * produces, it appends). Streams reports RUNNING once a task's stores are open, so a stateless
   * app's time from RUNNING still holds its first fetch and transaction (≈ 0.4 s of a 50,000-record
   * pass-through here) while a stateful one's hardly does: the rate from RUNNING flattered the risk
   * topology, more the shorter the run.
   */
  private record Rate(
      double rps, double fromRunningRps, double cpuUsPerRecord, double brokerCpuUsPerRecord) {}

  private final Options options;
  private final PrintStream out;

  public RiskBenchmark(Options options, PrintStream out) {
    this.options = options;
    this.out = out;
  }

  public Result run(Path dir) throws Exception {
    RiskConfig config = RiskConfig.defaults();
    LocalSchemaRegistry registry = new LocalSchemaRegistry();
    ConfluentWireFormat wire = new ConfluentWireFormat(registry);
    try (KafkaBroker broker = KafkaBroker.start(dir.resolve("kafka"), 0, 0, "512m")) {
      List<String> topics = new ArrayList<>(Topics.LEDGER_EVENTS);
      topics.addAll(
          List.of(Topics.SETTLEMENTS_RAW, Topics.RISK_DECISIONS, Topics.RISK_DLQ, PASSTHROUGH_OUT));
      broker.createTopics(topics, PARTITIONS, Set.of());
      broker.createTopics(List.of(Topics.RISK_RULES), 1, Set.of(Topics.RISK_RULES));
      // 50 payments a second of event time, so each merchant has a realistic handful in its
      // velocity window (1 ms apart, a merchant would hold hundreds and every payment reads them)
      Instant base =
          Instant.now()
              .minus(EVENT_SPACING.multipliedBy(options.events()))
              .minus(Duration.ofMinutes(1));
      out.printf(
          "loading %d authorizations for %d merchants on %d partitions, partitioned by %s"
              + " (commit.interval.ms=%d)%n",
          options.events(),
          options.merchants(),
          PARTITIONS,
          options.byMerchant() ? "merchant" : "payment id",
          options.commitIntervalMs());
      try (KafkaProducer<String, byte[]> producer = producer(broker)) {
        for (int i = 0; i < options.events(); i++) {
          PaymentEvent e =
              event(
                  "e-" + i,
                  "p-" + i,
                  i % options.merchants(),
                  base.plus(EVENT_SPACING.multipliedBy(i)));
          send(
              producer,
              new ProducerRecord<>(
                  Topics.PAYMENTS_AUTHORIZED,
                  partition(e),
                  e.getPaymentId(),
                  wire.encode(Topics.PAYMENTS_AUTHORIZED, e)));
        }
        producer.flush();
        throwIfSendFailed();
      }

      StreamsBuilder passthrough = new StreamsBuilder();
      passthrough.stream(
              Topics.PAYMENTS_AUTHORIZED, Consumed.with(Serdes.String(), Serdes.ByteArray()))
          .to(PASSTHROUGH_OUT, Produced.with(Serdes.String(), Serdes.ByteArray()));
      Rate passthroughRate =
          measure(
              broker, "bench-passthrough", passthrough.build(), PASSTHROUGH_OUT, config, dir, null);
      out.printf(
          Locale.ROOT,
          "pass-through: %.0f records/s, %.0f us CPU per record, broker %.0f us%n",
          passthroughRate.rps(),
          passthroughRate.cpuUsPerRecord(),
          passthroughRate.brokerCpuUsPerRecord());

      LatencySample[] latency = new LatencySample[1];
      Rate riskRate =
          measure(
              broker,
              "bench-risk",
              RiskTopology.build(config, registry, scoringPartitions(broker)),
              Topics.RISK_DECISIONS,
              config,
              dir,
              () -> latency[0] = latencyPhase(broker, wire));
      out.printf(
          Locale.ROOT,
          "risk topology: %.0f decisions/s, %.0f us CPU per decision, broker %.0f us; decision"
              + " latency p50 %.1f ms, p99 %.1f ms%n",
          riskRate.rps(),
          riskRate.cpuUsPerRecord(),
          riskRate.brokerCpuUsPerRecord(),
          latency[0].quantileMs(0.5),
          latency[0].quantileMs(0.99));
      return new Result(
          passthroughRate.rps(),
          riskRate.rps(),
          passthroughRate.fromRunningRps(),
          riskRate.fromRunningRps(),
          latency[0],
          passthroughRate.cpuUsPerRecord(),
          riskRate.cpuUsPerRecord(),
          passthroughRate.brokerCpuUsPerRecord(),
          riskRate.brokerCpuUsPerRecord());
    }
  }

  /** Runs the app until `outputTopic` holds N committed records. */
  private Rate measure(
      KafkaBroker broker,
      String appId,
      Topology topology,
      String outputTopic,
      RiskConfig config,
      Path dir,
      ThrowingRunnable whileRunning)
      throws Exception {
    Properties props =
        RiskStreamsConfig.properties(
            appId, broker.bootstrapServers(), dir.resolve(appId), 1, config);
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, options.commitIntervalMs());
    try (KafkaStreams streams = new KafkaStreams(topology, props)) {
      long[] runningAt = {0};
      long[] cpuAtRunning = {0};
      long[] brokerCpuAtRunning = {0};
      streams.setStateListener(
          (now, before) -> {
            if (now == KafkaStreams.State.RUNNING && runningAt[0] == 0) {
              cpuAtRunning[0] = appCpuNanos(appId);
              brokerCpuAtRunning[0] = processCpuNanos(broker.jvm().pid());
              runningAt[0] = System.nanoTime();
            }
          });
      streams.start();
      long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
      while (runningAt[0] == 0) {
        if (System.nanoTime() > deadline || streams.state() == KafkaStreams.State.ERROR) {
          throw new IllegalStateException(appId + " did not start: " + streams.state());
        }
        TimeUnit.MILLISECONDS.sleep(20);
      }
      long done;
      long runDeadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
      long firstCommitted = 0;
      long committedAtFirst = 0;
      try (Admin admin = broker.admin()) {
        long committed;
        while ((committed = committedRecords(admin, outputTopic)) < options.events()) {
          if (firstCommitted == 0 && committed > 0) {
            firstCommitted = System.nanoTime();
            committedAtFirst = committed;
          }
          if (System.nanoTime() > runDeadline || streams.state() == KafkaStreams.State.ERROR) {
            throw new IllegalStateException(appId + " did not finish: " + streams.state());
          }
          TimeUnit.MILLISECONDS.sleep(20);
        }
        done = System.nanoTime();
      }
      if (firstCommitted == 0) {
        throw new IllegalStateException(
            appId + " committed all its output at once: no steady rate to measure; more --events");
      }
      out.printf(
          Locale.ROOT,
          "%s first output committed %.0f ms after RUNNING (%d records), all %.0f ms; after the"
              + " first commit %.0f records/s%n",
          appId,
          (firstCommitted - runningAt[0]) / 1e6,
          committedAtFirst,
          (done - runningAt[0]) / 1e6,
          (options.events() - committedAtFirst) * 1e9 / (done - firstCommitted));
      long cpu = appCpuNanos(appId) - cpuAtRunning[0];
      long brokerCpu = processCpuNanos(broker.jvm().pid()) - brokerCpuAtRunning[0];
      out.println(appId + " stream thread time: " + threadTimeSplit(streams));
      try (Admin admin = broker.admin()) {
        out.println(appId + " " + writesPerRecord(admin, appId, outputTopic));
      }
      if (whileRunning != null) {
        whileRunning.run();
      }
      return new Rate(
          (options.events() - committedAtFirst) * 1e9 / (done - firstCommitted),
          options.events() * 1e9 / (done - runningAt[0]),
          cpu / 1e3 / options.events(),
          brokerCpu / 1e3 / options.events());
    }
  }

  /**
   * What the app wrote per input record, by topic (its output and its internal topics): log
   * offsets, so transaction markers (one per partition per commit) are counted with the records.
   */
  private String writesPerRecord(Admin admin, String appId, String outputTopic) throws Exception {
    List<String> topics = new ArrayList<>();
    topics.add(outputTopic);
    admin.listTopics().names().get(10, TimeUnit.SECONDS).stream()
        .filter(t -> t.startsWith(appId + "-"))
        .sorted()
        .forEach(topics::add);
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (var d : admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS).values()) {
      d.partitions()
          .forEach(
              p -> latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest()));
    }
    Map<String, Long> offsets = new java.util.TreeMap<>();
    admin
        .listOffsets(latest)
        .all()
        .get(10, TimeUnit.SECONDS)
        .forEach((tp, info) -> offsets.merge(tp.topic(), info.offset(), Long::sum));
    Map<String, Long> bytes = new java.util.TreeMap<>();
    List<Integer> brokers =
        admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).stream()
            .map(n -> n.id())
            .toList();
    for (var dirs :
        admin.describeLogDirs(brokers).allDescriptions().get(10, TimeUnit.SECONDS).values()) {
      for (var dir : dirs.values()) {
        dir.replicaInfos().forEach((tp, info) -> bytes.merge(tp.topic(), info.size(), Long::sum));
      }
    }
    StringBuilder b =
        new StringBuilder("log offsets (records + markers) / bytes per input record:");
    long total = 0;
    long totalBytes = 0;
    for (Map.Entry<String, Long> e : offsets.entrySet()) {
      long size = bytes.getOrDefault(e.getKey(), 0L);
      total += e.getValue();
      totalBytes += size;
      b.append(
          String.format(
              Locale.ROOT,
              " %s %.3f / %.0f B",
              e.getKey().startsWith(appId + "-")
                  ? e.getKey().substring(appId.length() + 1)
                  : e.getKey(),
              (double) e.getValue() / options.events(),
              (double) size / options.events()));
    }
    b.append(
        String.format(
            Locale.ROOT,
            "; total %.3f / %.0f B",
            (double) total / options.events(),
            (double) totalBytes / options.events()));
    return b.toString();
  }

  /** Total CPU time of a process (the broker's child JVM), 0 if the OS does not say. */
  private static long processCpuNanos(long pid) {
    return ProcessHandle.of(pid)
        .flatMap(h -> h.info().totalCpuDuration())
        .map(Duration::toNanos)
        .orElse(0L);
  }

  /**
   * Where the stream thread's wall time went (Streams' own process / commit / poll / punctuate
   * ratios, averaged over its last metrics window): a thread that waits on commits is not short of
   * CPU.
   */
  private static String threadTimeSplit(KafkaStreams streams) {
    Map<String, Double> ratios = new java.util.TreeMap<>();
    streams
        .metrics()
        .forEach(
            (name, metric) -> {
              if (name.group().equals("stream-thread-metrics")
                  && name.name().endsWith("-ratio")
                  && metric.metricValue() instanceof Double v) {
                ratios.merge(name.name(), v, Double::sum);
              }
            });
    StringBuilder b = new StringBuilder();
    ratios.forEach(
        (name, v) ->
            b.append(b.length() == 0 ? "" : ", ")
                .append(name)
                .append(' ')
                .append(String.format(Locale.ROOT, "%.2f", v)));
    return b.toString();
  }

  /** CPU time of the live threads whose name carries the application id. */
  private static long appCpuNanos(String appId) {
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (java.lang.management.ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
      if (t != null && t.getThreadName().contains(appId + "-")) {
        sum += Math.max(0, mx.getThreadCpuTime(t.getThreadId()));
      }
    }
    return sum;
  }

  /**
   * Paced fresh payments through the running risk topology, timed from send to committed decision.
   */
  private LatencySample latencyPhase(KafkaBroker broker, ConfluentWireFormat wire)
      throws Exception {
    Map<String, Long> sentAt = new HashMap<>();
    long[] latencies = new long[options.latencyEvents()];
    int received = 0;
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
    c.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-risk-latency");
    long intervalNanos = 1_000_000_000L / options.latencyPerSecond();
    long started = System.nanoTime();
    try (KafkaConsumer<String, byte[]> consumer =
            new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
        KafkaProducer<String, byte[]> producer = producer(broker)) {
      consumer.subscribe(List.of(Topics.RISK_DECISIONS));
      while (consumer.assignment().isEmpty()) {
        consumer.poll(Duration.ofMillis(100));
      }
      consumer.seekToEnd(consumer.assignment());
      consumer.assignment().forEach(consumer::position);
      int sent = 0;
      long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
      while (received < options.latencyEvents() && System.nanoTime() < deadline) {
        while (sent < options.latencyEvents()
            && System.nanoTime() - started >= sent * intervalNanos) {
          String paymentId = "lat-" + sent;
          PaymentEvent e =
              event("lat-e-" + sent, paymentId, sent % options.merchants(), Instant.now());
          sentAt.put(paymentId, System.nanoTime());
          send(
              producer,
              new ProducerRecord<>(
                  Topics.PAYMENTS_AUTHORIZED,
                  partition(e),
                  paymentId,
                  wire.encode(Topics.PAYMENTS_AUTHORIZED, e)));
          sent++;
          throwIfSendFailed();
        }
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(5))) {
          Long at = sentAt.remove(r.key());
          if (at != null && received < latencies.length) {
            latencies[received++] = System.nanoTime() - at;
          }
        }
      }
    }
    long[] measured = java.util.Arrays.copyOf(latencies, received);
    return LatencySample.of(measured, System.nanoTime() - started);
  }

  private static long committedRecords(Admin admin, String topic) throws Exception {
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (int p = 0; p < PARTITIONS; p++) {
      latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
    }
    // read_committed end offsets count each transaction's commit marker too (one per partition
    // per commit, about 1% of the records here): both phases end equally that much early
    var ends =
        admin
            .listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
            .all()
            .get(10, TimeUnit.SECONDS);
    return ends.values().stream().mapToLong(info -> info.offset()).sum();
  }

  /**
   * The merchant's partition (as the CDC relay chooses it), or null for the default partitioner.
   */
  private Integer partition(PaymentEvent e) {
    return options.byMerchant()
        ? MerchantPartitioning.partitionFor(e.getMerchantId(), PARTITIONS)
        : null;
  }

  /** As streams-risk's RiskMain learns it: from the input topics. */
  private static int scoringPartitions(KafkaBroker broker) {
    try (Admin admin = broker.admin()) {
      return RiskTopology.scoringPartitions(admin);
    }
  }

  private static PaymentEvent event(
      String eventId, String paymentId, int merchant, Instant occurredAt) {
    return PaymentEvent.newBuilder()
        .setEventId(eventId)
        .setEventType(PaymentEventType.AUTHORIZED)
        .setPaymentId(paymentId)
        .setMerchantId("merchant-" + merchant)
        .setAmountMinor(1_000 + (paymentId.hashCode() & 0xffff))
        .setCurrency("EUR")
        .setCardToken("tok-" + (paymentId.hashCode() & 0x3ff))
        .setCardLast4("4242")
        .setOccurredAt(occurredAt)
        .build();
  }

  private static KafkaProducer<String, byte[]> producer(KafkaBroker broker) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
  }

  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  /**
   * The first failed send of the run; the load must be complete for the figures to mean anything.
   */
  private final java.util.concurrent.atomic.AtomicReference<Exception> sendFailure =
      new java.util.concurrent.atomic.AtomicReference<>();

  private void send(KafkaProducer<String, byte[]> producer, ProducerRecord<String, byte[]> record) {
    var unused =
        producer.send(
            record,
            (metadata, error) -> {
              if (error != null) {
                sendFailure.compareAndSet(null, error);
              }
            });
  }

  private void throwIfSendFailed() {
    Exception e = sendFailure.get();
    if (e != null) {
      throw new IllegalStateException("bench risk: a send failed: " + e.getMessage(), e);
    }
  }
}
