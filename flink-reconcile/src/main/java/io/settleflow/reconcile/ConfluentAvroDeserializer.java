package io.settleflow.reconcile;

import io.settleflow.runtime.TraceHeaders;
import io.settleflow.schemas.ConfluentRegistryClient;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.SchemaRegistryException;
import io.settleflow.schemas.WireFormatException;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.metrics.Counter;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads Confluent-wire Avro from Kafka and converts it to a Flink POJO right away; a record that
 * can never be decoded becomes a {@link DeadLetter} instead (left), for {@code recon.dlq}. The
 * registry client is created in {@link #open} on the task, never serialized with the job.
 */
public final class ConfluentAvroDeserializer<A extends SpecificRecord, T>
    implements KafkaRecordDeserializationSchema<Either<DeadLetter, T>> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(ConfluentAvroDeserializer.class);

  /** Records sent to recon.dlq (per source reader); /metrics shows their sum. */
  public static final String DEAD_LETTERS_METRIC = "undecodableRecords";

  /** Converts without capturing anything that cannot be serialized. */
  public interface Converter<A, T> extends Function<A, T>, java.io.Serializable {}

  /** Notes on the converted POJO when its record arrived in Kafka (the record timestamp). */
  public interface Arrival<T> extends java.io.Serializable {
    void stamp(T value, long arrivedAtMs);
  }

  private final String registryUrl;
  private final Class<A> avroType;
  private final Converter<A, T> converter;
  private final Arrival<T> arrival;
  private final TraceStamp<T> trace;
  private final TypeInformation<Either<DeadLetter, T>> producedType;
  private transient ConfluentWireFormat wire;
  private transient Counter undecodable;

  /** Notes on the converted POJO the record's W3C {@code traceparent} header (issue 7). */
  public interface TraceStamp<T> extends java.io.Serializable {
    void stamp(T value, String traceparent);
  }

  public ConfluentAvroDeserializer(
      String registryUrl,
      Class<A> avroType,
      Converter<A, T> converter,
      Arrival<T> arrival,
      Class<T> producedType) {
    this(registryUrl, avroType, converter, arrival, null, producedType);
  }

  /**
   * @param trace given the record's {@code traceparent} header when it has one; null: not read
   */
  public ConfluentAvroDeserializer(
      String registryUrl,
      Class<A> avroType,
      Converter<A, T> converter,
      Arrival<T> arrival,
      TraceStamp<T> trace,
      Class<T> producedType) {
    this.registryUrl = registryUrl;
    this.avroType = avroType;
    this.converter = converter;
    this.arrival = arrival;
    this.trace = trace;
    this.producedType = DeadLetterSplitFunction.orDeadLetter(producedType);
  }

  public static ConfluentAvroDeserializer<io.settleflow.avro.PaymentEvent, LedgerPayment> payments(
      String registryUrl) {
    return new ConfluentAvroDeserializer<>(
        registryUrl,
        io.settleflow.avro.PaymentEvent.class,
        ReconAvro::payment,
        (p, ms) -> p.arrivedAtMs = ms,
        (p, traceparent) -> p.traceparent = traceparent,
        LedgerPayment.class);
  }

  public static ConfluentAvroDeserializer<io.settleflow.avro.SettlementRecord, Settlement>
      settlements(String registryUrl) {
    return new ConfluentAvroDeserializer<>(
        registryUrl,
        io.settleflow.avro.SettlementRecord.class,
        ReconAvro::settlement,
        (s, ms) -> s.arrivedAtMs = ms,
        Settlement.class);
  }

  @Override
  public void open(DeserializationSchema.InitializationContext context) {
    wire = new ConfluentWireFormat(new ConfluentRegistryClient(registryUrl));
    undecodable = context.getMetricGroup().counter(DEAD_LETTERS_METRIC);
  }

  @Override
  public void deserialize(
      ConsumerRecord<byte[], byte[]> record, Collector<Either<DeadLetter, T>> out) {
    if (record.value() == null) {
      return; // a tombstone carries no event
    }
    A decoded;
    try {
      decoded = wire.decode(record.value(), avroType);
    } catch (WireFormatException e) {
      out.collect(Either.Left(deadLettered(record, e)));
      return;
    } catch (SchemaRegistryException e) {
      if (e.isTransient()) {
        // The registry is down, not the record wrong: fail, restart from the checkpoint, retry.
        throw e;
      }
      out.collect(Either.Left(deadLettered(record, e))); // e.g. a schema id it does not know
      return;
    }
    T value = converter.apply(decoded);
    arrival.stamp(value, record.timestamp());
    if (trace != null) {
      TraceHeaders.traceparent(record.headers()).ifPresent(tp -> trace.stamp(value, tp));
    }
    out.collect(Either.Right(value));
  }

  /**
   * One bad record must not stop reconciliation of all others, nor vanish: it goes to recon.dlq
   * (counted, and logged with where it is).
   */
  private DeadLetter deadLettered(ConsumerRecord<byte[], byte[]> record, RuntimeException e) {
    undecodable.inc();
    LOG.warn(
        "dead-lettering undecodable {} at {}-{}@{}: {}",
        avroType.getSimpleName(),
        record.topic(),
        record.partition(),
        record.offset(),
        e.getMessage());
    return asDeadLetter(record, e);
  }

  /** The record as read (topic, partition, offset, key, value, headers), with why it failed. */
  static DeadLetter asDeadLetter(ConsumerRecord<byte[], byte[]> record, Exception error) {
    DeadLetter d = new DeadLetter();
    d.topic = record.topic();
    d.partition = record.partition();
    d.offset = record.offset();
    d.key = record.key();
    d.value = record.value();
    Header[] headers = record.headers().toArray();
    d.headerKeys = new String[headers.length];
    d.headerValues = new byte[headers.length][];
    for (int i = 0; i < headers.length; i++) {
      d.headerKeys[i] = headers[i].key();
      d.headerValues[i] = headers[i].value();
    }
    d.errorClass = error.getClass().getName();
    d.errorMessage = error.getMessage();
    return d;
  }

  @Override
  public TypeInformation<Either<DeadLetter, T>> getProducedType() {
    return producedType;
  }
}
