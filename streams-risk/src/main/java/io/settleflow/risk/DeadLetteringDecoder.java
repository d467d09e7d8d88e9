package io.settleflow.risk;

import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.SchemaRegistryException;
import io.settleflow.schemas.WireFormatException;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/** The decode step every input of the topology shares: decode, or dead-letter what never will. */
final class DeadLetteringDecoder {
  private DeadLetteringDecoder() {}

  /**
   * The decoded record, or null after forwarding the bytes as {@link DecodedPayment#invalid} (to be
   * dead-lettered). A registry that cannot be reached is not the record's fault: that error
   * propagates and stops the client rather than losing input.
   */
  static <T extends SpecificRecord> T decodeOrDeadLetter(
      ConfluentWireFormat wire,
      Class<T> type,
      FixedKeyRecord<String, byte[]> record,
      FixedKeyProcessorContext<String, DecodedPayment> context) {
    byte[] bytes = record.value();
    try {
      return wire.decode(bytes, type);
    } catch (WireFormatException e) {
      context.forward(
          record.withValue(DecodedPayment.invalid(bytes, e.getClass().getName(), e.getMessage())));
      return null;
    } catch (SchemaRegistryException e) {
      if (e.isTransient()) {
        throw e;
      }
      context.forward(
          record.withValue(DecodedPayment.invalid(bytes, e.getClass().getName(), e.getMessage())));
      return null;
    }
  }
}
