package io.settleflow.deploy.demo;

import io.settleflow.avro.MismatchAlert;
import io.settleflow.avro.PaymentEvent;
import io.settleflow.avro.ReconMatch;
import io.settleflow.avro.RiskDecision;
import io.settleflow.deploy.Stack;
import io.settleflow.deploy.demo.SettlementPlan.PlantedKind;
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
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The demo workload against a running stack: merchants post payments over HTTP; CDC events are
 * redelivered as after a crash; a processor settlement file with planted discrepancies of every
 * kind is imported mid-run; then every stage is counted and checked.
 */
public final class Demo {
  private static final String[] CURRENCIES = {"EUR", "USD", "GBP"};
  private static final Duration POLL = Duration.ofSeconds(1);

  /**
   * Payments posted after the file's snapshot are not in it; the demo stops posting (and so stops
   * event time) this long before the first of them would become overdue.
   */
  private static final Duration DEADLINE_MARGIN = Duration.ofSeconds(3);

  /** How the demo runs. */
  public record Options(
      int merchants,
      double ratePerMerchant,
      Duration loadDuration,
      double tailRatePerMerchant,
      SettlementPlan.Counts planted,
      int redeliveries,
      long seed) {
    public static Options defaults(Duration loadDuration) {
      SettlementPlan.Counts planted =
          SettlementPlan.Counts.each(1, 3)
              .with(PlantedKind.AMOUNT_MISMATCH, 3)
              .with(PlantedKind.ORPHAN_SETTLEMENT, 2)
              .with(PlantedKind.OVERDUE_PAYMENT, 3)
              .with(PlantedKind.FEE_DEVIATION, 2)
              .with(PlantedKind.FX_DEVIATION, 2);
      return new Options(3, 8, loadDuration, 1, planted, 25, 42);
    }
  }

  private final Stack stack;
  private final Options options;
  private final Duration deadline;
  private final PrintStream out;
  private final Clock clock;

  public Demo(
      Stack stack, Options options, Duration settlementDeadline, PrintStream out, Clock clock) {
    this.stack = stack;
    this.options = options;
    this.deadline = settlementDeadline;
    this.out = out;
    this.clock = clock;
  }

  public DemoReport run() {
    String bootstrap = stack.endpoints().kafkaBootstrap();
    ConfluentWireFormat wire =
        new ConfluentWireFormat(new ConfluentRegistryClient(stack.endpoints().registryUrl()));
    List<LoadGenerator.Merchant> merchants = createMerchants();

    try (AlertWatcher watcher = AlertWatcher.start(bootstrap, wire, out);
        LoadGenerator load = new LoadGenerator(stack.endpoints().ingestUrl(), merchants)) {
      out.printf(
          "demo: %d merchants posting ~%.0f payments/s each for %d s%n",
          merchants.size(), options.ratePerMerchant(), options.loadDuration().toSeconds());
      Instant loadStart = clock.instant();
      load.start(options.ratePerMerchant(), options.seed());
      waitLogging(options.loadDuration(), () -> "posted " + load.accepted().size() + " payments");
      List<AcceptedPayment> settledBatch = load.accepted();
      Instant snapshotTime = clock.instant();
      double loadSeconds = Duration.between(loadStart, clock.instant()).toMillis() / 1000.0;
      load.setRate(options.tailRatePerMerchant());

      long redelivered = redeliverCdcEvents(bootstrap, options.redeliveries());
      out.printf(
          "demo: redelivered %d CDC events to %s (as Debezium does after a crash)%n",
          redelivered, Topics.PAYMENTS_AUTHORIZED);

      Instant fileTime = clock.instant();
      SettlementPlan plan =
          SettlementPlan.of(settledBatch, options.planted(), fileTime, options.seed(), pricing());
      Imports imports = new Imports();
      imports.add(importFile(bootstrap, wire, writeFile("demo-settlement-", plan.csvLines())));
      out.println(
          "demo: planted "
              + plan.planted().entrySet().stream()
                  .map(e -> e.getKey() + "=" + e.getValue().size())
                  .collect(Collectors.joining(" "))
              + "; waiting for reconciliation (overdue alerts need event time to pass the "
              + deadline.toSeconds()
              + " s deadline)");

      // Payments after the snapshot keep event time moving; they must stop before their own
      // deadline.
      Instant giveUp = snapshotTime.plus(deadline).minus(DEADLINE_MARGIN);
      Outcome outcome = null;
      while (clock.instant().isBefore(giveUp)) {
        outcome = Outcome.read(bootstrap, wire);
        importLateFileOnceOverdue(bootstrap, wire, plan, outcome, imports);
        if (outcome.complete(plan)) {
          break;
        }
        pause(POLL);
      }
      load.stop();
      int allPayments = load.accepted().size();
      // decisions for the last payments
      Instant decisionsBy = clock.instant().plusSeconds(30);
      while (clock.instant().isBefore(decisionsBy)) {
        outcome = Outcome.read(bootstrap, wire);
        importLateFileOnceOverdue(bootstrap, wire, plan, outcome, imports);
        if (outcome.decidedEvents.size() >= allPayments && outcome.complete(plan)) {
          break;
        }
        pause(POLL);
      }
      return report(load, settledBatch, plan, imports, redelivered, outcome, loadSeconds);
    }
  }

