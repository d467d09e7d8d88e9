package io.settleflow.feeds;

import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What one import did: lines read, records published, lines rejected and why. {@link #render()}
 * is what a person running the importer reads.
 *
 * @param rejectionsByCategory rejected lines counted by {@link RejectedLine#category()} (the column)
 * @param firstRejections the first few rejected lines, for the person to fix the file
 */
public record ImportSummary(
    String file,
    String source,
    String fileId,
    int linesRead,
    int published,
    int rejected,
    SortedMap<String, Integer> rejectionsByCategory,
    List<RejectedLine> firstRejections) {
  /** Rejected lines shown in full in a summary; the topic holds them all. */
  public static final int MAX_REJECTIONS_SHOWN = 10;

  public ImportSummary {
    rejectionsByCategory = Collections.unmodifiableSortedMap(new TreeMap<>(rejectionsByCategory));
    firstRejections = List.copyOf(firstRejections);
  }

  /** The summary of a parsed file whose records and rejections were all published. */
  public static ImportSummary of(String file, String source, ParsedFile parsed) {
    SortedMap<String, Integer> byCategory = new TreeMap<>();
    List<RejectedLine> rejections = parsed.rejections();
    for (RejectedLine r : rejections) {
      byCategory.merge(r.category(), 1, Integer::sum);
    }
    return new ImportSummary(
        file,
        source,
        parsed.fileId(),
        parsed.lines().size(),
        parsed.records().size(),
        rejections.size(),
        byCategory,
        rejections.subList(0, Math.min(MAX_REJECTIONS_SHOWN, rejections.size())));
  }

  /** A few lines for a terminal. */
  public String render() {
    StringBuilder out = new StringBuilder();
    out.append(file)
        .append(" (source ")
        .append(source)
        .append(", file id ")
        .append(fileId, 0, Math.min(12, fileId.length()))
        .append("): ")
        .append(linesRead)
        .append(linesRead == 1 ? " line read, " : " lines read, ")
        .append(published)
        .append(" published, ")
        .append(rejected)
        .append(" rejected");
    if (rejected > 0) {
      out.append("\n  rejected by column:");
      rejectionsByCategory.forEach(
          (category, count) -> out.append("\n    ").append(category).append(": ").append(count));
      out.append("\n  first rejected lines:");
      for (RejectedLine r : firstRejections) {
        out.append("\n    line ").append(r.lineNumber()).append(": ").append(r.reason());
      }
      if (rejected > firstRejections.size()) {
        out.append("\n    … ").append(rejected - firstRejections.size()).append(" more on the rejected topic");
      }
    }
    return out.toString();
  }

  @Override
  public String toString() {
    return render();
  }
}
