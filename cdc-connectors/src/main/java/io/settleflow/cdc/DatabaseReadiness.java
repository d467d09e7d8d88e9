package io.settleflow.cdc;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What the database must offer before the relay starts, so a misconfigured database fails at
 * startup with a sentence instead of deep inside Debezium. Pure: facts in, problems out.
 */
public final class DatabaseReadiness {
  private DatabaseReadiness() {}

  /**
   * What was read from the database.
   *
   * @param publishedTables {@code schema.table} of every table in the publication (empty if none)
   */
  public record Facts(String walLevel, boolean publicationExists, Set<String> publishedTables) {}

  /** Every problem found, each a full sentence; empty when the relay can start. */
  public static List<String> problems(Facts facts, String publication, String table) {
    List<String> problems = new ArrayList<>();
    if (!"logical".equals(facts.walLevel())) {
      problems.add(
          "PostgreSQL wal_level is '"
              + facts.walLevel()
              + "' but CDC needs 'logical' (set wal_level = logical and restart PostgreSQL)");
    }
    if (!facts.publicationExists()) {
      problems.add(
          "publication '"
              + publication
              + "' does not exist (it is created by the ledger-db migration; run it first)");
    } else if (!facts.publishedTables().contains(table)) {
      problems.add(
          "publication '"
              + publication
              + "' does not include "
              + table
              + " (it has "
              + facts.publishedTables()
              + ")");
    }
    return problems;
  }
}
