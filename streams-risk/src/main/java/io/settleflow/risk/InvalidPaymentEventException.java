package io.settleflow.risk;

/** A decodable PaymentEvent that breaks the contract; named in dead letters' error.class header. */
public final class InvalidPaymentEventException extends RuntimeException {
  public InvalidPaymentEventException(String message) {
    super(message);
  }
}
