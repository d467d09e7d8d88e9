package io.settleflow.schemas;

/** Bytes that are not a decodable Confluent-wire Avro record. */
public class WireFormatException extends RuntimeException {
  public WireFormatException(String message) {
    super(message);
  }

  public WireFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
