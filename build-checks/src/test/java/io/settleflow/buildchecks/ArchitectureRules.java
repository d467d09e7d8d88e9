package io.settleflow.buildchecks;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.lang.ArchRule;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.FileReader;
import java.io.FileWriter;
import java.io.RandomAccessFile;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What STYLE.md's three layers mean in code, as ArchUnit rules.
 *
 * <p><b>Pure logic</b> is every class in a stage or ledger package that is not wiring. Pure is the
 * default: a new class is held to it unless its name says it is wiring (see {@link #WIRING_NAMES}).
 * Adding a wiring suffix is a design decision; say why in the commit.
 */
final class ArchitectureRules {

  /** Packages whose classes are pure logic unless named as wiring. */
  static final List<String> LOGIC_PACKAGES =
      List.of(
          "io.settleflow.ledger",
          "io.settleflow.ingest",
          "io.settleflow.cdc",
          "io.settleflow.risk",
          "io.settleflow.feeds",
          "io.settleflow.reconcile",
          "io.settleflow.console",
          "io.settleflow.checker");

  /** The stream stages: none may use another's code (they meet only on topics). */
  static final List<String> STAGES =
      List.of(
          "io.settleflow.ingest",
          "io.settleflow.cdc",
          "io.settleflow.risk",
          "io.settleflow.feeds",
          "io.settleflow.reconcile");

  /**
   * Simple-name patterns of wiring classes: entry points, adapters to Kafka/Flink/HTTP/JDBC, and
   * metrics. Nested classes count as wiring when their outermost class does.
   */
  static final Pattern WIRING_NAMES =
      Pattern.compile(
          "Kafka.*|.*(Main|Cli|Command|Topology|Job|Api|Server|Importer|Relay|Publisher|Pruner|Metrics"
              + "|MetricsReporter|Sink|Source|Function|Serde|Decoder|Config|Readiness|ReadinessCheck"
              + "|Ledger|Admin|Schema|Counters|Stamp|Store|Processor|Transformer|Connector|Service"
              + "|Kafka|Settings|Producers|Serializer|Deserializer|Checkpoints|Maintenance"
              + "|Limiter)");

  /** Wiring whose name does not say so, each with its reason. Prefer renaming over growing this. */
  static final Map<String, String> WIRING_CLASSES =
      Map.ofEntries(
          Map.entry(
              "io.settleflow.reconcile.PaymentSettlementMatcher",
              "the Flink KeyedCoProcessFunction around SettlementMatchRules (state, timers)"),
          Map.entry(
              "io.settleflow.risk.MerchantWindowScorer",
              "the Kafka Streams processor around RiskScorer (window store, punctuation)"),
          Map.entry(
              "io.settleflow.ledger.LedgerException",
              "ledger-db's JDBC boundary: maps SQLState to the API's 503"),
          Map.entry(
              "io.settleflow.risk.RiskBacktest",
              "runs the real topology in a TopologyTestDriver over recorded events"),
          Map.entry(
              "io.settleflow.risk.ActivityBucket", "a store value with its Kafka serde beside it"),
          Map.entry(
              "io.settleflow.risk.MerchantEvent",
              "a repartition value with its Kafka serde beside it"),
          Map.entry("io.settleflow.feeds.ProgressBar", "draws on a terminal at a wall-clock pace"),
          Map.entry(
              "io.settleflow.ingest.InFlightRequests",
              "graceful shutdown: waits for in-flight requests on the wall clock"));

  /** Libraries and APIs that mean I/O, a framework or a clock. */
  private static final String[] FORBIDDEN_IN_PURE_LOGIC = {
    "org.apache.kafka..",
    "org.apache.flink..",
    "io.debezium..",
    "io.javalin..",
    "jakarta.servlet..",
    "org.eclipse.jetty..",
    "java.sql..",
    "javax.sql..",
    "org.postgresql..",
    "com.zaxxer..",
    "org.flywaydb..",
    "io.micrometer..",
    // tracing: pure logic carries a traceparent as a String; spans are made in wiring
    "io.opentelemetry..",
    "java.net..",
    "java.nio.file..",
    "java.nio.channels..",
    "org.slf4j..",
    "io.settleflow.runtime..",
    "io.settleflow.embedded..",
  };

  private ArchitectureRules() {}

  static boolean isWiring(String className) {
    String outer =
        className.contains("$") ? className.substring(0, className.indexOf('$')) : className;
    String simple = outer.substring(outer.lastIndexOf('.') + 1);
    return WIRING_NAMES.matcher(simple).matches() || WIRING_CLASSES.containsKey(outer);
  }

  static final DescribedPredicate<JavaClass> PURE_LOGIC =
      DescribedPredicate.describe(
          "are pure logic (in a stage or ledger package, not named as wiring)",
          c ->
              LOGIC_PACKAGES.stream().anyMatch(p -> c.getPackageName().equals(p))
                  && !isWiring(c.getName()));

  private static final DescribedPredicate<JavaClass> WIRING_OR_INFRASTRUCTURE =
      DescribedPredicate.describe(
          "are entry points or wiring (named *Main/*Cli, ServiceConfig, the launcher, the embedded stack)",
          c ->
              c.getName().startsWith("io.settleflow.deploy")
                  || c.getName().startsWith("io.settleflow.embedded")
                  || c.getName().equals("io.settleflow.runtime.ServiceConfig")
                  || isEntryPoint(c));

  private static boolean isEntryPoint(JavaClass c) {
    String outer =
        c.getName().contains("$")
            ? c.getName().substring(0, c.getName().indexOf('$'))
            : c.getName();
    return outer.endsWith("Main") || outer.endsWith("Cli");
  }

  static ArchRule pureLogicStaysPure() {
    return noClasses()
        .that(PURE_LOGIC)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(FORBIDDEN_IN_PURE_LOGIC)
        .orShould()
        .dependOnClassesThat()
        .belongToAnyOf(
            Clock.class,
            File.class,
            FileInputStream.class,
            FileOutputStream.class,
            FileReader.class,
            FileWriter.class,
            RandomAccessFile.class)
        .because("pure logic is tested in milliseconds with tables of cases (STYLE.md)");
  }

  static ArchRule pureLogicNeverReadsTheTime() {
    return noClasses()
        .that(PURE_LOGIC)
        .should()
        .callMethod(System.class, "currentTimeMillis")
        .orShould()
        .callMethod(System.class, "nanoTime")
        .orShould()
        .callMethod(Instant.class, "now")
        .orShould()
        .callMethod(LocalDate.class, "now")
        .orShould()
        .callMethod(LocalDateTime.class, "now")
        .orShould()
        .callMethod(OffsetDateTime.class, "now")
        .orShould()
        .callMethod(ZonedDateTime.class, "now")
        .orShould()
        .callMethod(Thread.class, "sleep", long.class)
        .because("time is an input: wiring passes a Clock's instant in, tests pass fixed ones");
  }

  static List<ArchRule> stagesDoNotDependOnEachOther() {
    List<ArchRule> rules = new ArrayList<>();
    for (String from : STAGES) {
      for (String to : STAGES) {
        if (!from.equals(to)) {
          rules.add(
              noClasses()
                  .that()
                  .resideInAPackage(from + "..")
                  .should()
                  .dependOnClassesThat()
                  .resideInAPackage(to + "..")
                  .because("stages meet only on Kafka topics, through schemas/"));
        }
      }
    }
    return rules;
  }

  static ArchRule onlyWiringReadsConfiguration() {
    return noClasses()
        .that(DescribedPredicate.not(WIRING_OR_INFRASTRUCTURE))
        .should()
        .callMethod(System.class, "getenv", String.class)
        .orShould()
        .callMethod(System.class, "getenv")
        .orShould()
        .callMethod(System.class, "getProperty", String.class)
        .orShould()
        .callMethod(System.class, "getProperty", String.class, String.class)
        .orShould()
        .callMethod(System.class, "getProperties")
        .orShould()
        .callMethod(Integer.class, "getInteger", String.class)
        .orShould()
        .callMethod(Long.class, "getLong", String.class)
        .orShould()
        .callMethod(Boolean.class, "getBoolean", String.class)
        .because("configuration is read once, typed and validated, by the main class (STYLE.md)");
  }

  /**
   * The conservation checker proves the pipeline right only if it shares no code with it: no
   * settleflow class outside its own package (topic names are its configuration, payloads are
   * decoded generically).
   */
  static ArchRule checkerIsIndependent() {
    return noClasses()
        .that()
        .resideInAPackage("io.settleflow.checker..")
        .should()
        .dependOnClassesThat(
            DescribedPredicate.describe(
                "are settleflow classes outside io.settleflow.checker",
                (JavaClass c) ->
                    c.getPackageName().startsWith("io.settleflow.")
                        && !c.getPackageName().startsWith("io.settleflow.checker")))
        .because("a checker that shares code with what it checks shares its bugs (issue 10)");
  }

  static ArchRule onlyEntryPointsExit() {
    return noClasses()
        .that(
            DescribedPredicate.describe(
                "are not entry points (*Main, *Cli)", (JavaClass c) -> !isEntryPoint(c)))
        .should()
        .callMethod(System.class, "exit", int.class)
        .orShould()
        .callMethod(Runtime.class, "halt", int.class)
        .orShould()
        .callMethod(Runtime.class, "exit", int.class)
        .because(
            "only a process's launcher decides when it ends; everything else returns or throws");
  }
}
