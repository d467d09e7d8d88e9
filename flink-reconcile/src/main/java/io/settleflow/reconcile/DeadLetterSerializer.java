package io.settleflow.reconcile;

import io.settleflow.schemas.DeadLetterHeaders;
import io.settleflow.schemas.Topics;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Writes a dead letter to {@code recon.dlq} as the record was read (key, value, headers) plus the
 * error headers every {@code *.dlq} carries; an input header of the same name is replaced, so each
 * error header appears once. Stamped when written, so the topic's retention counts from the dead
 * lettering, not from the original record's time.
 */
final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {
  private static final long serialVersionUID = 1L;

  @Override
  public ProducerRecord<byte[], byte[]> serialize(
      DeadLetter d, KafkaSinkContext context, Long timestamp) {
    RecordHeaders headers = new RecordHeaders();
    for (int i = 0; i < d.headerKeys.length; i++) {
      headers.add(d.headerKeys[i], d.headerValues[i]);
    }
    headers
        .remove(DeadLetterHeaders.ERROR_CLASS)
        .remove(DeadLetterHeaders.ERROR_MESSAGE)
        .remove(DeadLetterHeaders.SOURCE_TOPIC)
        .remove(DeadLetterHeaders.SOURCE_PARTITION)
        .remove(DeadLetterHeaders.SOURCE_OFFSET);
    headers
        .add(DeadLetterHeaders.ERROR_CLASS, utf8(d.errorClass))
        .add(DeadLetterHeaders.ERROR_MESSAGE, utf8(DeadLetterHeaders.truncate(d.errorMessage)))
        .add(DeadLetterHeaders.SOURCE_TOPIC, utf8(d.topic))
        .add(DeadLetterHeaders.SOURCE_PARTITION, utf8(Integer.toString(d.partition)))
        .add(DeadLetterHeaders.SOURCE_OFFSET, utf8(Long.toString(d.offset)));
    return new ProducerRecord<>(Topics.RECON_DLQ, null, null, d.key, d.value, headers);
  }

  private static byte[] utf8(String s) {
    return (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
  }
}
