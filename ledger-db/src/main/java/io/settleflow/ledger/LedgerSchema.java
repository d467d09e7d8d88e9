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

  private LedgerSchema() {}
}
