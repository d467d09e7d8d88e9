package io.settleflow.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * A real PostgreSQL 17 server from zonky's binaries, set up as a ledger needs it: logical WAL for
 * CDC, and {@code fsync} and {@code synchronous_commit} on (zonky turns both off by default, which
 * makes numbers look great and mean nothing for a ledger).
 */
public final class PostgresServer implements AutoCloseable {
  public static final String SUPERUSER = "postgres";

  private final EmbeddedPostgres postgres; // null when the server runs in a container
  private final ContainerParts.Postgres container; // null when embedded
  private final int port;
  private final Path dataDir;

  private PostgresServer(
      EmbeddedPostgres postgres, ContainerParts.Postgres container, int port, Path dataDir) {
    this.postgres = postgres;
    this.container = container;
    this.port = port;
    this.dataDir = dataDir;
  }

  /**
   * Starts PostgreSQL on loopback.
   *
   * @param dataDir kept between runs when {@code keepData}, so a second start resumes the data
   * @param port 0 for a free port
   */
  public static PostgresServer start(Path dataDir, int port, boolean keepData, Path logFile) {
    Optional<ContainerParts> containers = PartsSource.containers();
    if (containers.isPresent()) {
      int hostPort = port > 0 ? port : Ports.free();
      return new PostgresServer(
          null, containers.get().startPostgres(dataDir, hostPort, keepData), hostPort, dataDir);
    }
    try {
      Files.createDirectories(logFile.getParent());
      EmbeddedPostgres.Builder builder =
          EmbeddedPostgres.builder()
              .setDataDirectory(dataDir)
              .setCleanDataDirectory(!keepData)
              .setPGStartupWait(Duration.ofSeconds(60))
              .setOutputRedirector(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
              .setErrorRedirector(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
              .setServerConfig("listen_addresses", Ports.LOOPBACK)
              .setServerConfig("fsync", "on")
              .setServerConfig("synchronous_commit", "on")
              .setServerConfig("full_page_writes", "on")
              .setServerConfig("wal_level", "logical")
              .setServerConfig("max_wal_senders", "10")
              .setServerConfig("max_replication_slots", "10")
              .setServerConfig("max_connections", "200")
              .setServerConfig("timezone", "UTC");
      if (port > 0) {
        builder.setPort(port);
      }
      EmbeddedPostgres started = builder.start();
      PostgresServer server = new PostgresServer(started, null, started.getPort(), dataDir);
      // pg_ctl detaches the postmaster: without this it would outlive a killed launcher
      ProcessHandle.of(server.postmasterPid())
          .ifPresent(p -> OrphanReaper.watch(p, logFile.getParent()));
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start embedded PostgreSQL: " + e.getMessage(), e);
    }
  }

  public int port() {
    return port;
  }

  public String jdbcUrl(String database) {
    return "jdbc:postgresql://" + Ports.LOOPBACK + ":" + port() + "/" + database;
  }

  /** A superuser connection source for bootstrap work (databases, roles, migrations). */
  public DataSource superuser(String database) {
    return container != null
        ? container.superuser(database)
        : postgres.getDatabase(SUPERUSER, database);
  }

  /** Creates the database unless it exists. */
  public void createDatabaseIfMissing(String database) {
    if (!database.matches("[a-z_][a-z0-9_]{0,62}")) {
      throw new IllegalArgumentException("database name must be a plain identifier: " + database);
    }
    try (Connection c = superuser("postgres").getConnection();
        Statement s = c.createStatement()) {
      var rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + database + "'");
      if (!rs.next()) {
        s.execute("CREATE DATABASE " + database);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot create database " + database + ": " + e.getMessage(), e);
    }
  }

  /**
   * Immediate shutdown (SIGQUIT to the postmaster, as {@code pg_ctl stop -m immediate}): no
   * checkpoint, so the next start runs crash recovery. A fast shutdown can hang while a logical
   * walsender waits for its client to confirm the shutdown checkpoint.
   */
  public void stopImmediately() {
    if (container != null) {
      container.stopImmediately();
      return;
    }
    try {
      long pid = postmasterPid();
      Process kill = new ProcessBuilder("kill", "-QUIT", Long.toString(pid)).inheritIO().start();
      kill.waitFor();
      ProcessHandle.of(pid)
          .ifPresent(p -> p.onExit().orTimeout(60, java.util.concurrent.TimeUnit.SECONDS).join());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot stop PostgreSQL at " + dataDir, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    close(); // releases zonky's lock on the data directory; the server is already gone
  }

  /** The running server's process id, from the first line of its {@code postmaster.pid}. */
  private long postmasterPid() throws IOException {
    return Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).trim());
  }

  @Override
  public void close() {
    if (container != null) {
      container.close();
      return;
    }
    try {
      postgres.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
