package io.settleflow.feeds;

import io.settleflow.avro.SettlementRecord;
import java.util.List;

/**
 * What a parser made of one file: one entry per data line, in file order, and warnings about the
 * file or its statements (e.g. a failed balance proof) that did not stop its records.
 */
public record ParsedFile(String fileId, List<ParsedLine> lines, List<FileWarning> warnings) {
  public ParsedFile {
    lines = List.copyOf(lines);
    warnings = List.copyOf(warnings);
  }

  public ParsedFile(String fileId, List<ParsedLine> lines) {
    this(fileId, lines, List.of());
  }

  public List<SettlementRecord> records() {
    return lines.stream()
        .filter(ParsedRecord.class::isInstance)
        .map(l -> ((ParsedRecord) l).record())
        .toList();
  }

  public List<RejectedLine> rejections() {
    return lines.stream()
        .filter(RejectedLine.class::isInstance)
        .map(RejectedLine.class::cast)
        .toList();
  }
}
