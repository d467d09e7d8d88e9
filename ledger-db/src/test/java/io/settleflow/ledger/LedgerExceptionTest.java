package io.settleflow.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LedgerExceptionTest {
  @ParameterizedTest(name = "SQLState {0} -> unavailable={1}")
  @CsvSource({
    "08001, true", // cannot establish connection
    "08006, true", // connection failure
    "57P01, true", // admin shutdown
    "57P03, true", // cannot connect now (starting up / recovering)
    "23505, false", // unique violation: a bug or a race, not an outage
    "23514, false", // check violation (unbalanced transaction)
    "42501, false", // insufficient privilege (RLS)
  })
  void onlyConnectionAndShutdownStatesMeanTheDatabaseIsUnavailable(
      String state, boolean unavailable) {
    LedgerException e =
        new LedgerException("x", new RuntimeException(new SQLException("boom", state)));
    assertThat(e.databaseUnavailable()).isEqualTo(unavailable);
  }

  @Test
  void aPoolTimeoutMeansUnavailable() {
    assertThat(
            new LedgerException("x", new SQLTransientConnectionException("pool timeout"))
                .databaseUnavailable())
        .isTrue();
    assertThat(new LedgerException("x", new IllegalStateException("no sql")).databaseUnavailable())
        .isFalse();
  }
}
