package io.settleflow.schemas;

/**
 * The headers every {@code *.dlq} record carries besides the original key, value and headers
 * (DESIGN.md, topics): why the stage gave up on it and where it came from.
 */
public final class DeadLetterHeaders {
  /** The exception's class name (or a stage's own reason code). */
  public static final String ERROR_CLASS = "error.class";

  /** What was wrong, cut at {@link #MAX_MESSAGE_CHARS}. */
  public static final String ERROR_MESSAGE = "error.message";

  /** The topic the record was read from. */
  public static final String SOURCE_TOPIC = "source.topic";

  /** The partition the record was read from (decimal). */
  public static final String SOURCE_PARTITION = "source.partition";

  /** The record's offset in that partition (decimal). */
  public static final String SOURCE_OFFSET = "source.offset";

  /** Headers are not a log: a runaway message (a huge Avro error) is cut to this many chars. */
  public static final int MAX_MESSAGE_CHARS = 1_000;

  private DeadLetterHeaders() {}

  /** {@code message} cut to {@link #MAX_MESSAGE_CHARS}; null becomes empty. */
  public static String truncate(String message) {
    String m = message == null ? "" : message;
    return m.length() <= MAX_MESSAGE_CHARS ? m : m.substring(0, MAX_MESSAGE_CHARS);
  }
}