  /** The fee schedules and FX rates the stack's reconciliation runs with. */
  private DemoPricing pricing() {
    Path rules = stack.reconRulesFile();
    if (rules == null) {
      return DemoPricing.builtIn();
    }
    try {
      return DemoPricing.parse(Files.readString(rules));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the reconciliation rules " + rules, e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(rules + ": " + e.getMessage(), e);
    }
  }

  /** Settlement files imported so far, summed. */
  private static final class Imports {
    long published;
    long rejected;
    boolean lateImported;

    void add(ImportSummary summary) {
      published += summary.published();
      rejected += summary.rejected();
    }
  }

  private ImportSummary importFile(String bootstrap, ConfluentWireFormat wire, Path file) {
    ImportSummary summary;
    try (Producer<String, byte[]> producer =
            SettlementProducers.createTransactional(bootstrap, "demo-processor");
        KafkaImportMarkers markers = new KafkaImportMarkers(bootstrap)) {
      summary = new SettlementImporter(producer, wire, markers).importFile(file, "demo-processor");
    } catch (UnreadableFileException e) {
      throw new IllegalStateException(
          "the demo's own settlement file was refused: " + e.getMessage(), e);
    }
    out.println("demo: imported " + file + ": " + summary);
    return summary;
  }

  /**
   * Once every payment planted as RESOLVED has its OVERDUE_PAYMENT alert, the processor's late file
   * settles them.
   */
  private void importLateFileOnceOverdue(
      String bootstrap,
      ConfluentWireFormat wire,
      SettlementPlan plan,
      Outcome outcome,
      Imports imports) {
    if (imports.lateImported
        || plan.latePayments().isEmpty()
        || !outcome
            .alertKeysByKind
            .getOrDefault(PlantedKind.OVERDUE_PAYMENT.name(), Set.of())
            .containsAll(plan.latePayments())) {
      return;
    }
    imports.lateImported = true;
    out.println(
        "demo: "
            + plan.latePayments().size()
            + " overdue payment(s) now settle late: expecting RESOLVED, then a match");
    imports.add(
        importFile(
            bootstrap, wire, writeFile("demo-settlement-late-", plan.lateCsvLines(deadline))));
  }

  private List<LoadGenerator.Merchant> createMerchants() {
    MerchantAdmin admin = new MerchantAdmin(stack.postgres().superuser(Stack.DATABASE), clock);
    List<LoadGenerator.Merchant> merchants = new ArrayList<>();
    for (int i = 1; i <= options.merchants(); i++) {
      String id = "demo-merchant-" + i;
      admin.createMerchant(id, "Demo merchant " + i);
      merchants.add(
          new LoadGenerator.Merchant(
              id, admin.issueApiKey(id), CURRENCIES[(i - 1) % CURRENCIES.length]));
    }
    return merchants;
  }

