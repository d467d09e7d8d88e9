package io.settleflow.risk;

import io.settleflow.avro.PaymentEvent;
import io.settleflow.avro.RiskDecision;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Builds the published RiskDecision; its ids and time come from the event, so replays repeat it.
 */
public final class RiskDecisions {
  private static final String EVENT_ID_NAMESPACE = "risk:";

  private RiskDecisions() {}

  /**
   * Name-based UUID of {@code "risk:" + source event id}: the same event always yields the same id.
   */
  public static String decisionEventId(String sourceEventId) {
    return UUID.nameUUIDFromBytes(
            (EVENT_ID_NAMESPACE + sourceEventId).getBytes(StandardCharsets.UTF_8))
        .toString();
  }

  /** For an authorization that reached the merchant-keyed part of the topology. */
  static RiskDecision of(MerchantEvent e, RiskAssessment assessment) {
    return RiskDecision.newBuilder()
        .setEventId(decisionEventId(e.eventId()))
        .setSourceEventId(e.eventId())
        .setPaymentId(e.paymentId())
        .setMerchantId(e.merchantId())
        .setAmountMinor(e.amountMinor())
        .setCurrency(e.currency())
        .setScore(assessment.score())
        .setOutcome(assessment.outcome())
        .setReasons(assessment.reasons())
        .setRuleVersions(assessment.ruleVersions())
        .setShadowReasons(assessment.shadowReasons())
        .setDecidedAt(java.time.Instant.ofEpochMilli(e.occurredAtMs()))
        .build();
  }

  public static RiskDecision of(PaymentEvent event, RiskAssessment assessment) {
    return RiskDecision.newBuilder()
        .setEventId(decisionEventId(event.getEventId()))
        .setSourceEventId(event.getEventId())
        .setPaymentId(event.getPaymentId())
        .setMerchantId(event.getMerchantId())
        .setAmountMinor(event.getAmountMinor())
        .setCurrency(event.getCurrency())
        .setScore(assessment.score())
        .setOutcome(assessment.outcome())
        .setReasons(assessment.reasons())
        .setRuleVersions(assessment.ruleVersions())
        .setShadowReasons(assessment.shadowReasons())
        .setDecidedAt(event.getOccurredAt())
        .build();
  }
}
