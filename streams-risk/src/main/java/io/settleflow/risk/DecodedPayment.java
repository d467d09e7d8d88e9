package io.settleflow.risk;

/**
 * One input record after decoding: either the event, or the original bytes with why they could not
 * be used. Lives only between two processors of one task; never serialized.
 */
record DecodedPayment(
    MerchantEvent event, byte[] original, String errorClass, String errorMessage) {
  static DecodedPayment valid(MerchantEvent event) {
    return new DecodedPayment(event, null, null, null);
  }

  static DecodedPayment invalid(byte[] original, String errorClass, String errorMessage) {
    return new DecodedPayment(null, original, errorClass, errorMessage);
  }

  boolean isValid() {
    return event != null;
  }
}
