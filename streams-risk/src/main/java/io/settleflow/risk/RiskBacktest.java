package io.settleflow.risk;

import io.settleflow.avro.PaymentEvent;
import io.settleflow.avro.RiskDecision;
import io.settleflow.avro.RiskOutcome;
import io.settleflow.schemas.AvroSerde;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * Replays recorded payment events through the real risk topology (the same {@link RiskTopology} the
 * service runs, in a TopologyTestDriver inside this process), once with the rules in force and once
 * with candidate rules, and compares what each rule flags. No copy of the scoring logic exists, so
 * a backtest can never disagree with production about a feature or a rule.
 *
 * <p>Deterministic: events are replayed in the given order, time is their occurred_at, schema ids
 * are local, and the result is sorted; the same input always gives the same result.
 */
public final class RiskBacktest {
  /** Progress is reported every this many events (and at the end). */
  public static final int PROGRESS_EVERY = 1_000;

  private static final String APPLICATION_ID = "settleflow-risk-backtest";

  /** Told how far the replay is: {@code done} of {@code total} events of one pass (pass 1 or 2). */
  public interface Progress {
    Progress NONE = (pass, done, total) -> {};

    void replayed(int pass, long done, long total);
  }

  /** What one candidate rule would have done. */
  public record RuleResult(
      String versionTag,
      RuleStatus status,
      long flagged,
      long overlapWithCurrent,
      Quality quality) {}

  /**
   * Precision and recall against the labelled payments; null fields when undefined (nothing flagged
   * / no labels).
   */
  public record Quality(long truePositives, Double precision, Double recall) {}

  /**
   * @param payments authorizations decided
   * @param rules per candidate rule id (sorted)
   * @param candidateFlagged payments the candidate rules would not approve
   * @param currentFlagged payments the rules in force did not approve
   * @param overlap payments both flag
   * @param labelled labelled (charged-back) payments among the decided ones; 0 without labels
   * @param outcomeChanges payments whose outcome differs between the rules in force and the
   *     candidates, by {@code "APPROVE -> REVIEW"} (sorted)
   */
  public record Result(
      long payments,
      Map<String, RuleResult> rules,
      long candidateFlagged,
      long currentFlagged,
      long overlap,
      long labelled,
      Quality candidate,
      Quality current,
      Map<String, Long> outcomeChanges) {}

  private RiskBacktest() {}

  /**
   * @param events payment events in replay order (AUTHORIZED are decided; the others feed features)
   * @param candidateRules rule documents by id, as they would be published on risk.rules
   * @param currentRules the rules in force by id; empty = the built-in defaults of {@code config}
   * @param chargebacks payment ids known to be fraud; empty when there are no labels
   */
  public static Result run(
      List<PaymentEvent> events,
      Map<String, byte[]> candidateRules,
      Map<String, byte[]> currentRules,
      RiskConfig config,
      Set<String> chargebacks,
      Progress progress) {
    Map<String, RiskDecision> current = replay(1, events, currentRules, config, progress);
    Map<String, RiskDecision> candidate = replay(2, events, candidateRules, config, progress);
    Set<String> labelled = new HashSet<>(chargebacks);
    labelled.retainAll(candidate.keySet());

    Set<String> currentFlagged = flagged(current);
    Set<String> candidateFlagged = flagged(candidate);
    Map<String, Set<String>> firedByRule = new TreeMap<>();
    Map<String, RiskRule> rules = new TreeMap<>();
    for (Map.Entry<String, byte[]> doc : new TreeMap<>(candidateRules).entrySet()) {
      RiskRuleValidator.validate(doc.getKey(), doc.getValue())
          .rule()
          .ifPresent(
              r -> {
                rules.put(r.id(), r);
                firedByRule.put(r.id(), new HashSet<>());
              });
    }
    for (RiskDecision d : candidate.values()) {
      Stream.concat(d.getReasons().stream(), d.getShadowReasons().stream())
          .map(reason -> reason.substring(0, reason.indexOf('@')))
          .filter(firedByRule::containsKey)
          .forEach(id -> firedByRule.get(id).add(d.getPaymentId()));
    }
    Map<String, RuleResult> perRule = new LinkedHashMap<>();
    for (Map.Entry<String, Set<String>> e : firedByRule.entrySet()) {
      RiskRule r = rules.get(e.getKey());
      perRule.put(
          e.getKey(),
          new RuleResult(
              r.versionTag(),
              r.status(),
              e.getValue().size(),
              intersection(e.getValue(), currentFlagged),
              quality(e.getValue(), labelled)));
    }
    return new Result(
        candidate.size(),
        perRule,
        candidateFlagged.size(),
        currentFlagged.size(),
        intersection(candidateFlagged, currentFlagged),
        labelled.size(),
        quality(candidateFlagged, labelled),
        quality(currentFlagged, labelled),
        outcomeChanges(current, candidate));
  }

