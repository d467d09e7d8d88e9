package io.settleflow.checker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/** Reads the three inputs and runs the checks. */
public final class ConservationCheckService {
  private ConservationCheckService() {}

  public static ConservationReport run(CheckerSettings settings) {
    List<Observation> observations = readObservations(settings);
    LedgerSnapshot ledger =
        LedgerSource.read(settings.jdbcUrl(), settings.dbUser(), settings.dbPassword());
    TopicSnapshot topics =
        new KafkaTopicReader(settings.bootstrap(), settings.registryUrl()).read(settings.topics());
    return ConservationChecker.check(
        observations, ledger, topics, settings.topics().decidedEventType());
  }

  static List<Observation> readObservations(CheckerSettings settings) {
    List<String> lines;
    try {
      lines = Files.readAllLines(settings.observations());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read observations " + settings.observations() + ": " + e.getMessage(), e);
    }
    List<Observation> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      if (!lines.get(i).isBlank()) {
        out.add(Observation.parse(lines.get(i), i + 1));
      }
    }
    return out;
  }
}
