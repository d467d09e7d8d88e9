package io.settleflow.reconcile;

import io.opentelemetry.api.trace.SpanKind;
import io.settleflow.avro.MismatchAlert;
import io.settleflow.avro.ReconMatch;
import io.settleflow.runtime.Tracing;
import io.settleflow.schemas.ConfluentRegistryClient;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Writes a POJO to Kafka as Confluent-wire Avro with a UTF-8 string key, stamped with the time of
 * writing. The registry client is created in {@link #open} on the task, which also registers the
 * value schema.
 */
public final class ConfluentAvroSerializer<T> implements KafkaRecordSerializationSchema<T> {
  private static final long serialVersionUID = 1L;

  /** A serializable function. */
  public interface Part<T, R> extends Function<T, R>, java.io.Serializable {}

  private final String registryUrl;
  private final String topic;
  private final Part<T, String> key;
  private final Part<T, SpecificRecord> toAvro;
  private final Part<T, String> traceparent;
  private final String spanName;

  /** The value's generated class, whose schema {@link #open} registers; null: on first record. */
  private final Class<? extends SpecificRecord> valueType;

  private transient ConfluentWireFormat wire;
  private transient Tracing tracing;

  public ConfluentAvroSerializer(
      String registryUrl, String topic, Part<T, String> key, Part<T, SpecificRecord> toAvro) {
    this(registryUrl, topic, key, toAvro, null, null, null);
  }

  /**
   * @param traceparent the W3C traceparent of the payment the element is about, or null; when there
   *     is one the record gets header {@code traceparent} of a {@code spanName} span, its child
   *     (issue 7)
   */
  public ConfluentAvroSerializer(
      String registryUrl,
      String topic,
      Part<T, String> key,
      Part<T, SpecificRecord> toAvro,
      Part<T, String> traceparent,
      String spanName,
      Class<? extends SpecificRecord> valueType) {
    this.registryUrl = registryUrl;
    this.topic = topic;
    this.key = key;
    this.toAvro = toAvro;
    this.traceparent = traceparent;
    this.spanName = spanName;
    this.valueType = valueType;
  }

  /** recon.matches: keyed by payment id. */
  public static ConfluentAvroSerializer<PaymentMatch> matches(String registryUrl, String topic) {
    return new ConfluentAvroSerializer<>(
        registryUrl,
        topic,
        m -> m.paymentId,
        ReconAvro::match,
        m -> m.traceparent,
        "recon.match",
        ReconMatch.class);
  }

  /** recon.mismatches: keyed by the alert's own event id. */
  public static ConfluentAvroSerializer<ReconAlert> alerts(String registryUrl, String topic) {
    return new ConfluentAvroSerializer<>(
        registryUrl,
        topic,
        a -> a.eventId,
        ReconAvro::alert,
        a -> a.traceparent,
        "recon.alert",
        MismatchAlert.class);
  }

  @Override
  public void open(
      SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) {
    ConfluentRegistryClient registry = new ConfluentRegistryClient(registryUrl);
    if (valueType != null) {
      // Now, as the task starts, not on the first record: that record would wait for the HTTP
      // client's start and the registry's answer, and so would the checkpoint that commits it
      // (bench e2e: the job's first alert took 2-3 s, issue 10). The id is cached for encode.
      registry.register(Topics.valueSubject(topic), SpecificData.get().getSchema(valueType));
    }
    wire = new ConfluentWireFormat(registry);
    // the instance ReconcileMain installed (no-op elsewhere: the received traceparent goes on)
    tracing = Tracing.processWide();
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
        wire.encode(topic, toAvro.apply(element)),
        traceHeaders(element));
  }

  /** Header traceparent of this step's span under the payment's trace; none without one. */
  private Headers traceHeaders(T element) {
    RecordHeaders headers = new RecordHeaders();
    String received = traceparent == null ? null : traceparent.apply(element);
    if (received != null) {
      (tracing == null ? Tracing.processWide() : tracing)
          .step(spanName, SpanKind.PRODUCER, received)
          .ifPresent(tp -> headers.add(Tracing.TRACEPARENT, tp.getBytes(StandardCharsets.UTF_8)));
    }
    return headers;
  }
}