  private static Map<String, Long> outcomeChanges(
      Map<String, RiskDecision> current, Map<String, RiskDecision> candidate) {
    Map<String, Long> changes = new TreeMap<>();
    candidate.forEach(
        (paymentId, d) -> {
          RiskDecision before = current.get(paymentId);
          if (before != null && before.getOutcome() != d.getOutcome()) {
            changes.merge(before.getOutcome() + " -> " + d.getOutcome(), 1L, Long::sum);
          }
        });
    return changes;
  }

  private static Quality quality(Set<String> flagged, Set<String> labelled) {
    long tp = intersection(flagged, labelled);
    return new Quality(
        tp,
        flagged.isEmpty() || labelled.isEmpty() ? null : (double) tp / flagged.size(),
        labelled.isEmpty() ? null : (double) tp / labelled.size());
  }

  private static long intersection(Set<String> a, Set<String> b) {
    return a.stream().filter(b::contains).count();
  }

  private static Set<String> flagged(Map<String, RiskDecision> decisions) {
    Set<String> out = new HashSet<>();
    decisions.forEach(
        (paymentId, d) -> {
          if (d.getOutcome() != RiskOutcome.APPROVE) {
            out.add(paymentId);
          }
        });
    return out;
  }

  /** The decision per payment id (the last one if a payment was authorized twice). */
  private static Map<String, RiskDecision> replay(
      int pass,
      List<PaymentEvent> events,
      Map<String, byte[]> rules,
      RiskConfig config,
      Progress progress) {
    LocalSchemaRegistry registry = new LocalSchemaRegistry();
    ConfluentWireFormat wire = new ConfluentWireFormat(registry);
    Path stateDir;
    try {
      stateDir = Files.createTempDirectory("risk-backtest-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, RiskDecision> decisions = new HashMap<>();
    try (TopologyTestDriver driver =
        new TopologyTestDriver(
            RiskTopology.build(config, registry, 1), // a TopologyTestDriver: one partition
            RiskStreamsConfig.properties(APPLICATION_ID, "backtest:9092", stateDir, 1, config))) {
      TestInputTopic<String, byte[]> rulesTopic =
          driver.createInputTopic(
              Topics.RISK_RULES, new StringSerializer(), new ByteArraySerializer());
      new TreeMap<>(rules).forEach(rulesTopic::pipeInput);
      Map<String, TestInputTopic<String, byte[]>> inputs = new HashMap<>();
      for (String topic : Topics.LEDGER_EVENTS) {
        inputs.put(
            topic,
            driver.createInputTopic(topic, new StringSerializer(), new ByteArraySerializer()));
      }
      TestOutputTopic<String, RiskDecision> out =
          driver.createOutputTopic(
              Topics.RISK_DECISIONS,
              new StringDeserializer(),
              new AvroSerde<>(registry, RiskDecision.class).deserializer());
      long done = 0;
      for (PaymentEvent e : events) {
        String topic = topicOf(e);
        inputs
            .get(topic)
            .pipeInput(
                new TestRecord<>(
                    e.getPaymentId(),
                    wire.encode(topic, e),
                    new RecordHeaders(),
                    e.getOccurredAt()));
        done++;
        if (done % PROGRESS_EVERY == 0) {
          drain(out, decisions);
          progress.replayed(pass, done, events.size());
        }
      }
      drain(out, decisions);
      progress.replayed(pass, done, events.size());
    } finally {
      deleteRecursively(stateDir);
    }
    return decisions;
  }

  static String topicOf(PaymentEvent e) {
    return switch (e.getEventType()) {
      case AUTHORIZED -> Topics.PAYMENTS_AUTHORIZED;
      case CAPTURED -> Topics.PAYMENTS_CAPTURED;
      case REFUNDED -> Topics.PAYMENTS_REFUNDED;
      case CANCELLED -> Topics.PAYMENTS_CANCELLED;
    };
  }

  private static void drain(
      TestOutputTopic<String, RiskDecision> out, Map<String, RiskDecision> decisions) {
    for (RiskDecision d : out.readValuesToList()) {
      decisions.put(d.getPaymentId(), d);
    }
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> all = Files.walk(dir)) {
      List<Path> paths = new ArrayList<>(all.toList());
      paths.sort(Comparator.reverseOrder());
      for (Path p : paths) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete backtest state " + dir, e);
    }
  }
}
