package io.settleflow.checker;

import io.settleflow.checker.LedgerSnapshot.IdempotencyRow;
import io.settleflow.checker.LedgerSnapshot.PaymentRow;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the ledger with plain JDBC in one repeatable-read transaction (one consistent snapshot).
 * Needs a role that sees every merchant's rows (a superuser or one with BYPASSRLS).
 */
public final class LedgerSource {
  private LedgerSource() {}

  public static LedgerSnapshot read(String jdbcUrl, String user, String password) {
    try (Connection c = DriverManager.getConnection(jdbcUrl, user, password)) {
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      c.setReadOnly(true);
      try (Statement s = c.createStatement()) {
        s.setFetchSize(10_000);
        List<PaymentRow> payments = new ArrayList<>();
        try (ResultSet rs =
            s.executeQuery(
                "SELECT merchant_id, payment_id::text, status, amount_minor, captured_minor,"
                    + " refunded_minor, currency, reference FROM ledger.payments")) {
          while (rs.next()) {
            payments.add(
                new PaymentRow(
                    rs.getString(1),
                    rs.getString(2),
                    rs.getString(3),
                    rs.getLong(4),
                    rs.getLong(5),
                    rs.getLong(6),
                    rs.getString(7),
                    rs.getString(8)));
          }
        }
        Map<String, Long> byCurrency = new HashMap<>();
        try (ResultSet rs =
            s.executeQuery(
                "SELECT currency, sum(amount_minor) FROM ledger.ledger_entries GROUP BY currency")) {
          while (rs.next()) {
            byCurrency.put(rs.getString(1), rs.getBigDecimal(2).longValueExact());
          }
        }
        Map<String, Map<String, Long>> byPayment = new HashMap<>();
        try (ResultSet rs =
            s.executeQuery(
                "SELECT t.payment_id::text, e.account_code, sum(e.amount_minor)"
                    + " FROM ledger.ledger_entries e JOIN ledger.ledger_transactions t"
                    + " ON t.merchant_id = e.merchant_id AND t.tx_id = e.tx_id"
                    + " WHERE t.kind <> 'ADJUSTMENT' GROUP BY 1, 2")) {
          while (rs.next()) {
            byPayment
                .computeIfAbsent(rs.getString(1), k -> new HashMap<>())
                .put(rs.getString(2), rs.getBigDecimal(3).longValueExact());
          }
        }
        Map<String, Map<String, Integer>> txs = new HashMap<>();
        try (ResultSet rs =
            s.executeQuery(
                "SELECT payment_id::text, kind, count(*) FROM ledger.ledger_transactions"
                    + " GROUP BY 1, 2")) {
          while (rs.next()) {
            txs.computeIfAbsent(rs.getString(1), k -> new HashMap<>())
                .put(rs.getString(2), rs.getInt(3));
          }
        }
        List<String> outbox = new ArrayList<>();
        try (ResultSet rs = s.executeQuery("SELECT id::text FROM ledger.outbox")) {
          while (rs.next()) {
            outbox.add(rs.getString(1));
          }
        }
        List<IdempotencyRow> keys = new ArrayList<>();
        try (ResultSet rs =
            s.executeQuery(
                "SELECT merchant_id, idempotency_key, response_status,"
                    + " CASE WHEN response_body IS NOT NULL AND left(response_body, 1) = '{'"
                    + " THEN response_body::jsonb ->> 'id' END"
                    + " FROM ledger.idempotency_keys")) {
          while (rs.next()) {
            int status = rs.getInt(3);
            keys.add(
                new IdempotencyRow(
                    rs.getString(1),
                    rs.getString(2),
                    rs.wasNull() ? null : status,
                    rs.getString(4)));
          }
        }
        c.commit();
        return new LedgerSnapshot(payments, byCurrency, byPayment, txs, outbox, keys);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the ledger: " + e.getMessage(), e);
    }
  }
}
