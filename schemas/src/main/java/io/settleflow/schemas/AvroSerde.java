package io.settleflow.schemas;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** Kafka serializer and deserializer for a generated Avro class, in Confluent wire format. */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T> {
  private final ConfluentWireFormat wire;
  private final Class<T> type;

  public AvroSerde(SchemaRegistry registry, Class<T> type) {
    this.wire = new ConfluentWireFormat(registry);
    this.type = type;
  }

  @Override
  public Serializer<T> serializer() {
    return (topic, record) -> record == null ? null : wire.encode(topic, record);
  }

  @Override
  public Deserializer<T> deserializer() {
    return (topic, bytes) -> bytes == null ? null : wire.decode(bytes, type);
  }
}
