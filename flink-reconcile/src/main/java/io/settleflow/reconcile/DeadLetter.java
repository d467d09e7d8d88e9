package io.settleflow.reconcile;

import java.util.Arrays;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

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

  /** The record as read, with why it cannot be decoded. */
  public static DeadLetter of(ConsumerRecord<byte[], byte[]> record, Exception error) {
    DeadLetter d = new DeadLetter();
    d.topic = record.topic();
    d.partition = record.partition();
    d.offset = record.offset();
    d.key = record.key();
    d.value = record.value();
    Header[] headers = record.headers().toArray();
    d.headerKeys = new String[headers.length];
    d.headerValues = new byte[headers.length][];
    for (int i = 0; i < headers.length; i++) {
      d.headerKeys[i] = headers[i].key();
      d.headerValues[i] = headers[i].value();
    }
    d.errorClass = error.getClass().getName();
    d.errorMessage = error.getMessage();
    return d;
  }

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
