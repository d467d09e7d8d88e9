package io.settleflow.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.debezium.connector.postgresql.PostgresConnector;
import io.settleflow.ledger.LedgerTestDatabase;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The connector file against a real PostgreSQL: Connect's validation call and the startup checks.
 */
@Tag("integration")
class ConnectorValidationIT {
  private static final String LEDGER = LedgerTestDatabase.DATABASE;
  private static final String EMPTY = "no_ledger";

  @TempDir static Path dir;
  static LedgerTestDatabase ledger;

  @BeforeAll
  static void startPostgres() {
    ledger = LedgerTestDatabase.start(dir);
    ledger.server().createDatabaseIfMissing(EMPTY);
  }

  @AfterAll
  static void stopPostgres() {
    if (ledger != null) {
      ledger.close();
    }
  }

  @Test
  void connectorFileValidatesCleanlyAsKafkaConnectsRestApiWouldCheckIt() {
    Map<String, String> config = resolved(LEDGER).config();

    // What POST /connectors and PUT /connector-plugins/.../config/validate run for this connector.
    Config result = new PostgresConnector().validate(config);

    Map<String, List<String>> errors =
        result.configValues().stream()
            .filter(v -> !v.errorMessages().isEmpty())
            .collect(Collectors.toMap(ConfigValue::name, ConfigValue::errorMessages));
    assertThat(errors).isEmpty();
    assertThat(result.configValues())
        .extracting(ConfigValue::name)
        .contains("plugin.name", "publication.name", "slot.name", "database.hostname");
  }

  @Test
  void unreachableDatabaseIsReportedByTheSameValidation() {
    Map<String, String> config = new java.util.HashMap<>(resolved(LEDGER).config());
    config.put("database.port", Integer.toString(io.settleflow.embedded.Ports.free()));

    Config result = new PostgresConnector().validate(config);

    assertThat(result.configValues()).anyMatch(v -> !v.errorMessages().isEmpty());
  }

  @Test
  void migratedLedgerPassesTheStartupChecks() {
    assertThat(DatabaseReadinessCheck.problems(resolved(LEDGER))).isEmpty();
  }

  @Test
  void databaseWithoutThePublicationFailsTheStartupCheckNamingIt() {
    assertThat(DatabaseReadinessCheck.problems(resolved(EMPTY)))
        .containsExactly(
            "publication 'settleflow_outbox' does not exist (it is created by the ledger-db migration; run it first)");
  }

  private static OutboxConnectorConfig.ConnectorDefinition resolved(String database) {
    return OutboxConnectorConfig.resolve(
        OutboxConnectorConfig.loadDefault(),
        CdcTestStack.replicationEnv(ledger.server(), database));
  }
}
