package io.settleflow.console;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The console's tables in schema {@code finance} (ledger-db's V5), reached as the role {@link
 * #ROLE}. Every write that changes an alert also appends its audit row, in the same transaction.
 */
public final class ConsoleStore {
  public static final String ROLE = "settleflow_console";

  /** The ledger-db migration that created the console's tables. */
  public static final int SCHEMA_VERSION = 5;

  /** The overview draws at most this many (processor, day) match rates, newest days first. */
  public static final int MAX_MATCH_RATE_ROWS = 28;

  /** Open alerts read for the age chart; beyond that the chart says so. */
  public static final int MAX_OPEN_AGES = 10_000;

  private static final String ALERT_COLUMNS =
      "alert_id, kind, merchant_id, payment_id, settlement_id, source, expected_amount_minor,"
          + " actual_amount_minor, currency, severity, status, assignee, rule, detail, detected_at,"
          + " received_at, updated_at, compensation_tx_id";

  private final DataSource dataSource;
  private final Clock clock;

  public ConsoleStore(DataSource dataSource, Clock clock) {
    this.dataSource = dataSource;
    this.clock = clock;
  }

  /** A database failure, with the operation that hit it. */
  public static final class StoreException extends RuntimeException {
    private final String sqlState;

    StoreException(String operation, SQLException cause) {
      super(operation + " failed: " + cause.getMessage(), cause);
      this.sqlState = cause.getSQLState() == null ? "" : cause.getSQLState();
    }

    /** The row itself is unacceptable (data exception or constraint): retrying cannot help. */
    public boolean badData() {
      return sqlState.startsWith("22") || sqlState.startsWith("23");
    }
  }

  /**
   * Stores a newly received alert with its RECEIVED audit row. Idempotent: an alert id already
   * stored (a replay) changes nothing and returns false.
   */
  public boolean recordAlert(Alert a, byte[] payload) {
    return receiveAlert(a, payload, AutoCompensation.none()).isPresent();
  }

  /**
   * Stores a newly received alert with its RECEIVED audit row and, when the decision books, the
   * automatic compensation: the balanced ledger booking, the alert resolved with the booking's id
   * and a RESOLVE audit row by {@value AutoCompensation#ACTOR}, all in one transaction. A booking
   * the ledger refuses (no such payment, another currency) leaves the alert open for finance, with
   * the reason on its RECEIVED row. Idempotent: a replayed alert changes nothing.
   *
   * @return the alert as stored, or empty for a replay
   */
  public Optional<Alert> receiveAlert(Alert a, byte[] payload, AutoCompensation.Decision decision) {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        int inserted;
        try (PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO finance.alerts ("
                    + ALERT_COLUMNS
                    + ", payload) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
                    + " ON CONFLICT (alert_id) DO NOTHING")) {
          int i = 1;
          ps.setString(i++, a.alertId());
          ps.setString(i++, a.kind());
          ps.setString(i++, a.merchantId());
          ps.setString(i++, a.paymentId());
          ps.setString(i++, a.settlementId());
          ps.setString(i++, a.source());
          setLong(ps, i++, a.expectedAmountMinor());
          setLong(ps, i++, a.actualAmountMinor());
          ps.setString(i++, a.currency());
          ps.setString(i++, a.severity().name());
          ps.setString(i++, a.status().name());
          ps.setString(i++, a.assignee());
          ps.setString(i++, a.rule());
          ps.setString(i++, a.detail());
          ps.setObject(i++, utc(a.detectedAt()));
          ps.setObject(i++, utc(a.receivedAt()));
          ps.setObject(i++, utc(a.updatedAt()));
          ps.setObject(i++, null, Types.OTHER);
          ps.setBytes(i, payload);
          inserted = ps.executeUpdate();
        }
        if (inserted == 0) {
          c.rollback();
          return Optional.empty();
        }
        AutoCompensation.Decision d = decision;
        if (d.books()) {
          Savepoint beforeBooking = c.setSavepoint();
          try {
            book(c, d.plan().orElseThrow(), a.receivedAt());
          } catch (ConsoleInputException e) {
            c.rollback(beforeBooking);
            d = d.refused(e.getMessage());
          }
        }
        appendAudit(
            c,
            a.alertId(),
            AuditEntry.RECEIVED,
            AuditEntry.RECONCILIATION,
            d.books() ? null : d.note(),
            a.status(),
            a.assignee(),
            a.receivedAt());
        if (d.books()) {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE finance.alerts SET status = 'RESOLVED', compensation_tx_id = ?"
                      + " WHERE alert_id = ?")) {
            ps.setObject(1, d.plan().orElseThrow().txId());
            ps.setString(2, a.alertId());
            ps.executeUpdate();
          }
          appendAudit(
              c,
              a.alertId(),
              AlertAction.RESOLVE.name(),
              AutoCompensation.ACTOR,
              d.note(),
              AlertStatus.RESOLVED,
              a.assignee(),
              a.receivedAt());
        }
        Optional<Alert> stored = find(c, a.alertId(), false);
        c.commit();
        return stored;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new StoreException("storing alert " + a.alertId(), e);
    }
  }

  /** Counts one match of recon.matches once, however often it is replayed. */
  public boolean recordMatch(String matchId, String merchantId, String source, Instant matchedAt) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO finance.recon_matches (match_id, merchant_id, source, matched_at)"
                    + " VALUES (?,?,?,?) ON CONFLICT (match_id) DO NOTHING")) {
      ps.setString(1, matchId);
      ps.setString(2, merchantId);
      ps.setString(3, source);
      ps.setObject(4, utc(matchedAt));
      return ps.executeUpdate() == 1;
    } catch (SQLException e) {
      throw new StoreException("storing match " + matchId, e);
    }
  }

  /** The filtered list, newest detection first. */
  public List<Alert> list(AlertFilter filter) {
    AlertFilter.SqlCondition where = filter.toSql();
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT "
                    + ALERT_COLUMNS
                    + " FROM finance.alerts WHERE "
                    + where.sql()
                    + " ORDER BY detected_at DESC, alert_id LIMIT ?")) {
      int i = 1;
      for (Object p : where.params()) {
        ps.setObject(i++, p);
      }
      ps.setInt(i, filter.limit());
      List<Alert> alerts = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          alerts.add(alert(rs));
        }
      }
      return alerts;
    } catch (SQLException e) {
      throw new StoreException("listing alerts", e);
    }
  }

  public Optional<Alert> find(String alertId) {
    try (Connection c = dataSource.getConnection()) {
      return find(c, alertId, false);
    } catch (SQLException e) {
      throw new StoreException("reading alert " + alertId, e);
    }
  }

  /** The alert's audit trail, oldest first. */
  public List<AuditEntry> audit(String alertId) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT audit_id, alert_id, action, actor, note, status_after, assignee_after, at"
                    + " FROM finance.alert_audit WHERE alert_id = ? ORDER BY audit_id")) {
      ps.setString(1, alertId);
      List<AuditEntry> rows = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rows.add(
              new AuditEntry(
                  rs.getLong(1),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getString(5),
                  AlertStatus.valueOf(rs.getString(6)),
                  rs.getString(7),
                  instant(rs, 8)));
        }
      }
      return rows;
    } catch (SQLException e) {
      throw new StoreException("reading the audit trail of " + alertId, e);
    }
  }

  /**
   * Applies a finance user's action under a row lock and appends its audit row, in one transaction.
   * Empty when there is no such alert.
   *
   * @throws ConsoleInputException when the alert's state refuses the action (nothing is written)
   */
  public Optional<Alert> act(
      String alertId, AlertAction action, String actor, String assignee, String note) {
    return act(alertId, action, actor, assignee, note, false);
  }

  /**
   * As {@link #act(String, AlertAction, String, String, String)}; with {@code bookDifference} a
   * resolve also books the alert's difference in the ledger ({@link Compensation}), in the same
   * transaction.
   */
  public Optional<Alert> act(
      String alertId,
      AlertAction action,
      String actor,
      String assignee,
      String note,
      boolean bookDifference) {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        Optional<Alert> current = find(c, alertId, true);
        if (current.isEmpty()) {
          c.rollback();
          return Optional.empty();
        }
        Alert a = current.get();
        AlertWorkflow.Transition t =
            AlertWorkflow.apply(a.status(), a.assignee(), action, assignee, note);
        Instant now = clock.instant();
        String auditNote = t.note();
        UUID booked = null;
        if (bookDifference) {
          if (action != AlertAction.RESOLVE) {
            throw ConsoleInputException.invalid(
                Compensation.FIELD, "only resolving an alert books its difference");
          }
          Compensation.Plan plan = Compensation.plan(a);
          book(c, plan, now);
          booked = plan.txId();
          auditNote =
              t.note()
                  + " [booked "
                  + MajorUnits.display(a.differenceMinor(), a.currency())
                  + " against "
                  + Compensation.DIFFERENCES_ACCOUNT
                  + ", ledger transaction "
                  + booked
                  + "]";
        }
        try (PreparedStatement ps =
            c.prepareStatement(
                "UPDATE finance.alerts SET status = ?, assignee = ?, updated_at = ?,"
                    + " compensation_tx_id = coalesce(?, compensation_tx_id) WHERE alert_id = ?")) {
          ps.setString(1, t.status().name());
          ps.setString(2, t.assignee());
          ps.setObject(3, utc(now));
          ps.setObject(4, booked);
          ps.setString(5, alertId);
          ps.executeUpdate();
        }
        appendAudit(c, alertId, action.name(), actor, auditNote, t.status(), t.assignee(), now);
        c.commit();
        return find(alertId);
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new StoreException(action + " on alert " + alertId, e);
    }
  }

  /**
   * Resolves an unresolved alert because reconciliation reported it settled (a RESOLVED finding),
   * with an audit row by {@value AuditEntry#RECONCILIATION}. Empty when there is no such alert or
   * it is already resolved (so a replay does nothing).
   */
  public Optional<Alert> resolveByReconciliation(String alertId, String note, Instant at) {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        Optional<Alert> current = find(c, alertId, true);
        if (current.isEmpty() || current.get().status() == AlertStatus.RESOLVED) {
          c.rollback();
          return Optional.empty();
        }
        try (PreparedStatement ps =
            c.prepareStatement(
                "UPDATE finance.alerts SET status = 'RESOLVED', updated_at = ? WHERE alert_id = ?")) {
          ps.setObject(1, utc(at));
          ps.setString(2, alertId);
          ps.executeUpdate();
        }
        appendAudit(
            c,
            alertId,
            AlertAction.RESOLVE.name(),
            AuditEntry.RECONCILIATION,
            note,
            AlertStatus.RESOLVED,
            current.get().assignee(),
            at);
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new StoreException("resolving alert " + alertId, e);
    }
    return find(alertId);
  }

  /**
   * Adds a finance user.
   *
   * @throws ConsoleInputException (conflict) when the username is taken
   */
  public void addUser(String username, String passwordHash) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO finance.users (username, password_hash, created_at) VALUES (?,?,?)"
                    + " ON CONFLICT (username) DO NOTHING")) {
      ps.setString(1, username);
      ps.setString(2, passwordHash);
      ps.setObject(3, utc(clock.instant()));
      if (ps.executeUpdate() == 0) {
        throw ConsoleInputException.conflict("username", "user " + username + " already exists");
      }
    } catch (SQLException e) {
      throw new StoreException("adding user " + username, e);
    }
  }

  /** A finance user as the CLI lists them (never the hash). */
  public record User(String username, Instant createdAt, Optional<Instant> disabledAt) {}

  /** Every finance user, by name. */
  public List<User> users() {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT username, created_at, disabled_at FROM finance.users ORDER BY username");
        ResultSet rs = ps.executeQuery()) {
      List<User> users = new ArrayList<>();
      while (rs.next()) {
        OffsetDateTime disabled = rs.getObject(3, OffsetDateTime.class);
        users.add(
            new User(
                rs.getString(1),
                instant(rs, 2),
                Optional.ofNullable(disabled).map(OffsetDateTime::toInstant)));
      }
      return users;
    } catch (SQLException e) {
      throw new StoreException("listing users", e);
    }
  }

  /**
   * Disables a user and ends their sessions (a disabled user cannot sign in or use a session).
   * Idempotent: an already disabled user stays as they are and returns false.
   *
   * @throws ConsoleInputException naming {@code username} when there is no such user
   */
  public boolean disableUser(String username) {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        int updated;
        try (PreparedStatement ps =
            c.prepareStatement(
                "UPDATE finance.users SET disabled_at = ? WHERE username = ?"
                    + " AND disabled_at IS NULL")) {
          ps.setObject(1, utc(clock.instant()));
          ps.setString(2, username);
          updated = ps.executeUpdate();
        }
        if (updated == 0) {
          boolean exists;
          try (PreparedStatement ps =
              c.prepareStatement("SELECT 1 FROM finance.users WHERE username = ?")) {
            ps.setString(1, username);
            try (ResultSet rs = ps.executeQuery()) {
              exists = rs.next();
            }
          }
          c.rollback();
          if (!exists) {
            throw ConsoleInputException.invalid("username", "no user " + username);
          }
          return false;
        }
        try (PreparedStatement ps =
            c.prepareStatement("DELETE FROM finance.sessions WHERE username = ?")) {
          ps.setString(1, username);
          ps.executeUpdate();
        }
        c.commit();
        return true;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new StoreException("disabling user " + username, e);
    }
  }

  public boolean userExists(String username) {
    return passwordHash(username).isPresent();
  }

  /** The bcrypt hash of an enabled user. */
  public Optional<String> passwordHash(String username) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT password_hash FROM finance.users WHERE username = ? AND disabled_at IS"
                    + " NULL")) {
      ps.setString(1, username);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw new StoreException("reading user " + username, e);
    }
  }

  public void createSession(byte[] tokenHash, String username, Instant expiresAt) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO finance.sessions (token_hash, username, created_at, expires_at)"
                    + " VALUES (?,?,?,?)")) {
      ps.setBytes(1, tokenHash);
      ps.setString(2, username);
      ps.setObject(3, utc(clock.instant()));
      ps.setObject(4, utc(expiresAt));
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new StoreException("creating a session", e);
    }
  }

  /** The user of an unexpired session of an enabled user. */
  public Optional<String> sessionUser(byte[] tokenHash) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT s.username FROM finance.sessions s JOIN finance.users u USING (username)"
                    + " WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled_at IS NULL")) {
      ps.setBytes(1, tokenHash);
      ps.setObject(2, utc(clock.instant()));
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw new StoreException("reading a session", e);
    }
  }

  public void deleteSession(byte[] tokenHash) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement("DELETE FROM finance.sessions WHERE token_hash = ?")) {
      ps.setBytes(1, tokenHash);
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new StoreException("ending a session", e);
    }
  }

  public int purgeExpiredSessions() {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement("DELETE FROM finance.sessions WHERE expires_at <= ?")) {
      ps.setObject(1, utc(clock.instant()));
      return ps.executeUpdate();
    } catch (SQLException e) {
      throw new StoreException("purging expired sessions", e);
    }
  }

  /**
   * Matched vs mismatched per processor and (UTC, event-time) day, newest days first. Mismatches
   * without a processor (overdue payments) are not in any processor's rate.
   */
  public List<MatchRate> matchRates() {
    String sql =
        "WITH m AS (SELECT source, (matched_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n"
            + "   FROM finance.recon_matches GROUP BY 1, 2),"
            + " x AS (SELECT source, (detected_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n"
            + "   FROM finance.alerts WHERE source IS NOT NULL GROUP BY 1, 2)"
            + " SELECT coalesce(m.source, x.source), coalesce(m.day, x.day),"
            + " coalesce(m.n, 0), coalesce(x.n, 0)"
            + " FROM m FULL JOIN x ON m.source = x.source AND m.day = x.day"
            + " ORDER BY 2 DESC, 1 LIMIT ?";
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setInt(1, MAX_MATCH_RATE_ROWS);
      List<MatchRate> rates = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rates.add(
              new MatchRate(
                  rs.getString(1), rs.getObject(2, LocalDate.class), rs.getLong(3), rs.getLong(4)));
        }
      }
      return rates;
    } catch (SQLException e) {
      throw new StoreException("reading match rates", e);
    }
  }

  /** Unresolved alerts per kind, most first. */
  public Map<String, Long> openByKind() {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT kind, count(*) FROM finance.alerts WHERE status <> 'RESOLVED'"
                    + " GROUP BY kind ORDER BY 2 DESC, 1")) {
      Map<String, Long> counts = new LinkedHashMap<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          counts.put(rs.getString(1), rs.getLong(2));
        }
      }
      return counts;
    } catch (SQLException e) {
      throw new StoreException("counting open alerts", e);
    }
  }

  /** When each unresolved alert was detected, oldest first (at most {@link #MAX_OPEN_AGES}). */
  public List<Instant> openDetectedAt() {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT detected_at FROM finance.alerts WHERE status <> 'RESOLVED'"
                    + " ORDER BY detected_at LIMIT ?")) {
      ps.setInt(1, MAX_OPEN_AGES);
      List<Instant> at = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          at.add(instant(rs, 1));
        }
      }
      return at;
    } catch (SQLException e) {
      throw new StoreException("reading open alert ages", e);
    }
  }

  /** How many alerts are unresolved, and when the oldest of them was detected. */
  public record OpenSummary(long count, Optional<Instant> oldestDetectedAt) {}

  public OpenSummary openSummary() {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT count(*), min(detected_at) FROM finance.alerts WHERE status <> 'RESOLVED'");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      OffsetDateTime oldest = rs.getObject(2, OffsetDateTime.class);
      return new OpenSummary(
          rs.getLong(1), Optional.ofNullable(oldest).map(OffsetDateTime::toInstant));
    } catch (SQLException e) {
      throw new StoreException("summarising open alerts", e);
    }
  }

  /** Whether the database answers as this role and has V{@value #SCHEMA_VERSION} applied. */
  public boolean schemaReady() {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT count(*) FILTER (WHERE NOT success),"
                    + " count(*) FILTER (WHERE success AND version = ?)"
                    + " FROM ledger.flyway_schema_history")) {
      ps.setString(1, Integer.toString(SCHEMA_VERSION));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1) == 0 && rs.getLong(2) == 1;
      }
    } catch (SQLException e) {
      return false;
    }
  }

  /**
   * Books the plan as one balanced ADJUSTMENT under the merchant's row-level security. Its id is
   * the alert's, so a second booking of the same alert inserts nothing.
   */
  private static void book(Connection c, Compensation.Plan plan, Instant at) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT set_config('settleflow.merchant_id', ?, true)")) {
      ps.setString(1, plan.merchantId());
      ps.execute();
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT currency FROM ledger.payments WHERE merchant_id = ? AND payment_id = ?")) {
      ps.setString(1, plan.merchantId());
      ps.setObject(2, plan.paymentId());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw ConsoleInputException.invalid(
              Compensation.FIELD, "payment " + plan.paymentId() + " is not in the ledger");
        }
        if (!plan.currency().equals(rs.getString(1))) {
          throw ConsoleInputException.invalid(
              Compensation.FIELD, "the payment's currency is not the alert's " + plan.currency());
        }
      }
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO ledger.accounts (merchant_id, account_code, currency, kind)"
                + " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
      for (Compensation.Entry e : plan.entries()) {
        ps.setString(1, plan.merchantId());
        ps.setString(2, e.account());
        ps.setString(3, plan.currency());
        ps.setString(4, Compensation.accountKind(e.account()));
        ps.addBatch();
      }
      ps.executeBatch();
    }
    int created;
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO ledger.ledger_transactions (merchant_id, tx_id, payment_id, kind,"
                + " created_at) VALUES (?, ?, ?, 'ADJUSTMENT', ?) ON CONFLICT DO NOTHING")) {
      ps.setString(1, plan.merchantId());
      ps.setObject(2, plan.txId());
      ps.setObject(3, plan.paymentId());
      ps.setObject(4, utc(at));
      created = ps.executeUpdate();
    }
    if (created == 0) {
      return;
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO ledger.ledger_entries (merchant_id, tx_id, account_code, currency,"
                + " amount_minor, created_at) VALUES (?, ?, ?, ?, ?, ?)")) {
      for (Compensation.Entry e : plan.entries()) {
        ps.setString(1, plan.merchantId());
        ps.setObject(2, plan.txId());
        ps.setString(3, e.account());
        ps.setString(4, plan.currency());
        ps.setLong(5, e.amountMinor());
        ps.setObject(6, utc(at));
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  private Optional<Alert> find(Connection c, String alertId, boolean forUpdate)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT "
                + ALERT_COLUMNS
                + " FROM finance.alerts WHERE alert_id = ?"
                + (forUpdate ? " FOR UPDATE" : ""))) {
      ps.setString(1, alertId);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(alert(rs)) : Optional.empty();
      }
    }
  }

  private static void appendAudit(
      Connection c,
      String alertId,
      String action,
      String actor,
      String note,
      AlertStatus statusAfter,
      String assigneeAfter,
      Instant at)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO finance.alert_audit"
                + " (alert_id, action, actor, note, status_after, assignee_after, at)"
                + " VALUES (?,?,?,?,?,?,?)")) {
      ps.setString(1, alertId);
      ps.setString(2, action);
      ps.setString(3, actor);
      ps.setString(4, note);
      ps.setString(5, statusAfter.name());
      ps.setString(6, assigneeAfter);
      ps.setObject(7, utc(at));
      ps.executeUpdate();
    }
  }

  private static Alert alert(ResultSet rs) throws SQLException {
    return new Alert(
        rs.getString(1),
        rs.getString(2),
        rs.getString(3),
        rs.getString(4),
        rs.getString(5),
        rs.getString(6),
        nullableLong(rs, 7),
        nullableLong(rs, 8),
        rs.getString(9),
        AlertSeverity.valueOf(rs.getString(10)),
        AlertStatus.valueOf(rs.getString(11)),
        rs.getString(12),
        rs.getString(13),
        rs.getString(14),
        instant(rs, 15),
        instant(rs, 16),
        instant(rs, 17),
        rs.getString(18));
  }

  private static Long nullableLong(ResultSet rs, int column) throws SQLException {
    long value = rs.getLong(column);
    return rs.wasNull() ? null : value;
  }

  private static void setLong(PreparedStatement ps, int index, Long value) throws SQLException {
    if (value == null) {
      ps.setNull(index, Types.BIGINT);
    } else {
      ps.setLong(index, value);
    }
  }

  private static Instant instant(ResultSet rs, int column) throws SQLException {
    return rs.getObject(column, OffsetDateTime.class).toInstant();
  }

  private static OffsetDateTime utc(Instant instant) {
    return instant.atOffset(ZoneOffset.UTC);
  }
}
