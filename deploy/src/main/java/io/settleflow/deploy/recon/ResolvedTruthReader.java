package io.settleflow.deploy.recon;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Reads resolved alerts for {@link ResolvedTruth} over JDBC: from {@code ledger.reconciliation}
 * (alerts a RESOLVED finding closed, with that finding's rule) and from the finance console's
 * {@code finance.alerts} (resolved alerts, with the actor of the last audit row that resolved
 * them). Read-only, in one repeatable-read snapshot; the console role {@code settleflow_console}
 * may read both.
 */
public final class ResolvedTruthReader {
  /** Rows read per table at most; more is refused rather than held in memory. */
  public static final int MAX_ROWS = 1_000_000;

  static final String RECONCILIATION_SQL =
      "SELECT a.id, a.kind, a.payment_id, a.settlement_id,"
          + " r.rule || coalesce('@' || r.rule_version, '')"
          + " FROM ledger.reconciliation a LEFT JOIN ledger.reconciliation r ON r.id = a.resolved_by"
          + " WHERE a.status = 'RESOLVED' AND a.kind NOT IN ('MATCH', 'RESOLVED')"
          + " ORDER BY a.id LIMIT ?";

  static final String CONSOLE_SQL =
      "SELECT f.alert_id, f.kind, f.payment_id, f.settlement_id,"
          + " (SELECT au.actor FROM finance.alert_audit au WHERE au.alert_id = f.alert_id"
          + " AND au.action = 'RESOLVE' ORDER BY au.audit_id DESC LIMIT 1)"
          + " FROM finance.alerts f WHERE f.status = 'RESOLVED' ORDER BY f.alert_id LIMIT ?";

  private ResolvedTruthReader() {}

  public static List<ResolvedTruth.Resolved> read(DataSource db) throws SQLException {
    try (Connection c = db.getConnection()) {
      c.setReadOnly(true);
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      try {
        List<ResolvedTruth.Resolved> rows = new ArrayList<>();
        rows.addAll(
            query(
                c,
                RECONCILIATION_SQL,
                ResolvedTruth.Source.RECONCILIATION,
                "ledger.reconciliation"));
        rows.addAll(query(c, CONSOLE_SQL, ResolvedTruth.Source.CONSOLE, "finance.alerts"));
        return rows;
      } finally {
        c.rollback();
      }
    }
  }

  private static List<ResolvedTruth.Resolved> query(
      Connection c, String sql, ResolvedTruth.Source source, String table) throws SQLException {
    List<ResolvedTruth.Resolved> rows = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setInt(1, MAX_ROWS + 1);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          if (rows.size() == MAX_ROWS) {
            throw new IllegalStateException(
                table + ": more than " + MAX_ROWS + " resolved alerts; give --labels instead");
          }
          rows.add(
              new ResolvedTruth.Resolved(
                  source,
                  rs.getString(1),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getString(5)));
        }
      }
    }
    return rows;
  }
}
