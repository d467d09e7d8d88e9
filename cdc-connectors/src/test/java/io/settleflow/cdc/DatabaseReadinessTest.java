package io.settleflow.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.settleflow.cdc.DatabaseReadiness.Facts;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DatabaseReadinessTest {
  private static final String PUBLICATION = "settleflow_outbox";
  private static final String TABLE = "ledger.outbox";

  // facts read from the database -> the sentences that stop startup (empty: ready)
  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("ready", new Facts("logical", true, Set.of(TABLE)), List.of()),
        Arguments.of(
            "replica WAL",
            new Facts("replica", true, Set.of(TABLE)),
            List.of(
                "PostgreSQL wal_level is 'replica' but CDC needs 'logical' (set wal_level = logical and restart PostgreSQL)")),
        Arguments.of(
            "no publication",
            new Facts("logical", false, Set.of()),
            List.of(
                "publication 'settleflow_outbox' does not exist (it is created by the ledger-db migration; run it first)")),
        Arguments.of(
            "publication without the outbox",
            new Facts("logical", true, Set.of("ledger.payments")),
            List.of(
                "publication 'settleflow_outbox' does not include ledger.outbox (it has [ledger.payments])")),
        Arguments.of(
            "both wrong",
            new Facts("minimal", false, Set.of()),
            List.of(
                "PostgreSQL wal_level is 'minimal' but CDC needs 'logical' (set wal_level = logical and restart PostgreSQL)",
                "publication 'settleflow_outbox' does not exist (it is created by the ledger-db migration; run it first)")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void startupProblemsAreNamedInFullSentences(String name, Facts facts, List<String> expected) {
    assertThat(DatabaseReadiness.problems(facts, PUBLICATION, TABLE)).isEqualTo(expected);
  }
}
