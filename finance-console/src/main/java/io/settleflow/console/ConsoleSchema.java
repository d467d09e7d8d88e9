package io.settleflow.console;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * The console's database role: ledger-db's V5 creates {@link ConsoleStore#ROLE} NOLOGIN with its
 * grants on schema finance; bootstrap (the launcher, or a DBA) lets it log in with a password from
 * a secret, never from the repository.
 */
public final class ConsoleSchema {
  public static final int MIN_PASSWORD_CHARS = 16;

  private ConsoleSchema() {}

  /** Lets {@link ConsoleStore#ROLE} log in with this password; run as the schema owner. */
  public static void setRolePassword(DataSource owner, String password) {
    if (password == null || password.length() < MIN_PASSWORD_CHARS) {
      throw new IllegalArgumentException(
          "console role password must have at least " + MIN_PASSWORD_CHARS + " characters");
    }
    try (Connection c = owner.getConnection()) {
      String statement;
      try (PreparedStatement ps =
          c.prepareStatement("SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', ?, ?)")) {
        ps.setString(1, ConsoleStore.ROLE);
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
          "cannot set the console role's password (is V5 applied?): " + e.getMessage(), e);
    }
  }
}
