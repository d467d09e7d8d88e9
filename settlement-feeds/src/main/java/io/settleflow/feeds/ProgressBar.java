package io.settleflow.feeds;

import java.io.PrintStream;
import java.time.Clock;
import java.util.Locale;

/**
 * Draws one file's import progress on a terminal line (carriage return, no newline until done):
 * {@code statement.xml [#########-----------] 45% 12.3/27.1 MiB 45,000 entries 12,345/s}. Redraws
 * at most every {@link #REDRAW_MILLIS}, so a fast import does not spend its time on the terminal.
 */
public final class ProgressBar implements ImportProgress {
  /** Least time between two redraws. */
  public static final long REDRAW_MILLIS = 200;

  static final int BAR_CHARS = 20;
  private static final double MIB = 1024.0 * 1024.0;

  private final PrintStream out;
  private final Clock clock;
  private final String label;
  private final long startMillis;
  private long lastDrawMillis = Long.MIN_VALUE;

  public ProgressBar(PrintStream out, Clock clock, String label) {
    this.out = out;
    this.clock = clock;
    this.label = label;
    this.startMillis = clock.millis();
  }

  @Override
  public void update(long bytesRead, long totalBytes, long entries, boolean done) {
    long now = clock.millis();
    if (!done && lastDrawMillis != Long.MIN_VALUE && now - lastDrawMillis < REDRAW_MILLIS) {
      return;
    }
    lastDrawMillis = now;
    out.print(
        "\r" + line(label, bytesRead, totalBytes, entries, now - startMillis) + (done ? "\n" : ""));
    out.flush();
  }

  /** The text of one redraw; pure. */
  static String line(
      String label, long bytesRead, long totalBytes, long entries, long elapsedMillis) {
    double fraction = totalBytes <= 0 ? 1.0 : Math.min(1.0, (double) bytesRead / totalBytes);
    int filled = (int) Math.round(fraction * BAR_CHARS);
    long perSecond = elapsedMillis <= 0 ? 0 : entries * 1000 / elapsedMillis;
    return String.format(
        Locale.ROOT,
        "%s [%s%s] %3d%%  %.1f/%.1f MiB  %,d entries  %,d/s",
        label,
        "#".repeat(filled),
        "-".repeat(BAR_CHARS - filled),
        Math.round(fraction * 100),
        bytesRead / MIB,
        totalBytes / MIB,
        entries,
        perSecond);
  }
}
