package io.settleflow.cdc;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.settleflow.cdc.OutboxRetention.Decision;
import io.settleflow.cdc.OutboxRetention.Hold;
import io.settleflow.cdc.OutboxRetention.Purge;
import io.settleflow.cdc.OutboxRetention.Slot;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CDC service's database housekeeping, on its own thread: polls the replication slot (lag
 * behind the WAL in bytes, relay events/s) and deletes captured outbox rows in bounded batches (see
 * {@link OutboxRetention} for when a row may go, and ledger-db's {@code ledger.purge_outbox}, which
 * refuses to delete anything while the slot is missing).
 *
 * <p>A database error ends one run, not the service: the connection is dropped and the next run
 * reconnects (PostgreSQL restarts while CDC runs).
 */
public final class OutboxMaintenance implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OutboxMaintenance.class);
  static final String FACTS_SQL =
      "SELECT now(), pg_current_wal_insert_lsn()::text, pg_current_wal_lsn()::text,"
          + " s.slot_name IS NOT NULL, s.confirmed_flush_lsn::text,"
          + " (SELECT n_live_tup FROM pg_stat_user_tables WHERE schemaname = 'ledger' AND relname = 'outbox')"
          + " FROM (SELECT 1) one LEFT JOIN pg_replication_slots s ON s.slot_name = ? AND s.database = current_database()";
  static final String PURGE_SQL = "SELECT ledger.purge_outbox(?, ?, ?)";

  /** How the housekeeping runs. */
  public record Settings(
      Duration retention,
      Duration cleanupInterval,
      int batchRows,
      int maxBatchesPerRun,
      Duration slotPollInterval) {
    /** Bounds of {@code ledger.purge_outbox}'s max_rows. */
    public static final int MAX_BATCH_ROWS = 10_000;

    /**
     * A run deletes at most batchRows × this many rows, so one run never holds the thread for long.
     */
    public static final int MAX_BATCHES_PER_RUN_LIMIT = 1_000;

    /**
     * Ten minutes: far above the relay's normal lag (milliseconds) and any restart, so a row is
     * gone only long after Kafka has it, and still long enough to look at recent rows by hand; at
     * the measured ~4k payments/s it bounds the table near 2.4 M rows.
     */
    public static final Duration DEFAULT_RETENTION = Duration.ofMinutes(10);

    public static final Duration DEFAULT_CLEANUP_INTERVAL = Duration.ofSeconds(5);
    public static final int DEFAULT_BATCH_ROWS = 1_000;
    public static final int DEFAULT_MAX_BATCHES_PER_RUN = 100;
    public static final Duration DEFAULT_SLOT_POLL_INTERVAL = Duration.ofSeconds(1);

    public Settings {
      if (retention.isNegative() || retention.isZero()) {
        throw new IllegalArgumentException("outbox retention must be positive, was " + retention);
      }
      if (cleanupInterval.toMillis() < 1 || slotPollInterval.toMillis() < 1) {
        throw new IllegalArgumentException(
            "clean-up and slot poll intervals must be at least 1 ms");
      }
      if (batchRows < 1 || batchRows > MAX_BATCH_ROWS) {
        throw new IllegalArgumentException(
            "outbox clean-up batch must be 1.." + MAX_BATCH_ROWS + " rows, was " + batchRows);
      }
      if (maxBatchesPerRun < 1 || maxBatchesPerRun > MAX_BATCHES_PER_RUN_LIMIT) {
        throw new IllegalArgumentException(
            "batches per run must be 1.."
                + MAX_BATCHES_PER_RUN_LIMIT
                + ", was "
                + maxBatchesPerRun);
      }
    }

    public static Settings defaults() {
      return new Settings(
          DEFAULT_RETENTION,
          DEFAULT_CLEANUP_INTERVAL,
          DEFAULT_BATCH_ROWS,
          DEFAULT_MAX_BATCHES_PER_RUN,
          DEFAULT_SLOT_POLL_INTERVAL);
    }
  }

  /** Opens a plain connection to the ledger database (reconnects go through it too). */
  @FunctionalInterface
  public interface ConnectionSource {
    Connection open() throws SQLException;
  }

  /** One poll's reading of the database. */
  record Facts(Instant now, long walInsertLsn, long walLsn, Slot slot, long outboxRowEstimate) {}

  private final ConnectionSource connections;
  private final String slotName;
  private final Settings settings;
  private final OutboxRetention retention;
  private final DoubleSupplier publishedCount;
  private final ScheduledExecutorService scheduler;
  private Connection connection;

  private final Counter rowsDeleted;
  private final Counter runsHeld;
  private final Counter pollErrors;
  private final AtomicLong slotLagBytes = new AtomicLong(-1);
  private final AtomicLong slotExists = new AtomicLong(0);
  private final AtomicLong outboxRowEstimate = new AtomicLong(-1);
  private final AtomicLong eventsPerSecondMilli = new AtomicLong(0);
  private double lastPublished = Double.NaN;
  private long lastPollNanos;

  private OutboxMaintenance(
      ConnectionSource connections,
      String slotName,
      Settings settings,
      DoubleSupplier publishedCount,
      MeterRegistry registry) {
    this.connections = connections;
    this.slotName = slotName;
    this.settings = settings;
    this.retention = new OutboxRetention(settings.retention());
    this.publishedCount = publishedCount;
    rowsDeleted =
        Counter.builder("settleflow.cdc.outbox.rows.deleted")
            .description("Captured outbox rows deleted by the clean-up")
            .register(registry);
    runsHeld =
        Counter.builder("settleflow.cdc.outbox.cleanup.held")
            .description(
                "Clean-up runs that deleted nothing because the slot is missing or has not confirmed far enough")
            .register(registry);
    pollErrors =
        Counter.builder("settleflow.cdc.maintenance.errors")
            .description("Slot polls or clean-up runs that failed (database unreachable)")
            .register(registry);
    Gauge.builder("settleflow.cdc.slot.lag.bytes", slotLagBytes, AtomicLong::get)
        .description(
            "WAL bytes between pg_current_wal_lsn() and the slot's confirmed_flush_lsn (-1: unknown or no slot)")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("settleflow.cdc.slot.exists", slotExists, AtomicLong::get)
        .description("1 while the replication slot exists")
        .register(registry);
    Gauge.builder("settleflow.cdc.outbox.rows.estimate", outboxRowEstimate, AtomicLong::get)
        .description("ledger.outbox live rows (pg_stat_user_tables.n_live_tup; -1: unknown)")
        .register(registry);
    Gauge.builder("settleflow.cdc.events.per.second", eventsPerSecondMilli, v -> v.get() / 1000.0)
        .description("Events published per second over the last slot poll interval")
        .register(registry);
    scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "outbox-maintenance");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Starts polling the slot and cleaning the outbox.
   *
   * @param publishedCount the relay's published-events counter, for events/s
   */
  public static OutboxMaintenance start(
      ConnectionSource connections,
      String slotName,
      Settings settings,
      DoubleSupplier publishedCount,
      MeterRegistry registry) {
    OutboxMaintenance m =
        new OutboxMaintenance(connections, slotName, settings, publishedCount, registry);
    // both tasks catch, count and log their own failures, so the futures never hold one
    var unusedPolling =
        m.scheduler.scheduleWithFixedDelay(
            m::pollQuietly, 0, settings.slotPollInterval().toMillis(), TimeUnit.MILLISECONDS);
    var unusedCleaning =
        m.scheduler.scheduleWithFixedDelay(
            m::cleanQuietly,
            settings.cleanupInterval().toMillis(),
            settings.cleanupInterval().toMillis(),
            TimeUnit.MILLISECONDS);
    return m;
  }

  public long slotLagBytes() {
    return slotLagBytes.get();
  }

  public double rowsDeletedCount() {
    return rowsDeleted.count();
  }

  private void pollQuietly() {
    try {
      Facts f = readFacts();
      record(f);
    } catch (SQLException | RuntimeException e) {
      failed("slot poll", e);
    }
  }

  private void cleanQuietly() {
    try {
      Facts f = readFacts();
      record(f);
      Decision decision = retention.decide(f.now(), f.walInsertLsn(), f.slot());
      if (decision instanceof Hold h) {
        runsHeld.increment();
        LOG.debug("outbox clean-up held: {}", h.reason());
      } else if (decision instanceof Purge p) {
        int deleted = purge(p.cutoff());
        if (deleted > 0) {
          LOG.debug("outbox clean-up deleted {} rows created before {}", deleted, p.cutoff());
        }
      }
    } catch (SQLException | RuntimeException e) {
      failed("outbox clean-up", e);
    }
  }

  private int purge(Instant cutoff) throws SQLException {
    int total = 0;
    try (PreparedStatement ps = connection().prepareStatement(PURGE_SQL)) {
      for (int batch = 0; batch < settings.maxBatchesPerRun(); batch++) {
        ps.setString(1, slotName);
        ps.setTimestamp(2, Timestamp.from(cutoff));
        ps.setInt(3, settings.batchRows());
        int deleted;
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          deleted = rs.getInt(1);
        }
        total += deleted;
        rowsDeleted.increment(deleted);
        if (deleted < settings.batchRows()) {
          break;
        }
      }
    }
    return total;
  }

  Facts readFacts() throws SQLException {
    try (PreparedStatement ps = connection().prepareStatement(FACTS_SQL)) {
      ps.setString(1, slotName);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        Instant now = rs.getTimestamp(1).toInstant();
        long insertLsn = Lsn.parse(rs.getString(2));
        long walLsn = Lsn.parse(rs.getString(3));
        boolean exists = rs.getBoolean(4);
        String confirmed = rs.getString(5);
        long estimate = rs.getLong(6);
        if (rs.wasNull()) {
          estimate = -1;
        }
        Slot slot = new Slot(exists, Optional.ofNullable(confirmed).map(Lsn::parse));
        return new Facts(now, insertLsn, walLsn, slot, estimate);
      }
    }
  }

  private void record(Facts f) {
    slotExists.set(f.slot().exists() ? 1 : 0);
    slotLagBytes.set(
        f.slot().confirmedFlushLsn().map(c -> Lsn.bytesBetween(c, f.walLsn())).orElse(-1L));
    outboxRowEstimate.set(f.outboxRowEstimate());
    long nanos = System.nanoTime();
    double published = publishedCount.getAsDouble();
    if (!Double.isNaN(lastPublished) && nanos > lastPollNanos) {
      double perSecond = (published - lastPublished) / ((nanos - lastPollNanos) / 1e9);
      eventsPerSecondMilli.set(Math.round(perSecond * 1000));
    }
    lastPublished = published;
    lastPollNanos = nanos;
  }

  private Connection connection() throws SQLException {
    if (connection == null || connection.isClosed()) {
      connection = connections.open();
      connection.setAutoCommit(true);
    }
    return connection;
  }

  private void failed(String what, Exception e) {
    pollErrors.increment();
    LOG.warn("{} failed (will retry): {}", what, e.toString());
    closeConnection();
  }

  private void closeConnection() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException e) {
        LOG.debug("closing the maintenance connection: {}", e.toString());
      }
      connection = null;
    }
  }

  @Override
  public void close() {
    scheduler.shutdown();
    try {
      if (!scheduler.awaitTermination(30, TimeUnit.SECONDS)) {
        scheduler.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeConnection();
  }
}
