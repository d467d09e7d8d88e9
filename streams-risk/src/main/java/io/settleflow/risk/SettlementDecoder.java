package io.settleflow.risk;

import io.settleflow.avro.SettlementRecord;
import io.settleflow.avro.SettlementRecordType;
import io.settleflow.schemas.ConfluentWireFormat;
import java.util.regex.Pattern;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/**
 * settlements.raw → the settled payments that reduce a merchant's open exposure. Undecodable bytes
 * are dead-lettered; lines that are not a settled PAYMENT of a named merchant (fees, refunds,
 * chargebacks, lines without merchant) are normal and simply not used.
 */
final class SettlementDecoder implements FixedKeyProcessor<String, byte[], DecodedPayment> {
  private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");

  private final ConfluentWireFormat wire;
  private final int scoringPartitions;
  private int taskPartition;
  private FixedKeyProcessorContext<String, DecodedPayment> context;

  SettlementDecoder(ConfluentWireFormat wire, int scoringPartitions) {
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
    SettlementRecord s =
        DeadLetteringDecoder.decodeOrDeadLetter(wire, SettlementRecord.class, record, context);
    if (s == null || !usable(s)) {
      return;
    }
    MerchantEvent movement = MerchantEvent.settled(s);
    context.forward(
        record
            .withValue(DecodedPayment.valid(movement, scoredHere(movement)))
            .withTimestamp(s.getSettledAt().toEpochMilli())
            .withHeaders(new RecordHeaders()));
  }

  static boolean usable(SettlementRecord s) {
    return s.getRecordType() == SettlementRecordType.PAYMENT
        && s.getMerchantId() != null
        && !s.getMerchantId().isBlank()
        && s.getMerchantId().length() <= PaymentEventValidator.MAX_ID_CHARS
        && s.getEventId() != null
        && !s.getEventId().isBlank()
        && s.getGrossAmountMinor() > 0
        && s.getCurrency() != null
        && CURRENCY.matcher(s.getCurrency()).matches();
  }
}
