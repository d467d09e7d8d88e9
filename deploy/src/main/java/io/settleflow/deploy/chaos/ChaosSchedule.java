package io.settleflow.deploy.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Which faults a chaos run injects and when, derived from its seed alone (java.util.Random), so a
 * failing run replays. Also when the run's settlement files arrive and the settlement deadline that
 * lets their planted overdue payments be found before the load stops. Pure.
 */
public record ChaosSchedule(
    long seed,
    Duration load,
    List<Fault> faults,
    List<Duration> settlementFiles,
    Duration settlementDeadline) {

  /** Faults start after this share of the load, so every stage has seen traffic first. */
  static final double WINDOW_START = 0.15;

  /** and end before this share, leaving the rest of the load to recover under traffic. */
  static final double WINDOW_END = 0.80;

  /** One fault per this much load (at least one of each kind). */
  static final Duration LOAD_PER_FAULT = Duration.ofSeconds(45);

  /** Files arrive this far apart (the load's quarter, within these bounds). */
  static final Duration MIN_FILE_INTERVAL = Duration.ofSeconds(20);

  static final Duration MAX_FILE_INTERVAL = Duration.ofSeconds(60);

  /** How long after a file its oldest payment may wait for settlement (import + reconcile). */
  static final Duration DEADLINE_MARGIN = Duration.ofSeconds(30);

  /** Shortest load a schedule accepts: the stack needs time to see traffic around the faults. */
  public static final Duration MIN_LOAD = Duration.ofSeconds(80);

  /** Risk-engine instances of a chaos stack (one consumer group); a risk fault kills one. */
  public static final int RISK_INSTANCES = 2;

  /** Kafka nodes of a chaos stack (RF 3, min.insync.replicas 2); a broker fault kills one. */
  public static final int BROKERS = 3;

  /** What a fault does to the stack. */
  public enum FaultKind {
    KILL_INGEST("kill -9 + restart ingest-api"),
    KILL_CDC("kill -9 + restart the CDC relay"),
    KILL_RISK("kill -9 + restart risk-engine instance"),
    KILL_RECONCILE("kill -9 + restart the Flink job (restores its newest checkpoint)"),
    RESTART_POSTGRES("PostgreSQL immediate shutdown + restart"),
    KILL_BROKER("kill -9 + restart Kafka broker");

    private final String description;

    FaultKind(String description) {
      this.description = description;
    }

    public String description() {
      return description;
    }

    /** How many targets the kind chooses from (risk instances, brokers); 0 for a single one. */
    int targets() {
      return switch (this) {
        case KILL_RISK -> RISK_INSTANCES;
        case KILL_BROKER -> BROKERS;
        default -> 0;
      };
    }
  }

  /**
   * A fault at an offset from the start of the load; {@code target} is the risk instance or broker
   * (1-based) it hits, 0 for kinds with a single target.
   */
  public record Fault(Duration at, FaultKind kind, int target) {
    public Fault {
      if (kind.targets() == 0 ? target != 0 : target < 1 || target > kind.targets()) {
        throw new IllegalArgumentException(
            "target " + target + " does not fit " + kind + " (" + kind.targets() + " targets)");
      }
    }

    /** What happens, with the target (e.g. "kill -9 + restart Kafka broker 2"). */
    public String description() {
      return kind.targets() == 0 ? kind.description() : kind.description() + " " + target;
    }
  }

  public static ChaosSchedule derive(long seed, Duration load, List<FaultKind> kinds) {
    if (load.compareTo(MIN_LOAD) < 0) {
      throw new IllegalArgumentException(
          "load must be at least " + MIN_LOAD.toSeconds() + " s, was " + load.toSeconds() + " s");
    }
    if (kinds.isEmpty()) {
      throw new IllegalArgumentException("kinds must name at least one fault kind");
    }
    Random random = new Random(seed);
    int count = (int) Math.max(kinds.size(), load.toSeconds() / LOAD_PER_FAULT.toSeconds());
    List<FaultKind> order = new ArrayList<>();
    while (order.size() < count) {
      List<FaultKind> round = new ArrayList<>(kinds);
      Collections.shuffle(round, random);
      order.addAll(round.subList(0, Math.min(round.size(), count - order.size())));
    }
    long startMs = (long) (load.toMillis() * WINDOW_START);
    long slotMs = (long) (load.toMillis() * (WINDOW_END - WINDOW_START)) / count;
    List<Fault> faults = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      long jitterMs = (long) (random.nextDouble() * slotMs / 2);
      FaultKind kind = order.get(i);
      int target = kind.targets() == 0 ? 0 : 1 + random.nextInt(kind.targets());
      faults.add(new Fault(Duration.ofMillis(startMs + i * slotMs + jitterMs), kind, target));
    }

    Duration interval = load.dividedBy(4);
    if (interval.compareTo(MIN_FILE_INTERVAL) < 0) {
      interval = MIN_FILE_INTERVAL;
    } else if (interval.compareTo(MAX_FILE_INTERVAL) > 0) {
      interval = MAX_FILE_INTERVAL;
    }
    Duration deadline = interval.plus(DEADLINE_MARGIN);
    List<Duration> files = new ArrayList<>();
    // file k settles payments from (k-1)·interval on; its planted overdue ones (the oldest) must
    // pass the deadline in event time while payments still flow
    for (int k = 1; ; k++) {
      Duration oldestOverdueAt = interval.multipliedBy(k - 1).plus(deadline);
      if (oldestOverdueAt.plus(Duration.ofSeconds(10)).compareTo(load) >= 0) {
        break;
      }
      files.add(interval.multipliedBy(k));
    }
    return new ChaosSchedule(seed, load, List.copyOf(faults), List.copyOf(files), deadline);
  }

  /** The lines printed before the run, so a failure can be replayed and read. */
  public List<String> describe() {
    List<String> lines = new ArrayList<>();
    lines.add(
        String.format(
            Locale.ROOT,
            "chaos: seed=%d load=%ds faults=%d settlement_files=%d deadline=%ds",
            seed,
            load.toSeconds(),
            faults.size(),
            settlementFiles.size(),
            settlementDeadline.toSeconds()));
    for (Fault f : faults) {
      lines.add(
          String.format(
              Locale.ROOT,
              "  at %6.1f s  %-17s %s",
              f.at().toMillis() / 1000.0,
              f.kind(),
              f.description()));
    }
    for (Duration at : settlementFiles) {
      lines.add(
          String.format(
              Locale.ROOT,
              "  at %6.1f s  SETTLEMENT_FILE   import a file with planted discrepancies",
              at.toMillis() / 1000.0));
    }
    return lines;
  }
}
