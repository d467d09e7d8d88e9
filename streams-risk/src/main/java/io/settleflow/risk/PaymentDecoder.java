package io.settleflow.risk;

import io.opentelemetry.api.trace.SpanKind;
import io.settleflow.avro.PaymentEvent;
import io.settleflow.runtime.TraceHeaders;
import io.settleflow.runtime.Tracing;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.SchemaRegistryException;
import java.util.Optional;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/**
 * Decodes and validates the raw input. Records that can never be scored become {@link
 * DecodedPayment#invalid} (to be dead-lettered); a registry that cannot be reached is not the
 * record's fault, so that error propagates and stops the client rather than losing payments.
 */
final class PaymentDecoder implements FixedKeyProcessor<String, byte[], DecodedPayment> {
  /**
   * The span a payment's way through risk scoring is marked with; its traceparent, a child of the
   * one CDC copied from the outbox row, is what the decision carries (issue 7).
   */
  static final String SPAN_NAME = "risk.score";

  /** A registry answer of 5xx may succeed on retry; anything else about an id is permanent. */
  private final ConfluentWireFormat wire;

  private final int scoringPartitions;
  private int taskPartition;

  private final Tracing tracing = Tracing.processWide();

  private FixedKeyProcessorContext<String, DecodedPayment> context;

  PaymentDecoder(ConfluentWireFormat wire, int scoringPartitions) {
    this.wire = wire;
    this.scoringPartitions = scoringPartitions;
  }

  /** Whether this task owns the movement's merchant (see {@link RiskTopology#scoresHere}). */
  private boolean scoredHere(MerchantEvent movement) {
    return RiskTopology.scoresHere(movement.merchantId(), scoringPartitions, taskPartition);
  }

  @Override
  public void init(FixedKeyProcessorContext<String, DecodedPayment> context) {
    this.context = context;
    this.taskPartition = context.taskId().partition();
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
    // From here on event time is the payment's own; of CDC's headers only the trace context goes
    // on (through the repartition to the decision), as the risk.score span's child
    MerchantEvent movement = MerchantEvent.of(event);
    context.forward(
        record
            .withValue(DecodedPayment.valid(movement, scoredHere(movement)))
            .withTimestamp(event.getOccurredAt().toEpochMilli())
            .withHeaders(
                TraceHeaders.next(tracing, SPAN_NAME, SpanKind.CONSUMER, record.headers())));
  }

  static boolean isTransient(SchemaRegistryException e) {
    return e.isTransient();
  }
}
