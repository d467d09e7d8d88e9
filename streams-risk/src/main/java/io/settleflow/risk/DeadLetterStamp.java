package io.settleflow.risk;

import io.settleflow.schemas.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/** Turns an invalid record back into its original bytes with the dead-letter headers. */
final class DeadLetterStamp implements FixedKeyProcessor<String, DecodedPayment, byte[]> {
  private final String sourceTopic;
  private final RiskCounters counters;
  private FixedKeyProcessorContext<String, byte[]> context;

  DeadLetterStamp(String sourceTopic, RiskCounters counters) {
    this.sourceTopic = sourceTopic;
    this.counters = counters;
  }

  @Override
  public void init(FixedKeyProcessorContext<String, byte[]> context) {
    this.context = context;
  }

  @Override
  public void process(FixedKeyRecord<String, DecodedPayment> record) {
    DecodedPayment bad = record.value();
    String topic = context.recordMetadata().map(RecordMetadata::topic).orElse(sourceTopic);
    Headers headers = new RecordHeaders(record.headers().toArray());
    headers
        .remove(DeadLetterHeaders.ERROR_CLASS)
        .remove(DeadLetterHeaders.ERROR_MESSAGE)
        .remove(DeadLetterHeaders.SOURCE_TOPIC);
    headers.add(DeadLetterHeaders.ERROR_CLASS, utf8(bad.errorClass()));
    headers.add(
        DeadLetterHeaders.ERROR_MESSAGE, utf8(DeadLetterHeaders.truncate(bad.errorMessage())));
    headers.add(DeadLetterHeaders.SOURCE_TOPIC, utf8(topic));
    counters.deadLettered();
    context.forward(record.withValue(bad.original()).withHeaders(headers));
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
