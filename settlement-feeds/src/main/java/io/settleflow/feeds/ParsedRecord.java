package io.settleflow.feeds;

import io.settleflow.avro.SettlementRecord;

/** A line that became a {@link SettlementRecord}. */
public record ParsedRecord(int lineNumber, SettlementRecord record) implements ParsedLine {}
