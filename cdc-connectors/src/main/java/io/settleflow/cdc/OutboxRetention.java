package io.settleflow.cdc;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Optional;

/**
 * When outbox rows may be deleted. Pure: facts in (database time, WAL position, the slot's
 * confirmed LSN), a decision out.
 *
 * <p>Logical decoding reads the WAL, not the table: once a row's INSERT is in the WAL and the slot
 * exists, deleting the row never removes its event from the stream. Two extra rules keep rows
 * around as a recovery path, so that a lost or recreated slot can still be repaired with a fresh
 * snapshot: nothing is deleted while the slot is missing (rows deleted before a slot exists would
 * also be missed by the initial snapshot), and a row is deleted only when it is both older than the
 * retention and behind the slot's {@code confirmed_flush_lsn}, i.e. already in Kafka.
 *
 * <p>Rows carry no LSN, so "behind the confirmed LSN" is established with samples: each run records
 * (database time, WAL insert position). Once the slot has confirmed a sample's position, every
 * transaction that committed before that sample's time is in Kafka. A row's {@code created_at} is
 * taken at the start of its transaction, so rows are held back a further {@link #COMMIT_SLACK} for
 * transactions still open at sample time.
 */
public final class OutboxRetention {
  /**
   * Longest expected gap between a row's created_at and its commit. The ledger's write path is one
   * short transaction (milliseconds); a transaction open longer than this that commits after its
   * rows were purged still reaches Kafka through the WAL, only the recovery copy is gone.
   */
  public static final Duration COMMIT_SLACK = Duration.ofSeconds(10);

  /** Samples kept while the slot lags; dropping the oldest only delays deletes (never unsafe). */
  public static final int MAX_SAMPLES = 10_000;

  /**
   * The replication slot as pg_replication_slots shows it; empty confirmed LSN = never confirmed.
   */
  public record Slot(boolean exists, Optional<Long> confirmedFlushLsn) {
    public static Slot missing() {
      return new Slot(false, Optional.empty());
    }

    public static Slot confirmedAt(long lsn) {
      return new Slot(true, Optional.of(lsn));
    }
  }

  /** The WAL insert position read at database time {@code at}. */
  public record WalSample(Instant at, long walLsn) {}

  /** What to do this run. */
  public sealed interface Decision permits Purge, Hold {}

  /** Delete rows created before {@code cutoff}. */
  public record Purge(Instant cutoff) implements Decision {}

  /** Delete nothing; {@code reason} is logged and counted. */
  public record Hold(String reason) implements Decision {}

  private final Duration retention;
  private final Deque<WalSample> samples = new ArrayDeque<>();

  public OutboxRetention(Duration retention) {
    if (retention.isNegative() || retention.isZero()) {
      throw new IllegalArgumentException("outbox retention must be positive, was " + retention);
    }
    this.retention = retention;
  }

  /**
   * Records this run's sample and decides.
   *
   * @param now database time of the sample
   * @param walInsertLsn {@code pg_current_wal_insert_lsn()} read with {@code now}
   */
  // the watermark is one of the deque's own samples: identity, not equality, is what is meant
  @SuppressWarnings("ReferenceEquality")
  public Decision decide(Instant now, long walInsertLsn, Slot slot) {
    if (!slot.exists()) {
      // Samples taken before a (re)created slot say nothing about what it has confirmed.
      samples.clear();
      return new Hold("replication slot does not exist");
    }
    samples.addLast(new WalSample(now, walInsertLsn));
    while (samples.size() > MAX_SAMPLES) {
      samples.removeFirst();
    }
    if (slot.confirmedFlushLsn().isEmpty()) {
      return new Hold("replication slot has not confirmed any position yet");
    }
    long confirmed = slot.confirmedFlushLsn().get();
    WalSample watermark = null;
    for (Iterator<WalSample> it = samples.iterator(); it.hasNext(); ) {
      WalSample s = it.next();
      if (!Lsn.atOrBefore(s.walLsn(), confirmed)) {
        break;
      }
      watermark = s;
    }
    if (watermark == null) {
      return new Hold("replication slot has not confirmed any sampled WAL position yet");
    }
    // Older samples than the watermark can never be needed again.
    while (samples.peekFirst() != watermark) {
      samples.removeFirst();
    }
    Instant byRetention = now.minus(retention);
    Instant byConfirmed = watermark.at().minus(COMMIT_SLACK);
    return new Purge(byRetention.isBefore(byConfirmed) ? byRetention : byConfirmed);
  }

  int samplesHeld() {
    return samples.size();
  }
}
