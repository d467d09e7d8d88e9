package io.settleflow.deploy.bench;

import io.settleflow.avro.MismatchAlert;
import io.settleflow.avro.RiskDecision;
import io.settleflow.avro.SettlementRecord;
import io.settleflow.avro.SettlementRecordType;
import io.settleflow.deploy.ProcessMemory;
import io.settleflow.deploy.Stack;
import io.settleflow.deploy.StackSettings;
import io.settleflow.deploy.demo.AcceptedPayment;
import io.settleflow.deploy.demo.LoadGenerator;
import io.settleflow.feeds.SettlementProducers;
import io.settleflow.ledger.MerchantAdmin;
import io.settleflow.schemas.ConfluentRegistryClient;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.Topics;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * {@code ./settleflow bench e2e}: the whole stack as {@code ./settleflow up} runs it (every service
 * its own JVM), driven over HTTP.
 *
 * <ol>
 *   <li>Probe: merchants post payments closed-loop (each waits for its answer) for a while; the
 *       accepted rate is the maximum ingest rate of this stack on this machine. Then the stack
 *       catches up: the warm-up starts once every probe payment's decision is visible.
 *   <li>Half load: the same merchants post at half that rate. For every payment accepted in the
 *       measured window: from its HTTP 201 arriving here to its risk decision becoming visible to a
 *       read_committed consumer of {@code risk.decisions} (HTTP → PostgreSQL → CDC → Kafka → Kafka
 *       Streams, exactly-once).
 *   <li>Meanwhile settlement records that disagree with a ledger payment (amount × 1.5) are
 *       committed to {@code settlements.raw}, each in its own transaction as the importer does, for
 *       payments accepted a few seconds before: from the commit returning to the amount mismatch
 *       alert becoming visible on {@code recon.mismatches} (Flink, exactly-once sinks: visible at
 *       its next checkpoint). The warm-up settles too, unmeasured, so the job's one-time costs on
 *       this path (its first alert) stay out of the figure; the first alert's latency is printed on
 *       its own. The breakdown splits each alert at the time the job wrote it (the alert record's
 *       timestamp).
 *   <li>Peak resident memory (VmHWM) summed over the stack's JVMs (not this load generator).
 * </ol>
 *
 * <p>Where a decision's time goes: every decision is split at the event appended to {@code
 * payments.authorized} and at the decision appended to {@code risk.decisions} (both read
 * uncommitted); run with {@code SETTLEFLOW_CDC_TRACE_HEADERS=true} in the environment (the stack's
 * JVMs inherit it) and the CDC hop is split too, by the relay's trace header (PostgreSQL commit →
 * Debezium → relay → appended), with each step's mean over the slowest 1 %. The decisions over
 * {@link #SLOW_DECISION} are counted per wall-clock second (one stall or a steady tail), and the
 * slowest carry their wall-clock time, to line up with the services' GC and application logs.
 * {@code --rate} skips the probe, so runs compared side by side carry the same load.
 */
public final class E2eBenchmark {
  /** A settlement is sent only for payments this old, so the ledger side is already in Flink. */
  static final Duration SETTLE_AFTER = Duration.ofSeconds(3);

  /** How long stragglers may take after the load stops before they count as missing. */
  static final Duration DRAIN = Duration.ofSeconds(30);

  /**
   * Closed-loop posters per merchant while probing. One: 8 merchants keep 8 requests in flight,
   * within the API's database pool (10). Two per merchant (16 in flight, as {@code bench ingest}'s
   * clients) measured no more (16–33/s in six runs against 28/s with one, load average 8–38) and
   * drew HTTP 503s in every run: requests waited over the API's 500 ms for a pooled connection.
   */
  static final int PROBE_POSTERS_PER_MERCHANT = 1;

  /** The watchers' fetch.max.wait: Kafka's default (see Watcher.start). */
  static final int WATCHER_FETCH_MAX_WAIT_MS = 500;

  /** How long the probe's backlog may take to be decided before the warm-up starts anyway. */
  static final Duration PROBE_BACKLOG_WAIT = Duration.ofSeconds(120);

  /** The probe's rate is printed per slice: one tenth of the probe each. */
  static final int PROBE_SLICES = 10;

  /** How many of the slowest alerts the breakdown lists. */
  static final int SLOWEST_SHOWN = 5;

  /** Issue 10's goal for the decision p99: decisions slower than this are counted per second. */
  static final Duration SLOW_DECISION = Duration.ofMillis(250);

  private static final String[] CURRENCIES = {"EUR", "USD", "GBP"};
  private static final String SOURCE = "bench-e2e";

  private static final String METRIC_PREFIX = "kafka_stream_thread_";

  /** Streams thread metrics (Micrometer's names) that say what a commit costs and how often. */
  private static final List<String> RISK_COMMIT_METRICS =
      List.of(
          METRIC_PREFIX + "commit_latency_avg",
          METRIC_PREFIX + "commit_latency_max",
          METRIC_PREFIX + "commit_rate",
          METRIC_PREFIX + "poll_latency_avg",
          METRIC_PREFIX + "process_ratio",
          METRIC_PREFIX + "commit_ratio",
          METRIC_PREFIX + "poll_ratio");

  private static final String RELAY_METRIC_PREFIX = "settleflow_cdc_";

  /** The relay's batch timers (RelayMetrics, Micrometer's Prometheus names), in seconds. */
  private static final List<String> RELAY_BATCH_METRICS =
      List.of(
          RELAY_METRIC_PREFIX + "batch_publish_seconds_count",
          RELAY_METRIC_PREFIX + "batch_publish_seconds_max",
          RELAY_METRIC_PREFIX + "batch_finish_seconds_max");

  /**
   * How the benchmark runs.
   *
   * @param ratePerSecond payments per second to drive instead of half the probed maximum; 0 probes
   */
  public record Options(
      int merchants,
      Duration probe,
      Duration warmup,
      Duration measure,
      double settlementsPerSecond,
      double ratePerSecond,
      long seed) {}

  /** What one run measured. */
  public record Result(
      double maxPerSecond,
      double achievedPerSecond,
      LatencySample decisions,
      long decisionsMissing,
      LatencySample alerts,
      long alertsMissing,
      long stackRssMib) {
    public String resultLine() {
      return String.format(
          Locale.ROOT,
          "RESULT e2e decision_p99_ms=%.1f alert_p99_ms=%.1f stack_rss_mb=%d",
          decisions.quantileMs(0.99),
          alerts.quantileMs(0.99),
          stackRssMib);
    }
  }

  private final Options options;
  private final PrintStream out;

  public E2eBenchmark(Options options, PrintStream out) {
    this.options = options;
    this.out = out;
  }

  public Result run(Path home, Path runDir) throws InterruptedException {
    // A settlement deadline far beyond the run: no overdue alerts mix with the measured ones.
    StackSettings settings =
        StackSettings.ephemeral(home, runDir, Duration.ofHours(1), Duration.ofSeconds(10));
    try (Stack stack = Stack.start(settings, out)) {
      String bootstrap = stack.endpoints().kafkaBootstrap();
      ConfluentWireFormat wire =
          new ConfluentWireFormat(new ConfluentRegistryClient(stack.endpoints().registryUrl()));
      List<LoadGenerator.Merchant> merchants = createMerchants(stack);

      // a fixed rate skips the probe: runs compared side by side then carry the same load
      double max;
      if (options.ratePerSecond() > 0) {
        max = 2 * options.ratePerSecond();
      } else {
        Set<String> probeDecided = ConcurrentHashMap.newKeySet();
        Set<String> probeAccepted;
        try (Watcher decided =
            Watcher.start(
                bootstrap,
                Topics.RISK_DECISIONS,
                true,
                (r, seen) ->
                    probeDecided.add(wire.decode(r.value(), RiskDecision.class).getPaymentId()))) {
          Probe probe = probe(stack, merchants);
          max = probe.perSecond();
          probeAccepted = probe.accepted();
          awaitProbeDecided(probeAccepted, probeDecided);
        }
      }
      double halfPerMerchant = max / 2 / merchants.size();
      out.printf(
          Locale.ROOT,
          "bench e2e: maximum %.0f payments/s (%s, %d merchants); now %.0f/s for %d s warm-up + %d s measured%n",
          max,
          options.ratePerSecond() > 0 ? "not probed: twice --rate" : "closed loop",
          merchants.size(),
          max / 2,
          options.warmup().toSeconds(),
          options.measure().toSeconds());

      Map<String, Long> decidedNanos = new ConcurrentHashMap<>();
      Map<String, Long> alertedNanos = new ConcurrentHashMap<>();
      Map<String, Long> settledNanos = new ConcurrentHashMap<>();
      // wall-clock milliseconds (the Flink JVM stamps its output records with its own wall clock)
      Map<String, Long> settledMillis = new ConcurrentHashMap<>();
      Map<String, Long> emittedMillis = new ConcurrentHashMap<>();
      Map<String, Long> seenMillis = new ConcurrentHashMap<>();
      // where a decision's latency goes, all on this JVM's clock: the event appended to
      // payments.authorized by the relay (read_uncommitted: it is not transactional), the decision
      // appended by Streams (read_uncommitted: before its transaction commits), then visible
      Map<String, Long> eventAppendedNanos = new ConcurrentHashMap<>();
      Map<String, Long> decisionAppendedNanos = new ConcurrentHashMap<>();
      // the relay's stamps (commit µs, Debezium ms, relay µs) when it runs with
      // SETTLEFLOW_CDC_TRACE_HEADERS=true: they split the CDC hop
      Map<String, long[]> cdcTrace = new ConcurrentHashMap<>();
      try (Watcher events =
              Watcher.start(
                  bootstrap,
                  Topics.PAYMENTS_AUTHORIZED,
                  false,
                  (r, seen) -> {
                    if (eventAppendedNanos.putIfAbsent(r.key(), seen) == null) {
                      long[] trace = CdcBenchmark.trace(r);
                      if (trace != null) {
                        cdcTrace.put(r.key(), trace);
                      }
                    }
                  });
          Watcher appended =
              Watcher.start(
                  bootstrap,
                  Topics.RISK_DECISIONS,
                  false,
                  (r, seen) -> decisionAppendedNanos.putIfAbsent(r.key(), seen));
          Watcher decisions =
              Watcher.start(
                  bootstrap,
                  Topics.RISK_DECISIONS,
                  true,
                  (r, seen) -> {
                    RiskDecision d = wire.decode(r.value(), RiskDecision.class);
                    decidedNanos.putIfAbsent(d.getPaymentId(), seen);
                  });
          Watcher alerts =
              Watcher.start(
                  bootstrap,
                  Topics.RECON_MISMATCHES,
                  true,
                  (r, seen) -> {
                    // any alert on a payment we settled wrongly: the amount mismatch, or whatever
                    // the configured rules make of it (fee or tolerance rules)
                    MismatchAlert a = wire.decode(r.value(), MismatchAlert.class);
                    if (a.getPaymentId() != null
                        && alertedNanos.putIfAbsent(a.getPaymentId(), seen) == null) {
                      // the record's timestamp is when the job wrote it (the producer stamps it)
                      emittedMillis.put(a.getPaymentId(), r.timestamp());
                      seenMillis.put(a.getPaymentId(), System.currentTimeMillis());
                    }
                  });
          LoadGenerator load = new LoadGenerator(stack.endpoints().ingestUrl(), merchants);
          Producer<String, byte[]> settlements =
              SettlementProducers.createTransactional(bootstrap, SOURCE)) {
        load.start(halfPerMerchant, options.seed());
        // The warm-up settles too (not measured): otherwise the first measured alerts pay the
        // job's one-time costs on its alert path (first records through the settlement source, the
        // alert sink and the table writer), which say nothing about the steady state.
        Set<String> settled = new HashSet<>();
        Map<String, Long> warmupNanos = new ConcurrentHashMap<>();
        long warmupStart = System.nanoTime();
        settleUntil(
            warmupStart + options.warmup().toNanos(),
            load,
            Set.of(),
            settled,
            settlements,
            wire,
            warmupNanos,
            new ConcurrentHashMap<>());
        Set<String> before = ids(load.accepted());
        long reconPid = stack.service("flink-reconcile").pid();
        long reconCpuStart = cpuNanos(reconPid);
        long measureStart = System.nanoTime();
        long measureEnd = measureStart + options.measure().toNanos();
        settleUntil(
            measureEnd, load, before, settled, settlements, wire, settledNanos, settledMillis);
        double measuredSeconds = (System.nanoTime() - measureStart) / 1e9;
        // what the checkpoint interval costs: the reconcile JVM's CPU over the measured window
        double reconCpuPercent = (cpuNanos(reconPid) - reconCpuStart) / 1e7 / measuredSeconds;
        List<String> measured = new ArrayList<>();
        for (AcceptedPayment p : load.accepted()) {
          Long responded = load.respondedNanos(p.paymentId());
          if (!before.contains(p.paymentId())
              && responded != null
              && responded - measureStart >= 0
              && responded - measureEnd < 0) {
            measured.add(p.paymentId());
          }
        }
        load.stop();
        out.printf(
            Locale.ROOT,
            "bench e2e: %d payments accepted in the measured window (%.0f/s), %d mismatching settlements committed; draining%n",
            measured.size(),
            measured.size() / measuredSeconds,
            settledNanos.size());
        long drainUntil = System.nanoTime() + DRAIN.toNanos();
        while (System.nanoTime() < drainUntil
            && !(decidedNanos.keySet().containsAll(measured)
                && alertedNanos.keySet().containsAll(settledNanos.keySet()))) {
          TimeUnit.MILLISECONDS.sleep(100);
        }
        long[] decisionLatency = latencies(measured, load::respondedNanos, decidedNanos);
        long[] alertLatency = latencies(settledNanos.keySet(), settledNanos::get, alertedNanos);
        List<Long> pids = stack.processIds();
        Result result =
            new Result(
                max,
                measured.size() / measuredSeconds,
                LatencySample.of(decisionLatency, 0),
                measured.size() - decisionLatency.length,
                LatencySample.of(alertLatency, 0),
                settledNanos.size() - alertLatency.length,
                ProcessMemory.peakRssMib(pids));
        out.printf(
            Locale.ROOT,
            "bench e2e: decision latency p50 %.1f ms, p99 %.1f ms (%d decided, %d missing)%n",
            result.decisions().quantileMs(0.5),
            result.decisions().quantileMs(0.99),
            result.decisions().operations(),
            result.decisionsMissing());
        printDecisionPath(
            measured,
            load::respondedNanos,
            eventAppendedNanos,
            cdcTrace,
            decisionAppendedNanos,
            decidedNanos);
        printRiskCommits(stack.endpoints().riskUrl());
        printRelayBatches(stack.endpoints().cdcUrl());
        out.printf(
            Locale.ROOT,
            "bench e2e: alert latency p50 %.1f ms, p99 %.1f ms (%d alerted, %d missing)%n",
            result.alerts().quantileMs(0.5),
            result.alerts().quantileMs(0.99),
            result.alerts().operations(),
            result.alertsMissing());
        printAlertPath(settledMillis, emittedMillis, seenMillis);
        out.printf(
            Locale.ROOT,
            "bench e2e: flink-reconcile JVM CPU while measuring: %.1f %% of one core%n",
            reconCpuPercent);
        warmupNanos.entrySet().stream()
            .min(Map.Entry.comparingByValue())
            .filter(first -> alertedNanos.containsKey(first.getKey()))
            .ifPresent(
                first ->
                    out.printf(
                        Locale.ROOT,
                        "bench e2e: the job's first alert (warm-up, cold path, not measured): %.0f ms"
                            + " (%d warm-up alerts)%n",
                        (alertedNanos.get(first.getKey()) - first.getValue()) / 1e6,
                        warmupNanos.size()));
        out.printf(
            "bench e2e: peak RSS of the stack's %d JVMs: %d MiB%n",
            pids.size(), result.stackRssMib());
        return result;
      }
    }
  }

  /**
   * Commits mismatching settlements at the configured rate until {@code endNanos}, one transaction
   * each, for payments accepted at least {@link #SETTLE_AFTER} ago and not in {@code excluded};
   * records each commit's System.nanoTime() and wall-clock milliseconds by payment id.
   */
  private void settleUntil(
      long endNanos,
      LoadGenerator load,
      Set<String> excluded,
      Set<String> settled,
      Producer<String, byte[]> settlements,
      ConfluentWireFormat wire,
      Map<String, Long> committedNanos,
      Map<String, Long> committedMillis)
      throws InterruptedException {
    long settleEvery = (long) (1e9 / options.settlementsPerSecond());
    long nextSettlement = System.nanoTime();
    while (System.nanoTime() < endNanos) {
      if (System.nanoTime() >= nextSettlement) {
        AcceptedPayment p = settleable(load, excluded, settled);
        if (p != null) {
          settled.add(p.paymentId());
          settlements.beginTransaction();
          var unused = settlements.send(mismatching(wire, p));
          settlements.commitTransaction(); // fails loudly if the send did
          committedNanos.put(p.paymentId(), System.nanoTime());
          committedMillis.put(p.paymentId(), System.currentTimeMillis());
        }
        nextSettlement += settleEvery;
      }
      TimeUnit.MILLISECONDS.sleep(5);
    }
  }

  /**
   * Where a decision's latency goes, each step on this JVM's clock: HTTP 201 → the payment event
   * appended to {@code payments.authorized} (PostgreSQL commit → WAL → relay → Kafka) → its
   * decision appended to {@code risk.decisions} (Streams: poll, scoring; the record is in the log
   * but in an open transaction) → visible to read_committed (the wait for the next commit and the
   * commit itself). A watcher's fetch is answered as soon as there is a record for it
   * (fetch.min.bytes 1), so its fetch.max.wait adds nothing to these steps.
   */
  private void printDecisionPath(
      List<String> measured,
      Function<String, Long> respondedNanos,
      Map<String, Long> eventAppended,
      Map<String, long[]> cdcTrace,
      Map<String, Long> decisionAppended,
      Map<String, Long> visible) {
    List<String> complete =
        measured.stream()
            .filter(
                id ->
                    respondedNanos.apply(id) != null
                        && eventAppended.containsKey(id)
                        && decisionAppended.containsKey(id)
                        && visible.containsKey(id))
            .toList();
    LatencySample toEvent = LatencySample.of(latencies(complete, respondedNanos, eventAppended), 0);
    LatencySample toDecision =
        LatencySample.of(latencies(complete, eventAppended::get, decisionAppended), 0);
    LatencySample toVisible =
        LatencySample.of(latencies(complete, decisionAppended::get, visible), 0);
    out.printf(
        Locale.ROOT,
        "bench e2e: decision path (%d of %d): 201 -> event appended p50 %.0f p99 %.0f max %.0f ms;"
            + " -> decision appended p50 %.0f p99 %.0f max %.0f ms; -> visible (commit wait +"
            + " commit) p50 %.0f p99 %.0f max %.0f ms%n",
        complete.size(),
        measured.size(),
        toEvent.quantileMs(0.5),
        toEvent.quantileMs(0.99),
        toEvent.quantileMs(1.0),
        toDecision.quantileMs(0.5),
        toDecision.quantileMs(0.99),
        toDecision.quantileMs(1.0),
        toVisible.quantileMs(0.5),
        toVisible.quantileMs(0.99),
        toVisible.quantileMs(1.0));
    // nanoTime -> wall-clock µs on this JVM, to line our stamps up with the relay's and with the
    // services' logs (GC logs, broker log)
    long wallMinusNanoMicros = CdcBenchmark.wallMicros() - System.nanoTime() / 1_000;
    Function<Long, Long> wallMicros = nanos -> nanos / 1_000 + wallMinusNanoMicros;
    List<String> traced = complete.stream().filter(cdcTrace::containsKey).toList();
    if (!traced.isEmpty()) {
      printTracedPath(
          traced, respondedNanos, wallMicros, cdcTrace, eventAppended, decisionAppended, visible);
    }
    complete.stream()
        .sorted(
            (a, b) ->
                Long.compare(
                    visible.get(b) - respondedNanos.apply(b),
                    visible.get(a) - respondedNanos.apply(a)))
        .limit(SLOWEST_SHOWN)
        .forEach(
            id -> {
              long responded = respondedNanos.apply(id);
              out.printf(
                  Locale.ROOT,
                  "bench e2e:   slow decision: 201 at %s, event +%d ms, decision +%d ms, visible +%d"
                      + " ms%n",
                  Instant.EPOCH.plus(wallMicros.apply(responded), ChronoUnit.MICROS),
                  TimeUnit.NANOSECONDS.toMillis(eventAppended.get(id) - responded),
                  TimeUnit.NANOSECONDS.toMillis(decisionAppended.get(id) - responded),
                  TimeUnit.NANOSECONDS.toMillis(visible.get(id) - responded));
            });
    // one stall or many: decisions over the goal by the wall-clock second of their 201
    Map<Long, Integer> slowBySecond =
        overGoalBySecond(
            complete,
            id -> wallMicros.apply(respondedNanos.apply(id)),
            id -> visible.get(id) - respondedNanos.apply(id),
            SLOW_DECISION.toNanos());
    StringBuilder seconds = new StringBuilder();
    slowBySecond.forEach(
        (second, count) ->
            seconds.append(' ').append(Instant.ofEpochSecond(second)).append('=').append(count));
    out.printf(
        Locale.ROOT,
        "bench e2e: decisions over %d ms: %d, by the second of their 201:%s%n",
        SLOW_DECISION.toMillis(),
        slowBySecond.values().stream().mapToInt(Integer::intValue).sum(),
        seconds.length() == 0 ? " none" : seconds);
  }

  /**
   * The decision path with the CDC hop split by the relay's trace header, every step in wall-clock
   * µs (PostgreSQL's commit time, Debezium's millisecond record time, the relay's receipt, our
   * stamps converted): per step p50 / p99 / max and its mean over the slowest 1 % by 201 → visible,
   * which says which step makes the tail.
   */
  private void printTracedPath(
      List<String> traced,
      Function<String, Long> respondedNanos,
      Function<Long, Long> wallMicros,
      Map<String, long[]> cdcTrace,
      Map<String, Long> eventAppended,
      Map<String, Long> decisionAppended,
      Map<String, Long> visible) {
    List<String> names =
        List.of(
            "commit -> 201 at the client (not in the total)",
            "commit -> Debezium event",
            "Debezium event -> relay received",
            "relay received -> event appended (seen)",
            "event appended -> decision appended",
            "decision appended -> visible");
    long[][] stages = new long[traced.size()][];
    long[] totals = new long[traced.size()];
    for (int i = 0; i < traced.size(); i++) {
      String id = traced.get(i);
      long[] t = cdcTrace.get(id);
      long commit = t[0];
      long debezium = t[1] * 1_000;
      long relay = t[2];
      long appended = wallMicros.apply(eventAppended.get(id));
      stages[i] =
          new long[] {
            wallMicros.apply(respondedNanos.apply(id)) - commit,
            debezium - commit,
            relay - debezium,
            appended - relay,
            (decisionAppended.get(id) - eventAppended.get(id)) / 1_000,
            (visible.get(id) - decisionAppended.get(id)) / 1_000
          };
      totals[i] = (visible.get(id) - respondedNanos.apply(id)) / 1_000;
    }
    CdcStageBreakdown b = CdcStageBreakdown.of(names, stages, totals);
    out.printf(
        Locale.ROOT,
        "bench e2e: where a decision's time goes (%d traced; slow = the %d slowest by 201 ->"
            + " visible), ms:%n",
        b.events(),
        b.slowEvents());
    b.tableLines("bench e2e:   ", "step", 48).forEach(out::println);
  }

  /** The risk engine's own commit timings (Streams thread metrics) as its /metrics shows them. */
  private void printRiskCommits(String riskUrl) {
    printMetrics("streams-risk thread", riskUrl, RISK_COMMIT_METRICS, METRIC_PREFIX);
  }

  /**
   * The relay's batch timings as its /metrics shows them: the slowest batch publish (received →
   * acknowledged) and offset flush within Micrometer's recent window say whether the relay stalled.
   */
  private void printRelayBatches(String cdcUrl) {
    printMetrics("cdc relay", cdcUrl, RELAY_BATCH_METRICS, RELAY_METRIC_PREFIX);
  }

  /** The named series of a service's /metrics on one line, each without the common prefix. */
  private void printMetrics(String what, String url, List<String> names, String prefix) {
    if (url == null) {
      return;
    }
    try {
      String metrics =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(url + "/metrics"))
                      .timeout(Duration.ofSeconds(5))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      StringBuilder line = new StringBuilder();
      for (String metric : metrics.split("\n", -1)) {
        for (String name : names) {
          if (metric.startsWith(name + "{") || metric.startsWith(name + " ")) {
            String value = metric.substring(metric.lastIndexOf(' ') + 1);
            line.append(' ').append(name.substring(prefix.length())).append('=').append(value);
          }
        }
      }
      out.println("bench e2e: " + what + ":" + line);
    } catch (IOException e) {
      out.println("bench e2e: " + what + " /metrics unreadable: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Where an alert's latency goes: settlement committed → alert written by the job (read by its
   * source, matched, handed to the transactional sink), and written → visible to read_committed
   * (the wait for the next checkpoint, the checkpoint itself, the transaction commit, our poll).
   */
  private void printAlertPath(
      Map<String, Long> settledMillis, Map<String, Long> emittedMillis, Map<String, Long> seen) {
    long[] toEmitted = millisBetween(settledMillis, emittedMillis);
    Map<String, Long> measuredEmitted = new HashMap<>(emittedMillis);
    measuredEmitted.keySet().retainAll(settledMillis.keySet());
    long[] toVisible = millisBetween(measuredEmitted, seen);
    LatencySample emitted = LatencySample.of(toEmitted, 0);
    LatencySample visible = LatencySample.of(toVisible, 0);
    out.printf(
        Locale.ROOT,
        "bench e2e: alert path: commit -> written by the job p50 %.0f p99 %.0f max %.0f ms;"
            + " written -> visible (checkpoint + commit) p50 %.0f p99 %.0f max %.0f ms%n",
        emitted.quantileMs(0.5),
        emitted.quantileMs(0.99),
        emitted.quantileMs(1.0),
        visible.quantileMs(0.5),
        visible.quantileMs(0.99),
        visible.quantileMs(1.0));
    // the slowest few with their wall-clock times, to line up with the job's checkpoint log
    settledMillis.entrySet().stream()
        .filter(e -> seen.containsKey(e.getKey()) && emittedMillis.containsKey(e.getKey()))
        .sorted(
            (a, b) ->
                Long.compare(
                    seen.get(b.getKey()) - b.getValue(), seen.get(a.getKey()) - a.getValue()))
        .limit(SLOWEST_SHOWN)
        .forEach(
            e ->
                out.printf(
                    Locale.ROOT,
                    "bench e2e:   slow alert: committed %s, written +%d ms, visible +%d ms%n",
                    Instant.ofEpochMilli(e.getValue()),
                    emittedMillis.get(e.getKey()) - e.getValue(),
                    seen.get(e.getKey()) - e.getValue()));
  }

  /**
   * How many of the ids took longer than {@code goalNanos}, by the epoch second they started in
   * (ascending): one stall shows as a few crowded seconds, a steady tail as many thin ones.
   */
  static java.util.SortedMap<Long, Integer> overGoalBySecond(
      Collection<String> ids,
      Function<String, Long> startWallMicros,
      Function<String, Long> latencyNanos,
      long goalNanos) {
    java.util.SortedMap<Long, Integer> bySecond = new java.util.TreeMap<>();
    for (String id : ids) {
      if (latencyNanos.apply(id) > goalNanos) {
        bySecond.merge(Math.floorDiv(startWallMicros.apply(id), 1_000_000L), 1, Integer::sum);
      }
    }
    return bySecond;
  }

  /** end − start in nanoseconds (clamped at 0) for every id in both maps, from milliseconds. */
  static long[] millisBetween(Map<String, Long> startMillis, Map<String, Long> endMillis) {
    return startMillis.entrySet().stream()
        .filter(e -> endMillis.containsKey(e.getKey()))
        .mapToLong(e -> Math.max(0, endMillis.get(e.getKey()) - e.getValue()) * 1_000_000L)
        .toArray();
  }

  /**
   * Closed-loop posting for the probe period, {@link #PROBE_POSTERS_PER_MERCHANT} poster(s) per
   * merchant; the accepted rate after the first third (a stack just started: the API's JIT, the
   * other JVMs settling). Prints the rate per slice and any failures (429s included), so a figure
   * that is still climbing or capped shows.
   */
  private Probe probe(Stack stack, List<LoadGenerator.Merchant> merchants)
      throws InterruptedException {
    out.printf(
        Locale.ROOT,
        "bench e2e: probing the maximum ingest rate for %d s (%d posters per merchant, the first"
            + " third not counted)%n",
        options.probe().toSeconds(),
        PROBE_POSTERS_PER_MERCHANT);
    List<LoadGenerator> posters = new ArrayList<>();
    try {
      for (int i = 0; i < PROBE_POSTERS_PER_MERCHANT; i++) {
        LoadGenerator poster = new LoadGenerator(stack.endpoints().ingestUrl(), merchants);
        posters.add(poster);
        // no pacing: each poster posts as fast as it is answered
        poster.start(1_000_000, options.seed() + 1_000L * i);
      }
      // accepted so far at the start and at the end of every slice
      long[] at = new long[PROBE_SLICES + 1];
      int[] accepted = new int[PROBE_SLICES + 1];
      at[0] = System.nanoTime();
      long slice = options.probe().toNanos() / PROBE_SLICES;
      for (int i = 1; i <= PROBE_SLICES; i++) {
        TimeUnit.NANOSECONDS.sleep(Math.max(0, at[0] + i * slice - System.nanoTime()));
        at[i] = System.nanoTime();
        accepted[i] = posters.stream().mapToInt(g -> g.accepted().size()).sum();
      }
      double perSecond = countedRate(at, accepted, at[0] + options.probe().toNanos() / 3);
      StringBuilder slices = new StringBuilder();
      for (int i = 1; i <= PROBE_SLICES; i++) {
        slices.append(
            String.format(
                Locale.ROOT,
                " %.0f",
                (accepted[i] - accepted[i - 1]) * 1e9 / Math.max(1, at[i] - at[i - 1])));
      }
      Map<String, Long> failures = new java.util.TreeMap<>();
      posters.forEach(g -> g.failures().forEach((k, v) -> failures.merge(k, v, Long::sum)));
      out.printf(
          Locale.ROOT,
          "bench e2e: probe accepted per second in %d slices:%s; failures: %s%n",
          PROBE_SLICES,
          slices,
          failures.isEmpty() ? "none" : failures);
      Set<String> ids = new HashSet<>();
      posters.forEach(g -> ids.addAll(ids(g.accepted())));
      return new Probe(perSecond, ids);
    } finally {
      posters.forEach(LoadGenerator::stop);
    }
  }

  /** The probe's maximum rate, and the payments it got accepted. */
  private record Probe(double perSecond, Set<String> accepted) {}

  /**
   * Waits (at most {@link #PROBE_BACKLOG_WAIT}) until every payment the probe got accepted has its
   * decision visible, so the warm-up starts from a drained stack: a guard, in case posting at the
   * maximum rate leaves risk behind on a slower machine. Added while looking for why most decisions
   * over 250 ms fell in the first 20 s of the window; it was not that (here the probe's decisions
   * were all visible 0.0–0.2 s after it ended) but the watchers' own fetches (see Watcher.start).
   */
  private void awaitProbeDecided(Set<String> accepted, Set<String> decided)
      throws InterruptedException {
    long start = System.nanoTime();
    long deadline = start + PROBE_BACKLOG_WAIT.toNanos();
    while (!decided.containsAll(accepted) && System.nanoTime() - deadline < 0) {
      TimeUnit.MILLISECONDS.sleep(100);
    }
    long undecided = accepted.stream().filter(id -> !decided.contains(id)).count();
    out.printf(
        Locale.ROOT,
        "bench e2e: the probe's %d payments %s %.1f s after it ended%n",
        accepted.size(),
        undecided == 0 ? "all decided" : undecided + " still undecided",
        (System.nanoTime() - start) / 1e9);
  }

  /**
   * The rate between the first sample taken at or after {@code countFromNanos} and the last one:
   * per second, from sample times (System.nanoTime()) and the accepted count at each; 0 when fewer
   * than two samples are left to count.
   */
  static double countedRate(long[] atNanos, int[] accepted, long countFromNanos) {
    int first = 0;
    while (first < atNanos.length && atNanos[first] - countFromNanos < 0) {
      first++;
    }
    int last = atNanos.length - 1;
    if (first >= last) {
      return 0;
    }
    return (accepted[last] - accepted[first]) * 1e9 / (atNanos[last] - atNanos[first]);
  }

  private List<LoadGenerator.Merchant> createMerchants(Stack stack) {
    MerchantAdmin admin =
        new MerchantAdmin(stack.postgres().superuser(Stack.DATABASE), Clock.systemUTC());
    List<LoadGenerator.Merchant> merchants = new ArrayList<>();
    for (int i = 1; i <= options.merchants(); i++) {
      String id = "bench-e2e-merchant-" + i;
      admin.createMerchant(id, "Bench merchant " + i);
      merchants.add(
          new LoadGenerator.Merchant(
              id, admin.issueApiKey(id), CURRENCIES[(i - 1) % CURRENCIES.length]));
    }
    return merchants;
  }

  /** A payment accepted in the measured window, old enough, not yet settled; null if none. */
  private static AcceptedPayment settleable(
      LoadGenerator load, Set<String> before, Set<String> settled) {
    long now = System.nanoTime();
    for (AcceptedPayment p : load.accepted()) {
      Long responded = load.respondedNanos(p.paymentId());
      if (responded != null
          && !before.contains(p.paymentId())
          && !settled.contains(p.paymentId())
          && now - responded >= SETTLE_AFTER.toNanos()) {
        return p;
      }
    }
    return null;
  }

  /**
   * A settlement line for the payment whose gross is half as much again as the ledger's: far
   * outside any amount tolerance a rule set would allow.
   */
  private static ProducerRecord<String, byte[]> mismatching(
      ConfluentWireFormat wire, AcceptedPayment p) {
    String settlementId = "e2e-" + p.paymentId();
    long gross = p.amountMinor() + p.amountMinor() / 2 + 1;
    SettlementRecord record =
        SettlementRecord.newBuilder()
            .setEventId("e2e:" + settlementId)
            .setSettlementId(settlementId)
            .setSource(SOURCE)
            .setFileId(SOURCE)
            .setLineNumber(1)
            .setRecordType(SettlementRecordType.PAYMENT)
            .setPaymentReference(p.paymentId())
            .setMerchantId(p.merchantId())
            .setGrossAmountMinor(gross)
            .setFeeAmountMinor(0)
            .setNetAmountMinor(gross)
            .setCurrency(p.currency())
            .setSettledAt(Instant.now())
            .setStatementProofFailed(false)
            .build();
    return new ProducerRecord<>(
        Topics.SETTLEMENTS_RAW, settlementId, wire.encode(Topics.SETTLEMENTS_RAW, record));
  }

  /** Latency in nanoseconds of every id seen at the end; ids never seen are left out. */
  static long[] latencies(
      Collection<String> ids, Function<String, Long> startNanos, Map<String, Long> endNanos) {
    List<Long> out = new ArrayList<>();
    for (String id : ids) {
      Long start = startNanos.apply(id);
      Long end = endNanos.get(id);
      if (start != null && end != null) {
        out.add(Math.max(0, end - start));
      }
    }
    return out.stream().mapToLong(Long::longValue).toArray();
  }

  private static Set<String> ids(List<AcceptedPayment> payments) {
    Set<String> ids = new HashSet<>();
    payments.forEach(p -> ids.add(p.paymentId()));
    return ids;
  }

  /** CPU time the OS counted for the process so far; 0 where it does not say. */
  private static long cpuNanos(long pid) {
    return ProcessHandle.of(pid)
        .flatMap(h -> h.info().totalCpuDuration())
        .map(Duration::toNanos)
        .orElse(0L);
  }

  /**
   * A consumer (read_committed or not) from the current end of a topic, handing each record and the
   * System.nanoTime() it was polled at to a callback on its own thread.
   */
  private static final class Watcher implements AutoCloseable {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;
    private volatile RuntimeException failure;

    private Watcher(
        KafkaConsumer<String, byte[]> consumer,
        BiConsumer<ConsumerRecord<String, byte[]>, Long> onRecord) {
      this.thread =
          new Thread(
              () -> {
                try (consumer) {
                  while (running.get()) {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                      onRecord.accept(r, System.nanoTime());
                    }
                  }
                } catch (RuntimeException e) {
                  failure = e;
                }
              },
              "bench-e2e-watcher");
      thread.setDaemon(true);
    }

    static Watcher start(
        String bootstrap,
        String topic,
        boolean readCommitted,
        BiConsumer<ConsumerRecord<String, byte[]>, Long> onRecord) {
      Properties p = new Properties();
      p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      p.put(
          ConsumerConfig.ISOLATION_LEVEL_CONFIG,
          readCommitted ? "read_committed" : "read_uncommitted");
      p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
      // The broker answers a fetch as soon as a record is there (fetch.min.bytes 1: when the high
      // watermark, or for read_committed the stable offset, moves), so a short max wait does not
      // see records sooner; it only made each of the four watchers ask again every 10 ms while
      // nothing came: ≈ 400 empty fetches a second on the broker this benchmark measures.
      p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, Integer.toString(WATCHER_FETCH_MAX_WAIT_MS));
      KafkaConsumer<String, byte[]> consumer =
          new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
      List<TopicPartition> partitions = new ArrayList<>();
      consumer
          .partitionsFor(topic)
          .forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
      consumer.assign(partitions);
      consumer.seekToEnd(partitions);
      partitions.forEach(consumer::position); // resolve the end now, before the load starts
      Watcher watcher = new Watcher(consumer, onRecord);
      watcher.thread.start();
      return watcher;
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      thread.join(TimeUnit.SECONDS.toMillis(10));
      if (failure != null) {
        throw new IllegalStateException("watching a topic failed: " + failure, failure);
      }
    }
  }
}
