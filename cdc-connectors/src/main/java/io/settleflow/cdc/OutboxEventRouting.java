package io.settleflow.cdc;

import io.settleflow.schemas.DeadLetterHeaders;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Decides what happens to one record after the EventRouter: publish it (key, value and headers as
 * bytes), send it to the dead-letter topic with a reason, or skip it (a heartbeat). Mirrors what
 * Kafka Connect does with the connector's StringConverter / ByteArrayConverter, so the embedded
 * relay and Connect put the same bytes on the wire.
 *
 * <p>Pure: no Kafka, no Debezium types.
 */
public final class OutboxEventRouting {
  public static final String EVENT_ID_HEADER = "event_id";

  /** The header the EventRouter itself always adds (the outbox id). */
  public static final String ROUTER_ID_HEADER = "id";

  public static final String ERROR_CLASS_HEADER = DeadLetterHeaders.ERROR_CLASS;
  public static final String ERROR_MESSAGE_HEADER = DeadLetterHeaders.ERROR_MESSAGE;
  public static final String SOURCE_TOPIC_HEADER = DeadLetterHeaders.SOURCE_TOPIC;

  /** A payment id is a UUID; anything near this is not one of ours. */
  public static final int MAX_KEY_BYTES = 256;

  /**
   * Below the broker's default max.message.bytes (1 MiB) with room for headers and batch overhead.
   */
  public static final int MAX_VALUE_BYTES = 900 * 1024;

  /** Kafka's own limit on topic names. */
  public static final int MAX_TOPIC_LENGTH = 249;

  private static final Pattern LEGAL_TOPIC = Pattern.compile("[a-zA-Z0-9._-]+");

  private final Set<String> allowedTopics;
  private final String heartbeatTopic;

  /**
   * @param allowedTopics the topics outbox rows may route to (their {@code aggregatetype}); a row
   *     naming any other goes to the dead-letter topic rather than creating a stray topic
   * @param heartbeatTopic Debezium's heartbeat topic, whose records are skipped
   */
  public OutboxEventRouting(Set<String> allowedTopics, String heartbeatTopic) {
    this.allowedTopics = Set.copyOf(allowedTopics);
    this.heartbeatTopic = heartbeatTopic;
  }

  /** The topics outbox rows may route to. */
  public Set<String> allowedTopics() {
    return allowedTopics;
  }

  /**
   * One record as the transform chain left it. Header values are Connect header values.
   *
   * @param partition the partition a transform chose (the merchant's), or null for the producer's
   *     default (by key)
   */
  public record RoutedRecord(
      String topic, Integer partition, Object key, Object value, List<HeaderValue> headers) {
    public RoutedRecord(String topic, Object key, Object value, List<HeaderValue> headers) {
      this(topic, null, key, value, headers);
    }
  }

  public record HeaderValue(String name, Object value) {}

  public record EncodedHeader(String name, byte[] value) {}

  /** The outcome for one record. */
  public sealed interface Decision permits Publish, DeadLetter, Skip {}

  /**
   * @param partition as the transform chain chose it (null: by key)
   */
  public record Publish(
      String topic,
      Integer partition,
      byte[] key,
      byte[] value,
      List<EncodedHeader> headers,
      String eventId)
      implements Decision {}

  /** {@code errorClass} is a short machine-readable code; {@code reason} is for people. */
  public record DeadLetter(
      String errorClass,
      String reason,
      String sourceTopic,
      byte[] key,
      byte[] value,
      List<EncodedHeader> headers)
      implements Decision {
    /** The headers to publish on the dead-letter topic: the original ones plus the error. */
    public List<EncodedHeader> withErrorHeaders() {
      List<EncodedHeader> out = new ArrayList<>(headers);
      out.add(new EncodedHeader(ERROR_CLASS_HEADER, utf8(errorClass)));
      out.add(new EncodedHeader(ERROR_MESSAGE_HEADER, utf8(reason)));
      out.add(new EncodedHeader(SOURCE_TOPIC_HEADER, utf8(sourceTopic == null ? "" : sourceTopic)));
      return out;
    }
  }

  public record Skip(String reason) implements Decision {}

