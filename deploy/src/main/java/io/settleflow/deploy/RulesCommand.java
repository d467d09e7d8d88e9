package io.settleflow.deploy;

import io.settleflow.avro.PaymentEvent;
import io.settleflow.deploy.rules.BacktestReport;
import io.settleflow.deploy.rules.LedgerTopicHistory;
import io.settleflow.deploy.rules.PaymentEventLines;
import io.settleflow.deploy.rules.RuleFile;
import io.settleflow.embedded.TopicContents;
import io.settleflow.risk.RiskBacktest;
import io.settleflow.risk.RiskConfig;
import io.settleflow.risk.RiskRule;
import io.settleflow.risk.RiskRuleValidator;
import io.settleflow.schemas.ConfluentRegistryClient;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code ./settleflow rules}: analysts validate, publish, list and delete risk rules. */
@Command(
    name = "rules",
    mixinStandardHelpOptions = true,
    description =
        "Risk rules on the compacted risk.rules topic; the risk engine applies a new version on the next payment.",
    subcommands = {
      RulesCommand.Validate.class,
      RulesCommand.Publish.class,
      RulesCommand.ListRules.class,
      RulesCommand.Delete.class,
      RulesCommand.Backtest.class
    })
final class RulesCommand extends GroupCommand {
  /** Prints what the validator says of each rule; true when all are valid. */
  static boolean report(List<RuleFile.Entry> entries) {
    boolean allValid = true;
    for (RuleFile.Entry e : entries) {
      if (e.valid()) {
        RiskRule r = e.validation().rule().orElseThrow();
        System.out.printf("ok      %s %s%n", r.versionTag(), r.status());
      } else {
        allValid = false;
        e.validation().errors().forEach(err -> System.out.println("invalid " + err));
      }
    }
    return allValid;
  }

  static List<RuleFile.Entry> readFile(Path file) throws java.io.IOException {
    return RuleFile.read(Files.readAllBytes(file));
  }

