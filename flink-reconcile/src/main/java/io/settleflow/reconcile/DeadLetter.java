package io.settleflow.reconcile;

import java.util.Arrays;

/**
 * An input record the job cannot decode, on its way to {@code recon.dlq} with its original key,
 * value and headers and the reason (a Flink POJO: public fields, no-arg constructor).
 */
public class DeadLetter implements java.io.Serializable {
  private static final long serialVersionUID = 1L;

  public String topic;
  public int partition;
  public long offset;

  public byte[] key;
  public byte[] value;
  public String[] headerKeys;
  public byte[][] headerValues;
  public String errorClass;
  public String errorMessage;

  public DeadLetter() {}

  @Override
  public String toString() {
    return "DeadLetter{"
        + topic
        + "-"
        + partition
        + "@"
        + offset
        + ", "
        + errorClass
        + ": "
        + errorMessage
        + ", headers "
        + Arrays.toString(headerKeys)
        + "}";
  }
}
