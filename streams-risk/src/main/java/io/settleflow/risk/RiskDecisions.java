package io.settleflow.risk;

import io.settleflow.avro.PaymentEvent;
import io.settleflow.avro.RiskDecision;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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
    // UUID.nameUUIDFromBytes, with this thread's MD5 instead of a provider lookup per call
    MessageDigest md5 = MD5.get();
    md5.reset();
    byte[] h = md5.digest((EVENT_ID_NAMESPACE + sourceEventId).getBytes(StandardCharsets.UTF_8));
    h[6] = (byte) ((h[6] & 0x0f) | 0x30); // version 3: name-based, MD5
    h[8] = (byte) ((h[8] & 0x3f) | 0x80); // IETF variant
    ByteBuffer b = ByteBuffer.wrap(h);
    return new UUID(b.getLong(), b.getLong()).toString();
  }

  private static final ThreadLocal<MessageDigest> MD5 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("MD5");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("every Java platform has MD5", e);
            }
          });

  /** For an authorization that reached the merchant-keyed part of the topology. */
  static RiskDecision of(MerchantEvent e, RiskAssessment assessment) {
    // every field set through the all-fields constructor: the builder's default-value copies cost
    // more than the rest of the decision on the hot path
    return new RiskDecision(
        decisionEventId(e.eventId()),
        e.eventId(),
        e.paymentId(),
        e.merchantId(),
        e.amountMinor(),
        e.currency(),
        assessment.score(),
        assessment.outcome(),
        assessment.reasons(),
        assessment.ruleVersions(),
        assessment.shadowReasons(),
        java.time.Instant.ofEpochMilli(e.occurredAtMs()));
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
