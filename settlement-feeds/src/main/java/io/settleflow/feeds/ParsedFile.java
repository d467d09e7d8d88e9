package io.settleflow.feeds;

import io.settleflow.avro.SettlementRecord;
import java.util.List;

/** What a parser made of one file: one entry per data line, in file order. */
public record ParsedFile(String fileId, List<ParsedLine> lines) {
  public ParsedFile {
    lines = List.copyOf(lines);
  }

  public List<SettlementRecord> records() {
    return lines.stream()
        .filter(ParsedRecord.class::isInstance)
        .map(l -> ((ParsedRecord) l).record())
        .toList();
  }

  public List<RejectedLine> rejections() {
    return lines.stream().filter(RejectedLine.class::isInstance).map(RejectedLine.class::cast).toList();
  }
}
