package io.settleflow.reconcile;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * Writes the job's results into {@code ledger.reconciliation} (ledger-db V7). Rows are buffered and
 * written in one database transaction when Flink flushes the writer, which it does before every
 * checkpoint barrier: a checkpoint completes only after its rows are committed (at-least-once).
 * Replays after a restore repeat the same deterministic ids, and the insert is {@code ON CONFLICT
 * (id) DO NOTHING}, so the table holds each result once (effectively exactly-once). A RESOLVED
 * event also closes the alert it resolves (status RESOLVED, resolved_by).
 */
public final class ReconciliationTableSink implements Sink<ReconciliationRow> {
  private static final long serialVersionUID = 1L;

  /** Rows written per database transaction at most; a fuller buffer is written early. */
  public static final int MAX_BATCH_ROWS = 1_000;

  static final String INSERT =
      "INSERT INTO ledger.reconciliation (id, merchant_id, kind, status, severity, payment_id,"
          + " settlement_id, batch_id, source, currency, expected_amount_minor,"
          + " actual_amount_minor, fee_amount_minor, rule, rule_version, explanation, resolves_id,"
          + " detected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?)"
          + " ON CONFLICT (id) DO NOTHING";

  static final String CLOSE_RESOLVED =
      "UPDATE ledger.reconciliation SET status = 'RESOLVED', resolved_by = ?"
          + " WHERE id = ? AND status = 'OPEN'";

  private final String jdbcUrl;
  private final String user;
  private final String password;

  public ReconciliationTableSink(String jdbcUrl, String user, String password) {
    this.jdbcUrl = jdbcUrl;
    this.user = user;
    this.password = password;
  }

  @Override
  public SinkWriter<ReconciliationRow> createWriter(WriterInitContext context) throws IOException {
    Writer writer = new Writer();
    // Log in as the task starts, not at the first rows: that login (driver loading, SCRAM) would
    // otherwise delay the checkpoint carrying the job's first results (bench e2e, issue 10), and
    // a wrong URL or password now fails the job at its start.
    try {
      writer.connect();
    } catch (SQLException e) {
      throw new IOException("connecting to the ledger database for ledger.reconciliation", e);
    }
    return writer;
  }

  private final class Writer implements SinkWriter<ReconciliationRow> {
    private final List<ReconciliationRow> buffer = new ArrayList<>();
    private Connection connection;

    @Override
    public void write(ReconciliationRow row, Context context) throws IOException {
      buffer.add(row);
      if (buffer.size() >= MAX_BATCH_ROWS) {
        flush(false);
      }
    }

    @Override
    public void flush(boolean endOfInput) throws IOException {
      if (buffer.isEmpty()) {
        return;
      }
      try {
        connect();
        writeAll(connection, buffer);
        buffer.clear();
      } catch (SQLException e) {
        closeQuietly(e);
        // The task fails and restarts from its checkpoint; the replay rewrites these rows.
        throw new IOException("writing " + buffer.size() + " rows to ledger.reconciliation", e);
      }
    }

    /** Opens the connection unless it is open (again after a failed write closed it). */
    void connect() throws SQLException {
      if (connection == null) {
        connection = DriverManager.getConnection(jdbcUrl, user, password);
        connection.setAutoCommit(false);
      }
    }

    private void closeQuietly(SQLException cause) {
      if (connection != null) {
        try {
          connection.close();
        } catch (SQLException e) {
          cause.addSuppressed(e);
        }
        connection = null;
      }
    }

    @Override
    public void close() throws SQLException {
      if (connection != null) {
        connection.close();
        connection = null;
      }
    }
  }

  static void writeAll(Connection c, List<ReconciliationRow> rows) throws SQLException {
    try (PreparedStatement insert = c.prepareStatement(INSERT);
        PreparedStatement close = c.prepareStatement(CLOSE_RESOLVED)) {
      boolean anyResolved = false;
      for (ReconciliationRow r : rows) {
        int i = 1;
        insert.setString(i++, r.id);
        insert.setString(i++, r.merchantId);
        insert.setString(i++, r.kind);
        insert.setString(i++, r.status);
        insert.setString(i++, r.severity);
        insert.setString(i++, r.paymentId);
        insert.setString(i++, r.settlementId);
        insert.setString(i++, r.batchId);
        insert.setString(i++, r.source);
        insert.setString(i++, r.currency);
        setLong(insert, i++, r.expectedAmountMinor);
        setLong(insert, i++, r.actualAmountMinor);
        setLong(insert, i++, r.feeAmountMinor);
        insert.setString(i++, r.rule);
        if (r.ruleVersion == null) {
          insert.setNull(i++, Types.INTEGER);
        } else {
          insert.setInt(i++, r.ruleVersion);
        }
        insert.setString(i++, r.explanationJson);
        insert.setString(i++, r.resolvesId);
        insert.setObject(
            i, OffsetDateTime.ofInstant(Instant.ofEpochMilli(r.detectedAtMs), ZoneOffset.UTC));
        insert.addBatch();
        if (r.resolvesId != null) {
          close.setString(1, r.id);
          close.setString(2, r.resolvesId);
          close.addBatch();
          anyResolved = true;
        }
      }
      insert.executeBatch();
      if (anyResolved) {
        // After the inserts: the resolved alert may be in the same batch.
        close.executeBatch();
      }
      c.commit();
    } catch (SQLException e) {
      c.rollback();
      throw e;
    }
  }

  private static void setLong(PreparedStatement s, int i, Long value) throws SQLException {
    if (value == null) {
      s.setNull(i, Types.BIGINT);
    } else {
      s.setLong(i, value);
    }
  }
}
