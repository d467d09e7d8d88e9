package io.settleflow.deploy.chaos;

import io.settleflow.checker.CheckerSettings;
import io.settleflow.checker.ConservationCheckService;
import io.settleflow.checker.ConservationReport;
import io.settleflow.checker.Observation;
import io.settleflow.deploy.ProcessMemory;
import io.settleflow.deploy.Stack;
import io.settleflow.deploy.StackSettings;
import io.settleflow.deploy.chaos.ChaosSchedule.Fault;
import io.settleflow.deploy.demo.AcceptedPayment;
import io.settleflow.deploy.demo.DemoPricing;
import io.settleflow.deploy.demo.SettlementPlan;
import io.settleflow.embedded.ChildJvm;
import io.settleflow.embedded.PostgresServer;
import io.settleflow.embedded.TopicContents;
import io.settleflow.feeds.ImportSummary;
import io.settleflow.feeds.KafkaImportMarkers;
import io.settleflow.feeds.SettlementImporter;
import io.settleflow.feeds.SettlementProducers;
import io.settleflow.feeds.UnreadableFileException;
import io.settleflow.ledger.MerchantAdmin;
import io.settleflow.schemas.ConfluentRegistryClient;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.Topics;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.clients.producer.Producer;

/**
 * One seeded chaos run: the stack, the workload with settlement files, the seed's faults, a drain,
 * the independent checker, and one RESULT line.
 */
public final class ChaosRun {
  private static final String[] CURRENCIES = {"EUR", "USD", "GBP"};

  /** Orphan alerts after this much event time: short, so planted orphans show in a short run. */
  public static final Duration ORPHAN_GRACE = Duration.ofSeconds(10);

  private static final Duration CHECK_EVERY = Duration.ofSeconds(5);

  /** Risk-engine instances in one group: a fault kills one (the seed says which). */
  public static final int RISK_INSTANCES = ChaosSchedule.RISK_INSTANCES;

  /** Kafka nodes (RF 3, min.insync.replicas 2): a fault kills one (the seed says which). */
  public static final int BROKERS = ChaosSchedule.BROKERS;

  /** The observation log in the run directory, appended to by every run on the stack. */
  public static final String OBSERVATIONS = "chaos-observations.jsonl";

  private static final Duration AFTER_LAST_FAULT = Duration.ofSeconds(15);

  /** How a run is shaped (the schedule itself comes from the seed). */
  public record Options(
      long seed, Duration load, int merchants, double ratePerMerchant, Duration drain) {
    public Options {
      if (merchants < 1 || merchants > 20) {
        throw new IllegalArgumentException("merchants must be 1..20, was " + merchants);
      }
      if (ratePerMerchant <= 0 || ratePerMerchant > 50) {
        throw new IllegalArgumentException("rate must be in (0, 50], was " + ratePerMerchant);
      }
    }
  }

  /** What the run ends with. */
  public record Outcome(ChaosSchedule schedule, ConservationReport report, int faultsInjected) {
    public String resultLine() {
      return String.format(
          Locale.ROOT,
          "RESULT chaos seed=%d faults=%d conserved=%s lost=%d duplicated=%d",
          schedule.seed(),
          faultsInjected,
          report.conserved(),
          report.lost(),
          report.duplicated());
    }
  }

  private final Options options;
  private final PrintStream out;
  private final Clock clock;

  /** Held while a service is restarted, by a fault or the supervisor: never both at once. */
  private final Map<String, ReentrantLock> restarting = new ConcurrentHashMap<>();

  private final AtomicInteger supervisedRestarts = new AtomicInteger();

  public ChaosRun(Options options, PrintStream out, Clock clock) {
    this.options = options;
    this.out = out;
    this.clock = clock;
  }

  public Outcome run(Path home, Path runDir) {
    ChaosSchedule schedule =
        ChaosSchedule.derive(
            options.seed(), options.load(), List.of(ChaosSchedule.FaultKind.values()));
    schedule.describe().forEach(out::println); // first, so a run that dies still replays
    StackSettings settings =
        StackSettings.ephemeral(home, runDir, schedule.settlementDeadline(), ORPHAN_GRACE);
    try (Stack stack = Stack.start(settings, out, RISK_INSTANCES, BROKERS)) {
      return run(stack, schedule, runDir);
    }
  }

