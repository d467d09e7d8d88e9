package io.settleflow.checker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code java -jar conservation-checker.jar --jdbc-url … --bootstrap … --registry … --observations
 * …}
 */
@Command(
    name = "conservation-checker",
    mixinStandardHelpOptions = true,
    description =
        "Proves after a run that no payment, event, decision or settlement outcome was lost or"
            + " duplicated; prints each check and ends with one RESULT line. Exit 0 when conserved.")
public final class ConservationCheckerCli implements Callable<Integer> {
  @Option(names = "--jdbc-url", required = true, description = "the ledger database")
  String jdbcUrl;

  @Option(names = "--db-user", required = true, description = "a role that sees every merchant")
  String dbUser;

  @Option(names = "--db-password-file", description = "file holding the role's password")
  Path dbPasswordFile;

  @Option(names = "--bootstrap", required = true, description = "Kafka bootstrap servers")
  String bootstrap;

  @Option(names = "--registry", required = true, description = "schema registry Confluent API root")
  String registry;

  @Option(names = "--observations", required = true, description = "the load generator's log")
  Path observations;

  @Option(
      names = "--ledger-topics",
      split = ",",
      description = "topics of ledger events (default: ${DEFAULT-VALUE})",
      defaultValue = "payments.authorized,payments.captured,payments.refunded,payments.cancelled")
  List<String> ledgerTopics;

  @Option(names = "--decisions-topic", defaultValue = "risk.decisions")
  String decisionsTopic;

  @Option(names = "--matches-topic", defaultValue = "recon.matches")
  String matchesTopic;

  @Option(names = "--alerts-topic", defaultValue = "recon.mismatches")
  String alertsTopic;

  @Option(names = "--decided-event-type", defaultValue = "AUTHORIZED")
  String decidedEventType;

  @Override
  public Integer call() throws IOException {
    String password =
        dbPasswordFile == null
            ? null
            : Files.readString(dbPasswordFile, StandardCharsets.UTF_8).strip();
    CheckerSettings settings =
        new CheckerSettings(
            jdbcUrl,
            dbUser,
            password,
            bootstrap,
            registry,
            observations,
            new CheckerSettings.TopicNames(
                ledgerTopics, decisionsTopic, matchesTopic, alertsTopic, decidedEventType));
    ConservationReport report = ConservationCheckService.run(settings);
    System.out.print(report.render());
    System.out.printf(
        "RESULT check conserved=%s lost=%d duplicated=%d%n",
        report.conserved(), report.lost(), report.duplicated());
    return report.conserved() ? 0 : 1;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new ConservationCheckerCli()).execute(args));
  }
}
