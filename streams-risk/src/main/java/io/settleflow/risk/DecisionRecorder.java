package io.settleflow.risk;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.WindowStore;

/**
 * Keeps each decision (raw Confluent-wire bytes, read back from risk.decisions, partitioned by
 * payment id) so GET /risk/payments/{id}/decision can find it on the instance that owns the id.
 * Stamped with the decision's time; the store forgets it after the decision retention.
 */
final class DecisionRecorder implements Processor<String, byte[], Void, Void> {
  private WindowStore<String, byte[]> decisions;

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    decisions = context.getStateStore(RiskTopology.DECISIONS_STORE);
  }

  @Override
  public void process(Record<String, byte[]> record) {
    if (record.key() != null && record.value() != null) {
      decisions.put(record.key(), record.value(), record.timestamp());
    }
  }
}