  /** On a started stack whose deadline is the schedule's. */
  public Outcome run(Stack stack, ChaosSchedule schedule, Path runDir) {
    out.println("chaos: seed=" + schedule.seed() + " starts");
    long supervisorStart = System.nanoTime();
    ScheduledExecutorService supervisor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "chaos-supervisor");
              t.setDaemon(true);
              return t;
            });
    // supervise() reports its own failures; the future only ends with shutdownNow()
    Future<?> supervising =
        supervisor.scheduleWithFixedDelay(
            () -> supervise(stack, supervisorStart), 1, 1, TimeUnit.SECONDS);
    try {
      return runSupervised(stack, schedule, runDir);
    } finally {
      supervising.cancel(true);
      supervisor.shutdownNow();
      out.printf(
          Locale.ROOT,
          "chaos: the supervisor restarted %d service(s) that exited by themselves%n",
          supervisedRestarts.get());
    }
  }

  private Outcome runSupervised(Stack stack, ChaosSchedule schedule, Path runDir) {
    Path observations = runDir.resolve(OBSERVATIONS);
    List<ChaosWorkload.Merchant> merchants = createMerchants(stack, schedule.seed());
    int injected = 0;
    long t0;
    try (ChaosWorkload load =
        new ChaosWorkload(
            stack.endpoints().ingestUrl(), merchants, options.ratePerMerchant(), observations)) {
      load.start(schedule.seed());
      t0 = System.nanoTime();
      long start = t0;
      // faults on their own thread: a slow restart must not delay the files (their payments
      // would pass the settlement deadline before the file arrives)
      ExecutorService faulter =
          Executors.newSingleThreadExecutor(
              r -> {
                Thread t = new Thread(r, "chaos-faults");
                t.setDaemon(true);
                return t;
              });
      Future<Integer> faults = faulter.submit(() -> injectAll(stack, schedule, start, load));
      faulter.shutdown();
      Set<String> filed = new HashSet<>();
      int fileNo = 0;
      for (Duration at : schedule.settlementFiles()) {
        waitUntil(t0, at);
        fileNo++;
        importFile(stack, load, filed, schedule.seed(), fileNo, runDir);
      }
      injected = awaitFaults(faults);
      // a fault that ran past the load's end still gets traffic while the stack recovers
      Duration recovered = Duration.ofNanos(System.nanoTime() - t0).plus(AFTER_LAST_FAULT);
      waitUntil(t0, recovered.compareTo(schedule.load()) > 0 ? recovered : schedule.load());
      out.printf(
          Locale.ROOT, "chaos: %6.1f s  load stops; finishing requests in flight%n", elapsed(t0));
      load.stop();
      out.printf(
          Locale.ROOT,
          "chaos: %d authorizations accepted, %d requests, %d retried, %d in doubt%n",
          load.authorized().size(),
          load.requests(),
          load.retries(),
          load.inDoubt());
    }
    ConservationReport report = drainAndCheck(stack, observations);
    out.print(report.render());
    out.printf(
        Locale.ROOT,
        "chaos: peak RSS of the stack's JVMs %d MiB (%d processes; PostgreSQL not counted)%n",
        ProcessMemory.peakRssMib(stack.processIds()),
        stack.processIds().size());
    Outcome outcome = new Outcome(schedule, report, injected);
    out.println(outcome.resultLine());
    return outcome;
  }

  /**
   * Fires each fault at its time; the restarts run in the background, so a slow restart does not
   * push the next fault back and faults may overlap. A kind waits until its previous fault is back
   * (two brokers are never down at once: min.insync.replicas 2 of 3), and a PostgreSQL restart
   * waits until every restart is done and holds the next fault until the database is back (a
   * service starting while the database is down could not get ready).
   */
  private int injectAll(Stack stack, ChaosSchedule schedule, long t0, ChaosWorkload load) {
    ExecutorService restarts =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "chaos-restart");
              t.setDaemon(true);
              return t;
            });
    Map<ChaosSchedule.FaultKind, Future<?>> pending = new EnumMap<>(ChaosSchedule.FaultKind.class);
    int injected = 0;
    try {
      for (Fault fault : schedule.faults()) {
        waitUntil(t0, fault.at());
        if (fault.kind() == ChaosSchedule.FaultKind.RESTART_POSTGRES) {
          for (Future<?> f : pending.values()) {
            awaitRestart(f);
          }
        } else if (pending.containsKey(fault.kind())) {
          awaitRestart(pending.get(fault.kind()));
        }
        out.printf(
            Locale.ROOT,
            "chaos: %6.1f s  %s (%d accepted so far)%n",
            elapsed(t0),
            fault.description(),
            load.authorized().size());
        Future<?> restart =
            restarts.submit(
                () -> {
                  long s = System.nanoTime();
                  inject(stack, fault);
                  out.printf(
                      Locale.ROOT,
                      "chaos: %6.1f s  %s: back after %.1f s%n",
                      elapsed(t0),
                      fault.description(),
                      (System.nanoTime() - s) / 1e9);
                });
        pending.put(fault.kind(), restart);
        if (fault.kind() == ChaosSchedule.FaultKind.RESTART_POSTGRES) {
          awaitRestart(restart);
        }
        injected++;
      }
      for (Future<?> f : pending.values()) {
        awaitRestart(f);
      }
      return injected;
    } finally {
      restarts.shutdownNow();
    }
  }

  /**
   * Restarts a service whose process exited by itself (not by a fault), as Kubernetes or systemd
   * would, and says so: a service may exit on an error it cannot recover from in-process (e.g. a
   * fatal transaction error while a broker dies); what matters is that nothing is lost.
   */
  private void supervise(Stack stack, long t0) {
    for (String name : services()) {
      ChildJvm jvm = stack.service(name);
      if (jvm == null || jvm.isAlive()) {
        continue;
      }
      ReentrantLock lock = restarting.computeIfAbsent(name, n -> new ReentrantLock());
      if (!lock.tryLock()) {
        continue; // a fault is restarting it
      }
      try {
        if (stack.service(name).isAlive()) {
          continue;
        }
        supervisedRestarts.incrementAndGet();
        out.printf(
            Locale.ROOT,
            "chaos: %6.1f s  supervisor: %s exited by itself; restarting it%n",
            elapsed(t0),
            name);
        stack.killAndRestart(name);
      } catch (RuntimeException e) {
        out.println("chaos: supervisor: restarting " + name + " failed (will retry): " + e);
      } finally {
        lock.unlock();
      }
    }
  }

  private static List<String> services() {
    List<String> names = new ArrayList<>();
    names.add("ingest-api");
    names.add("cdc-connectors");
    names.add("streams-risk");
    for (int i = 2; i <= RISK_INSTANCES; i++) {
      names.add("streams-risk-" + i);
    }
    names.add("flink-reconcile");
    names.add("finance-console");
    return names;
  }

  /** kill -9 + restart of a service, never while the supervisor restarts it. */
  private void killAndRestart(Stack stack, String name) {
    ReentrantLock lock = restarting.computeIfAbsent(name, n -> new ReentrantLock());
    lock.lock();
    try {
      stack.killAndRestart(name);
    } finally {
      lock.unlock();
    }
  }

  private static void awaitRestart(Future<?> restart) {
    try {
      restart.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("chaos run interrupted", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("a restart failed: " + e.getCause(), e.getCause());
    }
  }

  private static int awaitFaults(Future<Integer> faults) {
    try {
      return faults.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("chaos run interrupted", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("injecting a fault failed: " + e.getCause(), e.getCause());
    }
  }

  private void inject(Stack stack, Fault fault) {
    switch (fault.kind()) {
      case KILL_INGEST -> killAndRestart(stack, "ingest-api");
      case KILL_CDC -> killAndRestart(stack, "cdc-connectors");
      case KILL_RISK ->
          killAndRestart(
              stack, fault.target() == 1 ? "streams-risk" : "streams-risk-" + fault.target());
      case KILL_RECONCILE -> killAndRestart(stack, "flink-reconcile");
      case RESTART_POSTGRES -> stack.restartPostgres();
      case KILL_BROKER -> stack.killAndRestartBroker(fault.target());
    }
  }

  /** Re-runs the checker until it passes (the stages catch up) or the drain time is over. */
  private ConservationReport drainAndCheck(Stack stack, Path observations) {
    CheckerSettings checker =
        new CheckerSettings(
            stack.postgres().jdbcUrl(Stack.DATABASE),
            PostgresServer.SUPERUSER,
            null,
            stack.endpoints().kafkaBootstrap(),
            stack.endpoints().registryUrl(),
            observations,
            CheckerSettings.TopicNames.defaults());
    long giveUp = System.nanoTime() + options.drain().toNanos();
    while (true) {
      ConservationReport report;
      try {
        report = ConservationCheckService.run(checker);
      } catch (RuntimeException e) {
        // e.g. PostgreSQL still in crash recovery after the last fault: not a verdict yet
        if (System.nanoTime() > giveUp) {
          throw e;
        }
        out.printf(
            Locale.ROOT,
            "chaos: draining: the checker could not read yet (%s); checking again in %d s%n",
            e.getMessage(),
            CHECK_EVERY.toSeconds());
        pause(CHECK_EVERY);
        continue;
      }
      if (report.conserved() || System.nanoTime() > giveUp) {
        return report;
      }
      out.printf(
          Locale.ROOT,
          "chaos: draining: %d lost, %d duplicated so far; checking again in %d s%n",
          report.lost(),
          report.duplicated(),
          CHECK_EVERY.toSeconds());
      pause(CHECK_EVERY);
    }
  }

  private List<ChaosWorkload.Merchant> createMerchants(Stack stack, long seed) {
    MerchantAdmin admin = new MerchantAdmin(stack.postgres().superuser(Stack.DATABASE), clock);
    List<ChaosWorkload.Merchant> merchants = new ArrayList<>();
    for (int i = 1; i <= options.merchants(); i++) {
      String id = "chaos-" + Long.toUnsignedString(seed, 36) + "-" + i;
      admin.createMerchant(id, "Chaos merchant " + i);
      merchants.add(
          new ChaosWorkload.Merchant(
              id, admin.issueApiKey(id), CURRENCIES[(i - 1) % CURRENCIES.length]));
    }
    return merchants;
  }

  /**
   * A processor file over the authorizations accepted since the last file, with one planted
   * discrepancy of each kind; its lines get ids unique to the run, and its ground truth goes to the
   * observation log.
   */
  private void importFile(
      Stack stack, ChaosWorkload load, Set<String> filed, long seed, int fileNo, Path runDir) {
    // a processor settles only what it authorized: payments whose event is still in CDC's backlog
    // (a lagging or killed relay) wait for the next file, as they would wait a day in production
    Set<String> published = new HashSet<>();
    TopicContents.readAll(stack.endpoints().kafkaBootstrap(), Topics.PAYMENTS_AUTHORIZED)
        .forEach(r -> published.add(r.key()));
    List<AcceptedPayment> batch =
        load.authorized().stream()
            .filter(p -> !filed.contains(p.paymentId()) && published.contains(p.paymentId()))
            .toList();
    SettlementPlan.Counts counts = SettlementPlan.Counts.basic(1, 1, 1, 1, 1);
    if (batch.size() < counts.total() * 3) {
      out.printf("chaos: only %d new payments, settlement file %d skipped%n", batch.size(), fileNo);
      return;
    }
    // chaos runs reconciliation on its built-in rules: no fee schedule, no FX rate
    SettlementPlan plan =
        SettlementPlan.of(batch, counts, clock.instant(), seed + fileNo, DemoPricing.builtIn());
    String prefix = "chaos" + Long.toUnsignedString(seed, 36) + "-f" + fileNo + "-";
    List<String> lines = new ArrayList<>();
    List<String> settlementIds = new ArrayList<>();
    for (String line : plan.csvLines()) {
      if (line.equals(SettlementPlan.HEADER)) {
        lines.add(line);
      } else {
        String renamed = prefix + line;
        lines.add(renamed);
        settlementIds.add(renamed.substring(0, renamed.indexOf(',')));
      }
    }
    Map<String, List<String>> planted = new TreeMap<>();
    plan.planted()
        .forEach(
            (kind, ids) ->
                planted.put(
                    kind.name(),
                    ids.stream()
                        .map(
                            id ->
                                kind == SettlementPlan.PlantedKind.ORPHAN_SETTLEMENT
                                    ? prefix + id
                                    : id)
                        .toList()));
    Path file = runDir.resolve(prefix + "settlement.csv");
    try {
      Files.write(file, lines);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String bootstrap = stack.endpoints().kafkaBootstrap();
    ConfluentWireFormat wire =
        new ConfluentWireFormat(new ConfluentRegistryClient(stack.endpoints().registryUrl()));
    ImportSummary summary;
    try (Producer<String, byte[]> producer =
            SettlementProducers.createTransactional(bootstrap, "chaos-processor");
        KafkaImportMarkers markers = new KafkaImportMarkers(bootstrap)) {
      summary = new SettlementImporter(producer, wire, markers).importFile(file, "chaos-processor");
    } catch (UnreadableFileException e) {
      throw new IllegalStateException(
          "the chaos settlement file was refused: " + e.getMessage(), e);
    }
    batch.forEach(p -> filed.add(p.paymentId()));
    load.record(
        Observation.settlementFile(
            prefix, settlementIds, List.copyOf(plan.expectedMatches()), planted));
    out.printf(
        "chaos: settlement file %d: %d lines (%s), planted %s%n",
        fileNo, settlementIds.size(), summary, planted);
  }

  private static double elapsed(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }

  private static void waitUntil(long t0, Duration at) {
    long waitNanos = t0 + at.toNanos() - System.nanoTime();
    if (waitNanos > 0) {
      pause(Duration.ofNanos(waitNanos));
    }
  }

  private static void pause(Duration d) {
    try {
      TimeUnit.NANOSECONDS.sleep(d.toNanos());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("chaos run interrupted", e);
    }
  }
}
