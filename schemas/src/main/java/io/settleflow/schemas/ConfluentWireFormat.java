package io.settleflow.schemas;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * Avro in Confluent's wire format: magic byte 0, a 4-byte big-endian schema id, then the Avro
 * binary encoding of the record. Any Confluent-compatible consumer reads what this writes.
 */
public final class ConfluentWireFormat {
  public static final byte MAGIC = 0;
  public static final int HEADER_BYTES = 5;

  private final SchemaRegistry registry;

  /**
   * Per topic and schema: the 5-byte header and the datum writer, built once. Every producer
   * encodes on its hot path; registering (even a cached lookup, which serialises the schema to
   * JSON) and building a writer per record cost more than the encoding. Datum writers are safe to
   * share between threads. A failed registration is not cached, so the next record retries it.
   */
  private final Map<Target, Prepared> prepared = new ConcurrentHashMap<>();

  private record Target(String topic, Schema schema) {}

  private record Prepared(byte[] header, SpecificDatumWriter<SpecificRecord> writer) {}

  /**
   * Per writer schema id and generated class: the datum reader, built once. Building one per record
   * (schema resolution included) cost ≈5 % of the risk engine's stream thread. Datum readers are
   * safe to share between threads (Avro keeps its resolvers per thread). A failed schema lookup is
   * not cached.
   */
  private final Map<Reading, SpecificDatumReader<?>> readers = new ConcurrentHashMap<>();

  private record Reading(int schemaId, Class<?> type) {}

  public ConfluentWireFormat(SchemaRegistry registry) {
    this.registry = registry;
  }

  /** Encodes the record, registering its schema under {@code <topic>-value} on first use. */
  public byte[] encode(String topic, SpecificRecord record) {
    Prepared p = prepared.computeIfAbsent(new Target(topic, record.getSchema()), this::prepare);
    ByteArrayOutputStream out = new ByteArrayOutputStream(128);
    out.writeBytes(p.header());
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
    try {
      p.writer().write(record, encoder);
      encoder.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private Prepared prepare(Target target) {
    int id = registry.register(Topics.valueSubject(target.topic()), target.schema());
    byte[] header = ByteBuffer.allocate(HEADER_BYTES).put(MAGIC).putInt(id).array();
    return new Prepared(header, new SpecificDatumWriter<>(target.schema()));
  }

  /** Decodes bytes written by any Confluent-wire producer into the given generated class. */
  public <T extends SpecificRecord> T decode(byte[] bytes, Class<T> type) {
    if (bytes == null || bytes.length < HEADER_BYTES) {
      throw new WireFormatException(
          "not Confluent wire format: " + (bytes == null ? "null" : bytes.length + " bytes"));
    }
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    byte magic = buffer.get();
    if (magic != MAGIC) {
      throw new WireFormatException("not Confluent wire format: magic byte " + magic);
    }
    int id = buffer.getInt();
    @SuppressWarnings("unchecked") // built for exactly this class below
    SpecificDatumReader<T> datumReader =
        (SpecificDatumReader<T>)
            readers.computeIfAbsent(
                new Reading(id, type),
                r ->
                    new SpecificDatumReader<T>(
                        registry.schemaById(id), SpecificData.get().getSchema(type)));
    BinaryDecoder decoder =
        DecoderFactory.get().binaryDecoder(bytes, HEADER_BYTES, bytes.length - HEADER_BYTES, null);
    try {
      return datumReader.read(null, decoder);
    } catch (IOException | RuntimeException e) {
      throw new WireFormatException(
          "cannot decode " + type.getSimpleName() + " written with schema id " + id, e);
    }
  }
}
