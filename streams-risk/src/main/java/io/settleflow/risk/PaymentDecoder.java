package io.settleflow.risk;

import io.settleflow.avro.PaymentEvent;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.SchemaRegistryException;
import java.util.Optional;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/**
 * Decodes and validates the raw input. Records that can never be scored become {@link
 * DecodedPayment#invalid} (to be dead-lettered); a registry that cannot be reached is not the
 * record's fault, so that error propagates and stops the client rather than losing payments.
 */
final class PaymentDecoder implements FixedKeyProcessor<String, byte[], DecodedPayment> {
  /** A registry answer of 5xx may succeed on retry; anything else about an id is permanent. */
  private final ConfluentWireFormat wire;

  private FixedKeyProcessorContext<String, DecodedPayment> context;

  PaymentDecoder(ConfluentWireFormat wire) {
    this.wire = wire;
  }

  @Override
  public void init(FixedKeyProcessorContext<String, DecodedPayment> context) {
    this.context = context;
  }

  @Override
  public void process(FixedKeyRecord<String, byte[]> record) {
    byte[] bytes = record.value();
    PaymentEvent event =
        DeadLetteringDecoder.decodeOrDeadLetter(wire, PaymentEvent.class, record, context);
    if (event == null) {
      return;
    }
    Optional<String> problem =
        PaymentEventValidator.problem(record.key(), event, record.timestamp());
    if (problem.isPresent()) {
      context.forward(
          record.withValue(
              DecodedPayment.invalid(
                  bytes, InvalidPaymentEventException.class.getName(), problem.get())));
      return;
    }
    // From here on event time is the payment's own; input headers (CDC's) are not ours to pass on.
    context.forward(
        record
            .withValue(DecodedPayment.valid(MerchantEvent.of(event)))
            .withTimestamp(event.getOccurredAt().toEpochMilli())
            .withHeaders(new RecordHeaders()));
  }

  static boolean isTransient(SchemaRegistryException e) {
    return e.isTransient();
  }
}
