package io.settleflow.deploy.chaos;

import io.settleflow.checker.CheckerSettings;
import io.settleflow.checker.ConservationCheckService;
import io.settleflow.checker.ConservationReport;
import io.settleflow.checker.Observation;
import io.settleflow.deploy.Stack;
import io.settleflow.deploy.StackSettings;
import io.settleflow.deploy.chaos.ChaosSchedule.Fault;
import io.settleflow.deploy.demo.AcceptedPayment;
import io.settleflow.deploy.demo.SettlementPlan;
import io.settleflow.embedded.PostgresServer;
import io.settleflow.feeds.ImportSummary;
import io.settleflow.feeds.KafkaImportMarkers;
import io.settleflow.feeds.SettlementImporter;
import io.settleflow.feeds.SettlementProducers;
import io.settleflow.feeds.UnreadableFileException;
import io.settleflow.ledger.MerchantAdmin;
import io.settleflow.schemas.ConfluentRegistryClient;
import io.settleflow.schemas.ConfluentWireFormat;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.Producer;

/**
 * One seeded chaos run: the stack, the workload with settlement files, the seed's faults, a drain,
 * the independent checker, and one RESULT line.
 */
public final class ChaosRun {
  private static final String[] CURRENCIES = {"EUR", "USD", "GBP"};

  /** Orphan alerts after this much event time: short, so planted orphans show in a short run. */
  public static final Duration ORPHAN_GRACE = Duration.ofSeconds(10);

  private static final Duration CHECK_EVERY = Duration.ofSeconds(10);

  /** Risk-engine instances in one group: a fault kills the first while the second serves. */
  public static final int RISK_INSTANCES = 2;

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
    try (Stack stack = Stack.start(settings, out, RISK_INSTANCES)) {
      return run(stack, schedule, runDir);
    }
  }

  /** On a started stack whose deadline is the schedule's. */
  public Outcome run(Stack stack, ChaosSchedule schedule, Path runDir) {
    out.println("chaos: seed=" + schedule.seed() + " starts");
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
    Outcome outcome = new Outcome(schedule, report, injected);
    out.println(outcome.resultLine());
    return outcome;
  }

  private int injectAll(Stack stack, ChaosSchedule schedule, long t0, ChaosWorkload load) {
    int injected = 0;
    for (Fault fault : schedule.faults()) {
      waitUntil(t0, fault.at());
      long s = System.nanoTime();
      out.printf(
          Locale.ROOT,
          "chaos: %6.1f s  %s (%d accepted so far)%n",
          elapsed(t0),
          fault.kind().description(),
          load.authorized().size());
      inject(stack, fault);
      injected++;
      out.printf(
          Locale.ROOT,
          "chaos: %6.1f s  %s: back after %.1f s%n",
          elapsed(t0),
          fault.kind(),
          (System.nanoTime() - s) / 1e9);
    }
    return injected;
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

  private static void inject(Stack stack, Fault fault) {
    switch (fault.kind()) {
      case KILL_INGEST -> stack.killAndRestart("ingest-api");
      case KILL_CDC -> stack.killAndRestart("cdc-connectors");
      case KILL_RISK -> stack.killAndRestart("streams-risk");
      case KILL_RECONCILE -> stack.killAndRestart("flink-reconcile");
      case RESTART_POSTGRES -> stack.restartPostgres();
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
      ConservationReport report = ConservationCheckService.run(checker);
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
    List<AcceptedPayment> batch =
        load.authorized().stream().filter(p -> !filed.contains(p.paymentId())).toList();
    SettlementPlan.Counts counts = new SettlementPlan.Counts(1, 1, 1, 1, 1);
    if (batch.size() < counts.total() * 3) {
      out.printf("chaos: only %d new payments, settlement file %d skipped%n", batch.size(), fileNo);
      return;
    }
    SettlementPlan plan = SettlementPlan.of(batch, counts, clock.instant(), seed + fileNo);
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
        SettlementProducers.createTransactional(bootstrap, "chaos-processor")) {
      summary =
          new SettlementImporter(producer, wire, new KafkaImportMarkers(bootstrap))
              .importFile(file, "chaos-processor");
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
