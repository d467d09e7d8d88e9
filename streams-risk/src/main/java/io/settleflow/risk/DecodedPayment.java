package io.settleflow.risk;

/**
 * One input record after decoding: either the event, or the original bytes with why they could not
 * be used. Lives only between two processors of one task; never serialized.
 *
 * @param inScoringTask the record was read from the partition its merchant's scoring task owns (the
 *     producer partitioned by merchant), so it is scored here without the repartition hop
 */
record DecodedPayment(
    MerchantEvent event,
    byte[] original,
    String errorClass,
    String errorMessage,
    boolean inScoringTask) {
  static DecodedPayment valid(MerchantEvent event, boolean inScoringTask) {
    return new DecodedPayment(event, null, null, null, inScoringTask);
  }

  static DecodedPayment invalid(byte[] original, String errorClass, String errorMessage) {
    return new DecodedPayment(null, original, errorClass, errorMessage, false);
  }

  boolean isValid() {
    return event != null;
  }
}
