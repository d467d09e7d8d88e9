package io.settleflow.checker;

import java.nio.file.Path;
import java.util.List;

/**
 * Where the checker reads from. Topic names are configuration (defaults: the settleflow topics), so
 * the checker needs no settleflow module.
 */
public record CheckerSettings(
    String jdbcUrl,
    String dbUser,
    String dbPassword,
    String bootstrap,
    String registryUrl,
    Path observations,
    TopicNames topics) {

  /** The topics read, and the event type the risk engine decides. */
  public record TopicNames(
      List<String> ledgerEvents,
      String decisions,
      String matches,
      String alerts,
      String decidedEventType) {
    public static TopicNames defaults() {
      return new TopicNames(
          List.of(
              "payments.authorized",
              "payments.captured",
              "payments.refunded",
              "payments.cancelled"),
          "risk.decisions",
          "recon.matches",
          "recon.mismatches",
          "AUTHORIZED");
    }
  }
}
