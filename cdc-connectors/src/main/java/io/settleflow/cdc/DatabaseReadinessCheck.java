package io.settleflow.cdc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/** Reads {@link DatabaseReadiness.Facts} over JDBC with the CDC role's credentials. */
public final class DatabaseReadinessCheck {
  private static final int CONNECT_TIMEOUT_SECONDS = 10;

  private DatabaseReadinessCheck() {}

  public static DatabaseReadiness.Facts read(Connection c, String publication) throws SQLException {
    String walLevel;
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SHOW wal_level")) {
      rs.next();
      walLevel = rs.getString(1);
    }
    boolean exists;
    try (PreparedStatement ps =
        c.prepareStatement("SELECT 1 FROM pg_publication WHERE pubname = ?")) {
      ps.setString(1, publication);
      try (ResultSet rs = ps.executeQuery()) {
        exists = rs.next();
      }
    }
    Set<String> tables = new TreeSet<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT schemaname || '.' || tablename FROM pg_publication_tables WHERE pubname = ?")) {
      ps.setString(1, publication);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          tables.add(rs.getString(1));
        }
      }
    }
    return new DatabaseReadiness.Facts(walLevel, exists, tables);
  }

  /**
   * Connects with the connector's own settings (resolved) and returns the problems found.
   *
   * @throws IllegalStateException when the database cannot be reached at all
   */
  public static List<String> problems(OutboxConnectorConfig.ConnectorDefinition resolved) {
    String publication = resolved.get("publication.name");
    try (Connection c = connect(resolved, "settleflow-cdc-startup-check")) {
      return DatabaseReadiness.problems(
          read(c, publication), publication, resolved.get("table.include.list"));
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot connect to "
              + jdbcUrl(resolved)
              + " as "
              + resolved.get("database.user")
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /** A plain (non-replication) connection with the connector's own database settings. */
  public static Connection connect(
      OutboxConnectorConfig.ConnectorDefinition resolved, String applicationName)
      throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", resolved.get("database.user"));
    props.setProperty("password", resolved.config().getOrDefault("database.password", ""));
    props.setProperty("connectTimeout", Integer.toString(CONNECT_TIMEOUT_SECONDS));
    props.setProperty("ApplicationName", applicationName);
    return DriverManager.getConnection(jdbcUrl(resolved), props);
  }

  static String jdbcUrl(OutboxConnectorConfig.ConnectorDefinition resolved) {
    return "jdbc:postgresql://"
        + resolved.get("database.hostname")
        + ":"
        + resolved.get("database.port")
        + "/"
        + resolved.get("database.dbname");
  }
}