  public Decision route(RoutedRecord record) {
    String topic = record.topic();
    if (heartbeatTopic.equals(topic)) {
      return new Skip("heartbeat");
    }
    List<EncodedHeader> headers = encodeHeaders(record.headers());
    String eventId = eventId(headers);
    if (eventId != null && headers.stream().noneMatch(h -> h.name().equals(EVENT_ID_HEADER))) {
      headers.add(new EncodedHeader(EVENT_ID_HEADER, utf8(eventId)));
    }
    byte[] keyBytes = record.key() instanceof String s ? utf8(s) : null;
    byte[] valueBytes = bytes(record.value());

    if (valueBytes == null) {
      String what = record.value() == null ? "null" : record.value().getClass().getSimpleName();
      return deadLetter(
          "ValueNotBytes",
          "value is " + what + ", not bytes: not an outbox event",
          topic,
          keyBytes,
          textOf(record.value()),
          headers);
    }
    if (valueBytes.length > MAX_VALUE_BYTES) {
      // The original would not fit on the dead-letter topic either; its event id identifies it.
      return deadLetter(
          "ValueTooLarge",
          "value has " + valueBytes.length + " bytes, limit " + MAX_VALUE_BYTES,
          topic,
          keyBytes,
          new byte[0],
          headers);
    }
    if (topic == null || !isLegalTopic(topic)) {
      return deadLetter(
          "InvalidTopic",
          "aggregatetype '" + topic + "' is not a legal Kafka topic name",
          topic,
          keyBytes,
          valueBytes,
          headers);
    }
    if (!allowedTopics.contains(topic)) {
      return deadLetter(
          "UnknownTopic",
          "aggregatetype '" + topic + "' is not one of " + new java.util.TreeSet<>(allowedTopics),
          topic,
          keyBytes,
          valueBytes,
          headers);
    }
    if (keyBytes == null) {
      String what = record.key() == null ? "null" : record.key().getClass().getSimpleName();
      return deadLetter(
          "InvalidKey",
          "key is " + what + ", not a string aggregateid",
          topic,
          null,
          valueBytes,
          headers);
    }
    if (keyBytes.length == 0 || keyBytes.length > MAX_KEY_BYTES) {
      return deadLetter(
          "InvalidKey",
          "key has " + keyBytes.length + " bytes, must be 1.." + MAX_KEY_BYTES,
          topic,
          keyBytes.length > MAX_KEY_BYTES ? null : keyBytes,
          valueBytes,
          headers);
    }
    if (eventId == null || eventId.isBlank()) {
      return deadLetter(
          "MissingEventId",
          "no event id header: downstream cannot deduplicate it",
          topic,
          keyBytes,
          valueBytes,
          headers);
    }
    if (record.partition() != null && record.partition() < 0) {
      return deadLetter(
          "InvalidPartition",
          "partition " + record.partition() + " is negative",
          topic,
          keyBytes,
          valueBytes,
          headers);
    }
    return new Publish(
        topic, record.partition(), keyBytes, valueBytes, List.copyOf(headers), eventId);
  }

  /** Same rule as Kafka's topic name validation. */
  public static boolean isLegalTopic(String topic) {
    return !topic.isEmpty()
        && topic.length() <= MAX_TOPIC_LENGTH
        && !topic.equals(".")
        && !topic.equals("..")
        && LEGAL_TOPIC.matcher(topic).matches();
  }

  private static DeadLetter deadLetter(
      String errorClass,
      String reason,
      String topic,
      byte[] key,
      byte[] value,
      List<EncodedHeader> headers) {
    return new DeadLetter(errorClass, reason, topic, key, value, List.copyOf(headers));
  }

  private static String eventId(List<EncodedHeader> headers) {
    String routerId = null;
    for (EncodedHeader h : headers) {
      if (h.value() == null) {
        continue;
      }
      if (h.name().equals(EVENT_ID_HEADER)) {
        return new String(h.value(), StandardCharsets.UTF_8);
      }
      if (h.name().equals(ROUTER_ID_HEADER)) {
        routerId = new String(h.value(), StandardCharsets.UTF_8);
      }
    }
    return routerId;
  }

  private static List<EncodedHeader> encodeHeaders(List<HeaderValue> headers) {
    List<EncodedHeader> out = new ArrayList<>(headers.size() + 1);
    for (HeaderValue h : headers) {
      out.add(new EncodedHeader(h.name(), headerBytes(h.value())));
    }
    return out;
  }

  /** As Connect's SimpleHeaderConverter writes primitives: strings as UTF-8, bytes as they are. */
  private static byte[] headerBytes(Object value) {
    if (value == null) {
      return null;
    }
    byte[] raw = bytes(value);
    return raw != null ? raw : utf8(String.valueOf(value));
  }

  /** byte[] or ByteBuffer (both appear for bytea, depending on the path), else null. */
  private static byte[] bytes(Object value) {
    if (value instanceof byte[] b) {
      return b.clone();
    }
    if (value instanceof ByteBuffer buffer) {
      ByteBuffer view = buffer.duplicate();
      byte[] out = new byte[view.remaining()];
      view.get(out);
      return out;
    }
    return null;
  }

  private static byte[] textOf(Object value) {
    if (value == null) {
      return null;
    }
    byte[] text = utf8(String.valueOf(value));
    return text.length > MAX_VALUE_BYTES ? new byte[0] : text;
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
