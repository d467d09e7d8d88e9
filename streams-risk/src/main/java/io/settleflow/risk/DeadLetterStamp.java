package io.settleflow.risk;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/** Turns an invalid record back into its original bytes with the dead-letter headers. */
final class DeadLetterStamp implements FixedKeyProcessor<String, DecodedPayment, byte[]> {
  public static final String ERROR_CLASS = "error.class";
  public static final String ERROR_MESSAGE = "error.message";
  public static final String SOURCE_TOPIC = "source.topic";

  /** Headers are not a log: a runaway message (a huge Avro error) is cut here. */
  static final int MAX_MESSAGE_CHARS = 1_000;

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
    headers.remove(ERROR_CLASS).remove(ERROR_MESSAGE).remove(SOURCE_TOPIC);
    headers.add(ERROR_CLASS, utf8(bad.errorClass()));
    headers.add(ERROR_MESSAGE, utf8(truncate(bad.errorMessage())));
    headers.add(SOURCE_TOPIC, utf8(topic));
    counters.deadLettered();
    context.forward(record.withValue(bad.original()).withHeaders(headers));
  }

  private static String truncate(String message) {
    String m = message == null ? "" : message;
    return m.length() <= MAX_MESSAGE_CHARS ? m : m.substring(0, MAX_MESSAGE_CHARS);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