  /** Copies the first N records of the CDC topic back onto it, headers and all. */
  private long redeliverCdcEvents(String bootstrap, int n) {
    List<ConsumerRecord<String, byte[]>> records =
        TopicContents.readAll(bootstrap, Topics.PAYMENTS_AUTHORIZED);
    List<ConsumerRecord<String, byte[]>> chosen = records.subList(0, Math.min(n, records.size()));
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(
            producerConfig(bootstrap), new StringSerializer(), new ByteArraySerializer())) {
      List<java.util.concurrent.Future<?>> sends = new java.util.ArrayList<>();
      for (ConsumerRecord<String, byte[]> r : chosen) {
        sends.add(
            producer.send(
                new ProducerRecord<>(r.topic(), r.partition(), r.key(), r.value(), r.headers())));
      }
      producer.flush();
      for (java.util.concurrent.Future<?> send : sends) {
        send.get(); // the report counts these redeliveries: each must have landed
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while redelivering CDC events", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(
          "redelivering a CDC event failed: " + e.getCause().getMessage(), e);
    }
    return chosen.size();
  }

  private static Map<String, Object> producerConfig(String bootstrap) {
    return Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        bootstrap,
        ProducerConfig.ACKS_CONFIG,
        "all",
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
        "true");
  }

  private Path writeFile(String prefix, List<String> lines) {
    Path file = Path.of(stack.endpoints().runDir()).resolve(prefix + clock.millis() + ".csv");
    try {
      Files.write(file, lines);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  private DemoReport report(
      LoadGenerator load,
      List<AcceptedPayment> settledBatch,
      SettlementPlan plan,
      Imports imports,
      long redelivered,
      Outcome o,
      double loadSeconds) {
    Ledger ledger = Ledger.read(stack.postgres().superuser(Stack.DATABASE));
    Set<String> acceptedIds =
        load.accepted().stream().map(AcceptedPayment::paymentId).collect(Collectors.toSet());
    long ledgerMissing = acceptedIds.stream().filter(id -> !ledger.paymentIds.contains(id)).count();
    long ledgerExtra = ledger.paymentIds.stream().filter(id -> !acceptedIds.contains(id)).count();
    long cdcMissing = ledger.outboxIds.stream().filter(id -> !o.cdcEvents.contains(id)).count();
    long decisionsMissing =
        o.cdcEvents.stream().filter(id -> !o.decidedEvents.contains(id)).count();
    long matchesMissing =
        plan.expectedMatches().stream().filter(id -> !o.matchedPayments.contains(id)).count();

    Map<PlantedKind, Long> plantedByKind = new EnumMap<>(PlantedKind.class);
    Map<PlantedKind, Long> detectedByKind = new EnumMap<>(PlantedKind.class);
    Set<String> explained = new HashSet<>();
    for (PlantedKind k : PlantedKind.values()) {
      Set<String> want = plan.planted().get(k);
      plantedByKind.put(k, (long) want.size());
      Set<String> got = o.alertKeysByKind.getOrDefault(k.name(), Set.of());
      detectedByKind.put(k, want.stream().filter(got::contains).count());
      want.stream().filter(got::contains).forEach(id -> explained.add(k.name() + ":" + id));
    }
    List<String> unexpected = o.alertKeys.stream().filter(a -> !explained.contains(a)).toList();
    Set<String> settledBatchIds =
        settledBatch.stream().map(AcceptedPayment::paymentId).collect(Collectors.toSet());
    long pending = acceptedIds.stream().filter(id -> !settledBatchIds.contains(id)).count();
    Map<String, Long> alertsByKind = new HashMap<>();
    o.alertKeysByKind.forEach((k, v) -> alertsByKind.put(k, (long) v.size()));

    return new DemoReport(
        load.requests(),
        acceptedIds.size(),
        load.replaysMatched(),
        load.replaysDiffered(),
        load.failures(),
        ledger.paymentIds.size(),
        ledger.entries,
        ledger.outboxIds.size(),
        ledger.imbalance,
        ledgerMissing,
        ledgerExtra,
        o.cdcRecords,
        o.cdcEvents.size(),
        cdcMissing,
        redelivered,
        o.decisions,
        o.decidedEvents.size(),
        decisionsMissing,
        plan.settlementLines() + plan.latePayments().size(),
        imports.published,
        imports.rejected,
        o.matches,
        o.matchedPayments.size(),
        plan.expectedMatches().size(),
        matchesMissing,
        plan.fxConverted().size(),
        plan.fxConverted().stream().filter(o.matchedPayments::contains).count(),
        o.alerts,
        o.alertIds.size(),
        plantedByKind,
        detectedByKind,
        alertsByKind,
        unexpected,
        pending,
        loadSeconds);
  }

  private void waitLogging(Duration total, java.util.function.Supplier<String> progress) {
    Instant end = clock.instant().plus(total);
    while (clock.instant().isBefore(end)) {
      Duration left = Duration.between(clock.instant(), end);
      pause(left.compareTo(Duration.ofSeconds(5)) < 0 ? left : Duration.ofSeconds(5));
      out.println("demo: " + progress.get());
    }
  }

  private static void pause(Duration d) {
    try {
      Thread.sleep(Math.max(0, d.toMillis()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("demo interrupted", e);
    }
  }

  /** What the ledger holds. */
  private record Ledger(
      Set<String> paymentIds, long entries, Set<String> outboxIds, Map<String, Long> imbalance) {
    static Ledger read(DataSource superuser) {
      try (Connection c = superuser.getConnection();
          Statement s = c.createStatement()) {
        Set<String> payments = strings(s, "SELECT payment_id::text FROM ledger.payments");
        Set<String> outbox = strings(s, "SELECT id::text FROM ledger.outbox");
        long entries;
        try (ResultSet rs = s.executeQuery("SELECT count(*) FROM ledger.ledger_entries")) {
          rs.next();
          entries = rs.getLong(1);
        }
        Map<String, Long> imbalance = new HashMap<>();
        try (ResultSet rs =
            s.executeQuery(
                "SELECT currency, sum(amount_minor) FROM ledger.ledger_entries GROUP BY currency")) {
          while (rs.next()) {
            imbalance.put(rs.getString(1), rs.getLong(2));
          }
        }
        return new Ledger(payments, entries, outbox, imbalance);
      } catch (SQLException e) {
        throw new IllegalStateException("cannot read the ledger: " + e.getMessage(), e);
      }
    }

    private static Set<String> strings(Statement s, String sql) throws SQLException {
      Set<String> out = new HashSet<>();
      try (ResultSet rs = s.executeQuery(sql)) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
      return out;
    }
  }

  /** What the stream stages have committed so far. */
  private static final class Outcome {
    long cdcRecords;
    final Set<String> cdcEvents = new HashSet<>();
    long decisions;
    final Set<String> decidedEvents = new HashSet<>();
    long matches;
    final Set<String> matchedPayments = new HashSet<>();
    long alerts;
    final Set<String> alertIds = new HashSet<>();
    final List<String> alertKeys = new ArrayList<>();
    final Map<String, Set<String>> alertKeysByKind = new HashMap<>();

    static Outcome read(String bootstrap, ConfluentWireFormat wire) {
      Outcome o = new Outcome();
      for (ConsumerRecord<String, byte[]> r :
          TopicContents.readAll(bootstrap, Topics.PAYMENTS_AUTHORIZED)) {
        o.cdcRecords++;
        o.cdcEvents.add(wire.decode(r.value(), PaymentEvent.class).getEventId());
      }
      for (ConsumerRecord<String, byte[]> r :
          TopicContents.readAll(bootstrap, Topics.RISK_DECISIONS)) {
        o.decisions++;
        o.decidedEvents.add(wire.decode(r.value(), RiskDecision.class).getSourceEventId());
      }
      for (ConsumerRecord<String, byte[]> r :
          TopicContents.readAll(bootstrap, Topics.RECON_MATCHES)) {
        o.matches++;
        o.matchedPayments.add(wire.decode(r.value(), ReconMatch.class).getPaymentId());
      }
      for (ConsumerRecord<String, byte[]> r :
          TopicContents.readAll(bootstrap, Topics.RECON_MISMATCHES)) {
        MismatchAlert a = wire.decode(r.value(), MismatchAlert.class);
        o.alerts++;
        o.alertIds.add(a.getEventId());
        String key =
            a.getKind() == io.settleflow.avro.MismatchKind.ORPHAN_SETTLEMENT
                ? a.getSettlementId()
                : a.getPaymentId();
        if (o.alertKeysByKind.computeIfAbsent(a.getKind().name(), k -> new HashSet<>()).add(key)) {
          o.alertKeys.add(a.getKind().name() + ":" + key);
        }
      }
      return o;
    }

    boolean complete(SettlementPlan plan) {
      if (!matchedPayments.containsAll(plan.expectedMatches())) {
        return false;
      }
      for (Map.Entry<PlantedKind, Set<String>> e : plan.planted().entrySet()) {
        if (!alertKeysByKind.getOrDefault(e.getKey().name(), Set.of()).containsAll(e.getValue())) {
          return false;
        }
      }
      return true;
    }
  }
}
