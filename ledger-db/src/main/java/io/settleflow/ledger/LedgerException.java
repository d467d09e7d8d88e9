package io.settleflow.ledger;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

/** The ledger could not do what was asked; the cause says why. */
public final class LedgerException extends RuntimeException {
  public LedgerException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * Whether the database itself was unreachable or going away (connection failure, pool timeout,
   * shutdown or crash recovery), as opposed to a statement that failed: the former is worth a retry
   * after a moment (503), the latter is a bug (500).
   */
  public boolean databaseUnavailable() {
    for (Throwable t = getCause(); t != null; t = t.getCause()) {
      if (t instanceof SQLTransientConnectionException) {
        return true;
      }
      if (t instanceof SQLException sql && sql.getSQLState() != null) {
        String state = sql.getSQLState();
        // 08: connection exception; 57P01-57P03: admin shutdown, crash shutdown, cannot connect now
        if (state.startsWith("08") || state.startsWith("57P")) {
          return true;
        }
      }
    }
    return false;
  }
}
