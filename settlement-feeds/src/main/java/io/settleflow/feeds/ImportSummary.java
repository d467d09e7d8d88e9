package io.settleflow.feeds;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What one import did: lines read, records published, lines rejected and why, and warnings about
 * the file's statements (failed balance proofs). {@link #render()} is what a person reads.
 *
 * @param format the format the file was read as; null when not recorded
 * @param rejectionsByCategory rejected lines counted by {@link RejectedLine#category()} (the
 *     column)
 * @param firstRejections the first few rejected lines, for the person to fix the file
 * @param warnings statement-level findings (at most {@link #MAX_WARNINGS_SHOWN} kept)
 * @param skipped entries not published again because an earlier import of the same file (same
 *     source, format and fingerprint) committed them; {@code linesRead = published + rejected +
 *     skipped}
 */
public record ImportSummary(
    String file,
    String source,
    String fileId,
    int linesRead,
    int published,
    int rejected,
    SortedMap<String, Integer> rejectionsByCategory,
    List<RejectedLine> firstRejections,
    String format,
    List<FileWarning> warnings,
    int skipped) {
  /** Rejected lines shown in full in a summary; the topic holds them all. */
  public static final int MAX_REJECTIONS_SHOWN = 10;

  /** Warnings kept and shown; a file of thousands of failing statements still sums up briefly. */
  public static final int MAX_WARNINGS_SHOWN = 10;

  public ImportSummary {
    rejectionsByCategory = Collections.unmodifiableSortedMap(new TreeMap<>(rejectionsByCategory));
    firstRejections = List.copyOf(firstRejections);
    warnings = List.copyOf(warnings);
  }

  public ImportSummary(
      String file,
      String source,
      String fileId,
      int linesRead,
      int published,
      int rejected,
      SortedMap<String, Integer> rejectionsByCategory,
      List<RejectedLine> firstRejections) {
    this(
        file,
        source,
        fileId,
        linesRead,
        published,
        rejected,
        rejectionsByCategory,
        firstRejections,
        null,
        List.of(),
        0);
  }

  /** The summary of a parsed file whose records and rejections were all published. */
  public static ImportSummary of(String file, String source, ParsedFile parsed) {
    return of(file, source, null, parsed);
  }

  public static ImportSummary of(String file, String source, String format, ParsedFile parsed) {
    Tally tally = new Tally();
    parsed.lines().forEach(tally::accept);
    parsed.warnings().forEach(tally::warn);
    return tally.summary(file, source, format, parsed.fileId());
  }

  /** Counts entries as they stream past, keeping only the first few rejections and warnings. */
  public static final class Tally implements ParsedLineSink {
    private int lines;
    private int records;
    private int rejected;
    private int skipped;
    private int warningCount;
    private final SortedMap<String, Integer> byCategory = new TreeMap<>();
    private final List<RejectedLine> firstRejections = new ArrayList<>();
    private final List<FileWarning> firstWarnings = new ArrayList<>();

    @Override
    public void accept(ParsedLine line) {
      lines++;
      if (line instanceof RejectedLine r) {
        rejected++;
        byCategory.merge(r.category(), 1, Integer::sum);
        if (firstRejections.size() < MAX_REJECTIONS_SHOWN) {
          firstRejections.add(r);
        }
      } else {
        records++;
      }
    }

    /** An entry an earlier import already committed: counted as read and skipped, nothing else. */
    public void skip(ParsedLine line) {
      lines++;
      skipped++;
    }

    @Override
    public void warn(FileWarning warning) {
      warningCount++;
      if (firstWarnings.size() < MAX_WARNINGS_SHOWN) {
        firstWarnings.add(warning);
      }
    }

    public int lines() {
      return lines;
    }

    public int warnings() {
      return warningCount;
    }

    public ImportSummary summary(String file, String source, String format, String fileId) {
      return new ImportSummary(
          file,
          source,
          fileId,
          lines,
          records,
          rejected,
          byCategory,
          firstRejections,
          format,
          firstWarnings,
          skipped);
    }
  }

  /** A few lines for a terminal. */
  public String render() {
    StringBuilder out = new StringBuilder();
    out.append(file)
        .append(" (source ")
        .append(source)
        .append(", file id ")
        .append(fileId, 0, Math.min(12, fileId.length()));
    if (format != null) {
      out.append(", format ").append(format);
    }
    out.append("): ")
        .append(linesRead)
        .append(linesRead == 1 ? " line read, " : " lines read, ")
        .append(published)
        .append(" published, ")
        .append(rejected)
        .append(" rejected, ")
        .append(skipped)
        .append(" skipped as already imported");
    if (!warnings.isEmpty()) {
      out.append(", ")
          .append(warnings.size())
          .append(warnings.size() == 1 ? " warning" : " warnings");
      if (warnings.size() == MAX_WARNINGS_SHOWN) {
        out.append(" (or more)");
      }
    }
    if (rejected > 0) {
      out.append("\n  rejected by column:");
      rejectionsByCategory.forEach(
          (category, count) -> out.append("\n    ").append(category).append(": ").append(count));
      out.append("\n  first rejected lines:");
      for (RejectedLine r : firstRejections) {
        out.append("\n    line ").append(r.lineNumber()).append(": ").append(r.reason());
      }
      if (rejected > firstRejections.size()) {
        out.append("\n    … ")
            .append(rejected - firstRejections.size())
            .append(" more on the rejected topic");
      }
    }
    if (!warnings.isEmpty()) {
      out.append("\n  warnings (records published, check them):");
      for (FileWarning w : warnings) {
        out.append("\n    line ").append(w.lineNumber()).append(": ").append(w.reason());
      }
    }
    return out.toString();
  }

  @Override
  public String toString() {
    return render();
  }
}
