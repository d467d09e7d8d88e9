package io.settleflow.reconcile;

import io.settleflow.schemas.ConfluentRegistryClient;
import io.settleflow.schemas.ConfluentWireFormat;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes a POJO to Kafka as Confluent-wire Avro with a UTF-8 string key, stamped with the time of
 * writing. The registry client is created in {@link #open} on the task.
 */
public final class ConfluentAvroSerializer<T> implements KafkaRecordSerializationSchema<T> {
  private static final long serialVersionUID = 1L;

  /** A serializable function. */
  public interface Part<T, R> extends Function<T, R>, java.io.Serializable {}

  private final String registryUrl;
  private final String topic;
  private final Part<T, String> key;
  private final Part<T, SpecificRecord> toAvro;
  private transient ConfluentWireFormat wire;

  public ConfluentAvroSerializer(
      String registryUrl, String topic, Part<T, String> key, Part<T, SpecificRecord> toAvro) {
    this.registryUrl = registryUrl;
    this.topic = topic;
    this.key = key;
    this.toAvro = toAvro;
  }

  /** recon.matches: keyed by payment id. */
  public static ConfluentAvroSerializer<PaymentMatch> matches(String registryUrl, String topic) {
    return new ConfluentAvroSerializer<>(registryUrl, topic, m -> m.paymentId, ReconAvro::match);
  }

  /** recon.mismatches: keyed by the alert's own event id. */
  public static ConfluentAvroSerializer<ReconAlert> alerts(String registryUrl, String topic) {
    return new ConfluentAvroSerializer<>(registryUrl, topic, a -> a.eventId, ReconAvro::alert);
  }

  @Override
  public void open(
      SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) {
    wire = new ConfluentWireFormat(new ConfluentRegistryClient(registryUrl));
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(
      T element, KafkaSinkContext context, Long timestamp) {
    String k = key.apply(element);
    // No record timestamp: the producer stamps the time of writing. Flink would pass the element's
    // event time, and a settlement dated more than the topic's retention ago (a backfill, a test
    // fixture) would then be deleted by the broker's next retention check right after commit.
    // Event time travels in the payload (detected_at, matched_at).
    return new ProducerRecord<>(
        topic,
        null,
        null,
        k == null ? null : k.getBytes(StandardCharsets.UTF_8),
        wire.encode(topic, toAvro.apply(element)));
  }
}
