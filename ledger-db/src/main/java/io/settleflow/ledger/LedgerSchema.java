package io.settleflow.ledger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/** Creates and upgrades the ledger schema (Flyway) and sets the application role's login. */
public final class LedgerSchema {
  public static final String APP_ROLE = "settleflow_app";
  public static final String PUBLICATION = "settleflow_outbox";

  /** The NOLOGIN role V6 grants the CDC service's privileges to. */
  public static final String CDC_GROUP_ROLE = "settleflow_cdc";

  /** The NOLOGIN role V7 grants the reconciliation writer's privileges to. */
  public static final String RECON_GROUP_ROLE = "settleflow_recon";

  public static final String MIGRATIONS = "classpath:db/ledger";

  /** Applies pending migrations as the owner (a superuser in the embedded stack). */
  public static void migrate(DataSource owner) {
    Flyway.configure()
        .dataSource(owner)
        .locations(MIGRATIONS)
        .schemas("ledger")
        .createSchemas(true)
        .load()
        .migrate();
  }

  /** Lets the application role log in with this password (from a secret, never the repo). */
  public static void setAppRolePassword(DataSource owner, String password) {
    if (password == null || password.length() < 16) {
      throw new IllegalArgumentException(
          "application role password must have at least 16 characters");
    }
    try (Connection c = owner.getConnection()) {
      String statement;
      try (PreparedStatement ps =
          c.prepareStatement("SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', ?, ?)")) {
        ps.setString(1, APP_ROLE);
        ps.setString(2, password);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          statement = rs.getString(1);
        }
      }
      try (Statement s = c.createStatement()) {
        s.execute(statement);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot set the application role's password: " + e.getMessage(), e);
    }
  }

  /**
   * Sets up the CDC service's login role (idempotent): creates it or updates its password, gives it
   * REPLICATION (logical decoding) and BYPASSRLS (the initial snapshot reads every merchant's
   * outbox rows), and makes it a member of {@link #CDC_GROUP_ROLE}, which holds the grants V6 made
   * (schema usage, SELECT on the outbox, EXECUTE on {@code ledger.purge_outbox}). Role attributes
   * need a superuser, so this runs as one (the launcher's, or a DBA's), not in Flyway.
   */
  public static void grantCdcRole(DataSource superuser, String role, String password) {
    grantLoginRole(superuser, "CDC", role, password, "REPLICATION BYPASSRLS", CDC_GROUP_ROLE);
  }

  /**
   * Sets up the login role flink-reconcile writes {@code ledger.reconciliation} as (idempotent): a
   * plain login (no REPLICATION, no BYPASSRLS — V7's policy lets {@link #RECON_GROUP_ROLE} see
   * every merchant's results) and a member of {@link #RECON_GROUP_ROLE}, which holds V7's grants
   * (insert results, close alerts, nothing else).
   */
  public static void grantReconRole(DataSource superuser, String role, String password) {
    grantLoginRole(superuser, "reconciliation", role, password, "NOBYPASSRLS", RECON_GROUP_ROLE);
  }

  /**
   * Creates {@code role} or updates its password, with fixed {@code attributes} (constants of this
   * class, never input), and makes it a member of {@code groupRole}. Names and the password go
   * through {@code format(%I, %L)}, so no input is spliced into SQL.
   */
  private static void grantLoginRole(
      DataSource superuser,
      String purpose,
      String role,
      String password,
      String attributes,
      String groupRole) {
    if (role == null || !role.matches("[a-z_][a-z0-9_]{0,62}")) {
      throw new IllegalArgumentException(
          purpose + " role name must be 1..63 of [a-z0-9_], starting with a letter or _");
    }
    if (role.equals(APP_ROLE)
        || role.equals(CDC_GROUP_ROLE)
        || role.equals(RECON_GROUP_ROLE)
        || role.startsWith("pg_")) {
      throw new IllegalArgumentException(purpose + " role name must not be " + role);
    }
    if (password == null || password.length() < 16) {
      throw new IllegalArgumentException(
          purpose + " role password must have at least 16 characters");
    }
    try (Connection c = superuser.getConnection()) {
      boolean exists;
      try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
        ps.setString(1, role);
        try (ResultSet rs = ps.executeQuery()) {
          exists = rs.next();
        }
      }
      String create;
      String grant;
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT format('%s ROLE %I LOGIN "
                  + attributes
                  + " PASSWORD %L', ?, ?, ?), format('GRANT %I TO %I', ?, ?)")) {
        ps.setString(1, exists ? "ALTER" : "CREATE");
        ps.setString(2, role);
        ps.setString(3, password);
        ps.setString(4, groupRole);
        ps.setString(5, role);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          create = rs.getString(1);
          grant = rs.getString(2);
        }
      }
      try (Statement s = c.createStatement()) {
        s.execute(create);
        s.execute(grant);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot set up the " + purpose + " role " + role + ": " + e.getMessage(), e);
    }
  }

  private LedgerSchema() {}
}
