package io.settleflow.ledger;

import io.settleflow.embedded.PostgresServer;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A real PostgreSQL 17 holding the migrated ledger, for integration tests here and in the modules
 * that use ledger-db's test-jar: the owner (superuser) and the application role, as production
 * connects.
 */
public final class LedgerTestDatabase implements AutoCloseable {
  public static final String DATABASE = "settleflow";
  public static final String APP_PASSWORD = "test-only-app-role-password";

  private final PostgresServer server;
  private final DataSource owner;
  private final DataSource app;

  private LedgerTestDatabase(PostgresServer server, DataSource owner, DataSource app) {
    this.server = server;
    this.owner = owner;
    this.app = app;
  }

  /** Starts PostgreSQL under {@code dir}, creates database {@value #DATABASE} and migrates it. */
  public static LedgerTestDatabase start(Path dir) {
    PostgresServer server =
        PostgresServer.start(dir.resolve("pg"), 0, false, dir.resolve("pg.log"));
    try {
      server.createDatabaseIfMissing(DATABASE);
      DataSource owner = server.superuser(DATABASE);
      LedgerSchema.migrate(owner);
      LedgerSchema.setAppRolePassword(owner, APP_PASSWORD);
      PGSimpleDataSource app = new PGSimpleDataSource();
      app.setURL(server.jdbcUrl(DATABASE));
      app.setUser(LedgerSchema.APP_ROLE);
      app.setPassword(APP_PASSWORD);
      return new LedgerTestDatabase(server, owner, app);
    } catch (RuntimeException e) {
      try {
        server.close();
      } catch (RuntimeException closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
  }

  public PostgresServer server() {
    return server;
  }

  /** The superuser on {@value #DATABASE}: owns the schema, bypasses row-level security. */
  public DataSource owner() {
    return owner;
  }

  /** The application role {@link LedgerSchema#APP_ROLE}, one new connection per call. */
  public DataSource app() {
    return app;
  }

  @Override
  public void close() {
    server.close();
  }
}
