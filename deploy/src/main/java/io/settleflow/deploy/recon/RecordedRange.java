package io.settleflow.deploy.recon;

import io.settleflow.deploy.rules.LedgerTopicHistory;
import io.settleflow.schemas.Topics;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What {@code recon backtest --from} names on the topics: a time range of record time ({@code
 * FROM..TO}), or explicit offsets ({@code TOPIC:PARTITION:FIRST-END,...}, end excluded; partitions
 * not named are not read). Pure.
 */
public record RecordedRange(LedgerTopicHistory.TimeRange time, Map<String, Span> offsets) {
  /** The topics reconciliation reads, in the order their records are written to the recording. */
  public static final List<String> TOPICS =
      Stream.concat(Topics.RECONCILED_LEDGER_EVENTS.stream(), Stream.of(Topics.SETTLEMENTS_RAW))
          .toList();

  /** Offsets {@code [first, end)} of one partition. */
  public record Span(long first, long end) {}

  /** Partitions named in one offsets spec. */
  public static final int MAX_PARTITIONS = 1_000;

  /** True when {@code s} looks like offsets rather than a file or a time range. */
  public static boolean looksLikeOffsets(String s) {
    return TOPICS.stream().anyMatch(t -> s.startsWith(t + ":"));
  }

  /**
   * @throws IllegalArgumentException naming {@code --from} and the part that is wrong
   */
  public static RecordedRange parse(String s) {
    if (LedgerTopicHistory.TimeRange.looksLikeRange(s)) {
      return new RecordedRange(LedgerTopicHistory.TimeRange.parse(s), null);
    }
    Map<String, Span> offsets = new TreeMap<>();
    for (String part : s.split(",", -1)) {
      String[] f = part.strip().split(":", -1);
      if (f.length != 3) {
        throw new IllegalArgumentException(
            "--from: offsets are TOPIC:PARTITION:FIRST-END, got '" + part + "'");
      }
      if (!TOPICS.contains(f[0])) {
        throw new IllegalArgumentException(
            "--from: topic '" + f[0] + "' is not one reconciliation reads " + TOPICS);
      }
      int partition = (int) number(f[1], "partition", part);
      String[] range = f[2].split("-", -1);
      if (range.length != 2) {
        throw new IllegalArgumentException(
            "--from: offsets FIRST-END (end excluded), got '" + f[2] + "' in '" + part + "'");
      }
      long first = number(range[0], "first offset", part);
      long end = number(range[1], "end offset", part);
      if (end < first) {
        throw new IllegalArgumentException(
            "--from: the end offset "
                + end
                + " is before the first "
                + first
                + " in '"
                + part
                + "'");
      }
      if (offsets.put(f[0] + "-" + partition, new Span(first, end)) != null) {
        throw new IllegalArgumentException(
            "--from: " + f[0] + " partition " + partition + " twice");
      }
      if (offsets.size() > MAX_PARTITIONS) {
        throw new IllegalArgumentException("--from: more than " + MAX_PARTITIONS + " partitions");
      }
    }
    return new RecordedRange(null, offsets);
  }

  private static long number(String s, String what, String part) {
    try {
      long n = Long.parseLong(s.strip());
      if (n < 0) {
        throw new NumberFormatException("negative");
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "--from: " + what + " '" + s + "' is not a non-negative number in '" + part + "'", e);
    }
  }
}