  @Command(
      name = "validate",
      mixinStandardHelpOptions = true,
      description =
          "Check a rules file (JSON array of rule documents); errors name the rule and the field.")
  static final class Validate implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "Rules file.")
    Path file;

    @Override
    public Integer call() throws Exception {
      return report(readFile(file)) ? 0 : 1;
    }
  }

  @Command(
      name = "publish",
      mixinStandardHelpOptions = true,
      description =
          "Validate a rules file and publish every rule; if any rule is invalid, nothing is published.")
  static final class Publish implements Callable<Integer> {
    @CommandLine.Mixin SettleflowCli.RunDirOption run = new SettleflowCli.RunDirOption();

    @Parameters(paramLabel = "FILE", description = "Rules file.")
    Path file;

    @Override
    public Integer call() throws Exception {
      List<RuleFile.Entry> entries = readFile(file);
      if (!report(entries)) {
        System.out.println("nothing published: fix the invalid rules first");
        return 1;
      }
      String bootstrap = StackEndpoints.read(run.resolve()).kafkaBootstrap();
      // versions only go up: the engine would ignore a version not above the one in force
      Map<String, Long> inForce = new TreeMap<>();
      latestDocuments(bootstrap)
          .forEach(
              (key, doc) ->
                  RiskRuleValidator.validate(key, doc)
                      .rule()
                      .ifPresent(r -> inForce.put(key, r.version())));
      List<String> stale = new java.util.ArrayList<>();
      for (RuleFile.Entry e : entries) {
        RiskRule r = e.validation().rule().orElseThrow();
        RiskRuleValidator.versionProblem(r.id(), r.version(), inForce.get(r.id()))
            .ifPresent(stale::add);
      }
      if (!stale.isEmpty()) {
        stale.forEach(err -> System.out.println("invalid " + err));
        System.out.println("nothing published: raise the versions first");
        return 1;
      }
      try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
        for (RuleFile.Entry e : entries) {
          producer.send(new ProducerRecord<>(Topics.RISK_RULES, e.key(), e.document())).get();
        }
      }
      System.out.println("published " + entries.size() + " rule(s) to " + Topics.RISK_RULES);
      return 0;
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "The rules in force: the latest document per rule id on risk.rules.")
  static final class ListRules implements Callable<Integer> {
    @CommandLine.Mixin SettleflowCli.RunDirOption run = new SettleflowCli.RunDirOption();

    @Override
    public Integer call() {
      Map<String, byte[]> latest =
          latestDocuments(StackEndpoints.read(run.resolve()).kafkaBootstrap());
      if (latest.isEmpty()) {
        System.out.println("no rules published: the engine applies its built-in defaults");
      }
      latest.forEach(
          (key, doc) -> {
            RiskRuleValidator.Result v = RiskRuleValidator.validate(key, doc);
            System.out.println(
                v.isValid()
                    ? "  " + new String(doc, StandardCharsets.UTF_8)
                    : "  (ignored by the engine) " + v.errors());
          });
      return 0;
    }
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description = "Delete a rule (a tombstone on risk.rules).")
  static final class Delete implements Callable<Integer> {
    @CommandLine.Mixin SettleflowCli.RunDirOption run = new SettleflowCli.RunDirOption();

    @Parameters(paramLabel = "ID", description = "Rule id.")
    String id;

    @Override
    public Integer call() throws Exception {
      try (KafkaProducer<String, byte[]> producer =
          producer(StackEndpoints.read(run.resolve()).kafkaBootstrap())) {
        producer.send(new ProducerRecord<>(Topics.RISK_RULES, id, null)).get();
      }
      System.out.println("deleted " + id);
      return 0;
    }
  }

  @Command(
      name = "backtest",
      mixinStandardHelpOptions = true,
      description = {
        "Replay recorded payment events through the real risk topology (in this process) with candidate rules;",
        "per rule: payments it would flag, overlap with the rules in force, how decisions change, and",
        "precision/recall against labels. History: a JSON-lines file, or the ledger topics of the running",
        "stack between two instants (--from 2026-11-25T10:00:00Z..2026-11-25T12:00:00Z, read_committed).",
        "Deterministic: the same files / topic contents give the same report."
      })
  static final class Backtest implements Callable<Integer> {
    private static final int BAR_WIDTH = 24;

    @CommandLine.Mixin SettleflowCli.RunDirOption run = new SettleflowCli.RunDirOption();

    @CommandLine.Option(
        names = "--rules",
        required = true,
        paramLabel = "FILE",
        description = "Candidate rules file (as for publish).")
    Path rules;

    @CommandLine.Option(
        names = "--from",
        required = true,
        paramLabel = "FILE|FROM..TO",
        description = {
          "Payment events, one JSON object per line (see streams-risk/README.md), or a time range",
          "FROM..TO (ISO-8601 instants, record time, end excluded) of the stack's payments.* topics."
        })
    String from;

    @CommandLine.Option(
        names = "--current",
        paramLabel = "FILE",
        description = {
          "The rules in force to compare with (default: for a file, the engine's built-in defaults;",
          "for a time range, the rules on risk.rules, or the defaults when it holds none)."
        })
    Path current;

    @CommandLine.Option(
        names = "--labels",
        paramLabel = "FILE",
        description = "Payment ids known to be fraud (chargebacks), one per line.")
    Path labels;

    @Override
    public Integer call() throws Exception {
      List<RuleFile.Entry> candidates = readFile(rules);
      if (!report(candidates)) {
        System.out.println("no backtest: fix the invalid rules first");
        return 1;
      }
      boolean fromTopics =
          LedgerTopicHistory.TimeRange.looksLikeRange(from) && !Files.exists(Path.of(from));
      LedgerTopicHistory.TimeRange range = null;
      if (fromTopics) {
        try {
          range = LedgerTopicHistory.TimeRange.parse(from);
        } catch (IllegalArgumentException e) {
          System.out.println(e.getMessage());
          System.out.println("no backtest: fix --from first");
          return 1;
        }
      }
      Map<String, byte[]> inForce = new TreeMap<>();
      if (current != null) {
        List<RuleFile.Entry> entries = readFile(current);
        if (!entries.stream().allMatch(RuleFile.Entry::valid)) {
          report(entries);
          System.out.println("no backtest: the --current rules are invalid");
          return 1;
        }
        entries.forEach(e -> inForce.put(e.key(), e.document()));
      }
      List<PaymentEvent> events;
      if (fromTopics) {
        StackEndpoints stack = StackEndpoints.read(run.resolve());
        if (current == null) {
          latestDocuments(stack.kafkaBootstrap())
              .forEach(
                  (key, doc) -> {
                    if (RiskRuleValidator.validate(key, doc).isValid()) {
                      inForce.put(key, doc);
                    }
                  });
          System.out.println(
              inForce.isEmpty()
                  ? "rules in force: the built-in defaults (risk.rules holds no valid rule)"
                  : "rules in force: " + inForce.size() + " valid rule(s) on " + Topics.RISK_RULES);
        }
        LedgerTopicHistory.History history =
            LedgerTopicHistory.read(
                stack.kafkaBootstrap(),
                new ConfluentWireFormat(new ConfluentRegistryClient(stack.registryUrl())),
                range,
                (done, total) ->
                    System.err.printf(
                        Locale.ROOT,
                        "\r%s reading payments.*: %d/%d records%s",
                        BacktestReport.bar(done, total, BAR_WIDTH),
                        done,
                        total,
                        done == total ? System.lineSeparator() : ""));
        events = history.events();
        System.out.printf(
            Locale.ROOT,
            "history: %d events from %d records in [%s, %s) of %s%n",
            events.size(),
            history.records(),
            range.from(),
            range.to(),
            String.join(", ", Topics.LEDGER_EVENTS));
        history
            .skipped()
            .forEach(
                (reason, n) -> System.out.printf(Locale.ROOT, "  skipped %d: %s%n", n, reason));
        history
            .offsets()
            .forEach(
                (partition, span) ->
                    System.out.printf(
                        Locale.ROOT,
                        "  %-28s offsets [%d, %d)%n",
                        partition,
                        span.first(),
                        span.end()));
      } else {
        try (var in = Files.newBufferedReader(Path.of(from), StandardCharsets.UTF_8)) {
          events = PaymentEventLines.read(in);
        }
      }
      Map<String, byte[]> candidateDocs = new TreeMap<>();
      candidates.forEach(e -> candidateDocs.put(e.key(), e.document()));
      Set<String> chargebacks = Set.of();
      if (labels != null) {
        try (var in = Files.newBufferedReader(labels, StandardCharsets.UTF_8)) {
          chargebacks = PaymentEventLines.readLabels(in);
        }
      }
      RiskBacktest.Result result =
          RiskBacktest.run(
              events,
              candidateDocs,
              inForce,
              RiskConfig.defaults(),
              chargebacks,
              (pass, done, total) ->
                  System.err.printf(
                      Locale.ROOT,
                      "\r%s pass %d/2 (%s): %d/%d events (%d%%)%s",
                      BacktestReport.bar(done, total, BAR_WIDTH),
                      pass,
                      pass == 1 ? "rules in force" : "candidate rules",
                      done,
                      total,
                      total == 0 ? 100 : done * 100 / total,
                      done == total ? System.lineSeparator() : ""));
      BacktestReport.lines(result).forEach(System.out::println);
      return 0;
    }
  }

  /** The latest document per rule id on risk.rules (tombstoned ids left out). */
  static Map<String, byte[]> latestDocuments(String bootstrap) {
    Map<String, byte[]> latest = new TreeMap<>();
    for (ConsumerRecord<String, byte[]> r : TopicContents.readAll(bootstrap, Topics.RISK_RULES)) {
      if (r.value() == null) {
        latest.remove(r.key());
      } else {
        latest.put(r.key(), r.value());
      }
    }
    return latest;
  }

  private static KafkaProducer<String, byte[]> producer(String bootstrap) {
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrap,
            ProducerConfig.ACKS_CONFIG,
            "all",
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
            "true"),
        new StringSerializer(),
        new ByteArraySerializer());
  }
}
