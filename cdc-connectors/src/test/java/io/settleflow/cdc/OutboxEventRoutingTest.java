package io.settleflow.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.settleflow.cdc.OutboxEventRouting.DeadLetter;
import io.settleflow.cdc.OutboxEventRouting.Decision;
import io.settleflow.cdc.OutboxEventRouting.EncodedHeader;
import io.settleflow.cdc.OutboxEventRouting.HeaderValue;
import io.settleflow.cdc.OutboxEventRouting.Publish;
import io.settleflow.cdc.OutboxEventRouting.RoutedRecord;
import io.settleflow.cdc.OutboxEventRouting.Skip;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class OutboxEventRoutingTest {
  private static final String HEARTBEATS = "__debezium-heartbeat.settleflow";
  private static final String EVENT = "6f1c2b7e-1d2a-4c1e-9a51-0c8f1b2d3e4f";
  private static final String PAYMENT = "0b6a5c1e-7f3d-4e2a-8c9b-1a2b3c4d5e6f";
  private static final byte[] WIRE = {0, 0, 0, 0, 7, 2, 4, 6};
  private static final List<HeaderValue> ROUTER_HEADERS =
      List.of(
          new HeaderValue("id", EVENT),
          new HeaderValue("event_id", EVENT),
          new HeaderValue("event_type", "PaymentAuthorized"));

  private final OutboxEventRouting routing =
      new OutboxEventRouting(Set.of("payments.authorized", "payments.captured"), HEARTBEATS);

  @Test
  void outboxEventIsPublishedWithItsBytesUntouched() {
    Decision d =
        routing.route(
            new RoutedRecord("payments.authorized", PAYMENT, WIRE.clone(), ROUTER_HEADERS));
    assertThat(d).isInstanceOf(Publish.class);
    Publish p = (Publish) d;
    assertThat(p.topic()).isEqualTo("payments.authorized");
    assertThat(p.key()).isEqualTo(PAYMENT.getBytes(StandardCharsets.UTF_8));
    assertThat(p.value()).isEqualTo(WIRE);
    assertThat(p.eventId()).isEqualTo(EVENT);
    assertThat(headers(p.headers()))
        .containsEntry("event_id", EVENT)
        .containsEntry("id", EVENT)
        .containsEntry("event_type", "PaymentAuthorized");
  }

  @Test
  void thePartitionTheChainChoseIsKeptAndNoneMeansByKey() {
    Publish merchants =
        (Publish)
            routing.route(
                new RoutedRecord("payments.authorized", 2, PAYMENT, WIRE.clone(), ROUTER_HEADERS));
    assertThat(merchants.partition()).isEqualTo(2);
    Publish byKey =
        (Publish)
            routing.route(
                new RoutedRecord("payments.authorized", PAYMENT, WIRE.clone(), ROUTER_HEADERS));
    assertThat(byKey.partition()).isNull();
    assertThat(
            routing.route(
                new RoutedRecord("payments.authorized", -1, PAYMENT, WIRE.clone(), ROUTER_HEADERS)))
        .isInstanceOfSatisfying(
            OutboxEventRouting.DeadLetter.class,
            d -> assertThat(d.errorClass()).isEqualTo("InvalidPartition"));
  }

  @Test
  void byteBufferValueIsPublishedAsItsRemainingBytes() {
    ByteBuffer buffer = ByteBuffer.wrap(new byte[] {9, 9, 0, 0, 0, 0, 7, 2}, 2, 6);
    Publish p =
        (Publish)
            routing.route(new RoutedRecord("payments.authorized", PAYMENT, buffer, ROUTER_HEADERS));
    assertThat(p.value()).containsExactly(0, 0, 0, 0, 7, 2);
    assertThat(buffer.remaining()).as("the record's buffer is not consumed").isEqualTo(6);
  }

  @Test
  void eventIdHeaderIsAddedFromTheRoutersIdWhenMissing() {
    Publish p =
        (Publish)
            routing.route(
                new RoutedRecord(
                    "payments.authorized", PAYMENT, WIRE, List.of(new HeaderValue("id", EVENT))));
    assertThat(headers(p.headers())).containsEntry("event_id", EVENT);
    assertThat(p.headers().stream().filter(h -> h.name().equals("event_id"))).hasSize(1);
  }

  @Test
  void heartbeatIsSkipped() {
    assertThat(routing.route(new RoutedRecord(HEARTBEATS, "key-struct", "value-struct", List.of())))
        .isInstanceOf(Skip.class);
  }

  // One line per unroutable record: what arrives, which error class, and what the DLQ keeps.
  static Stream<Arguments> unroutable() {
    byte[] tooBig = new byte[OutboxEventRouting.MAX_VALUE_BYTES + 1];
    String longKey = "k".repeat(OutboxEventRouting.MAX_KEY_BYTES + 1);
    return Stream.of(
        Arguments.of(
            "unknown topic",
            new RoutedRecord("payments.cancelled", PAYMENT, WIRE, ROUTER_HEADERS),
            "UnknownTopic",
            WIRE),
        Arguments.of(
            "illegal topic name",
            new RoutedRecord("payments authorized", PAYMENT, WIRE, ROUTER_HEADERS),
            "InvalidTopic",
            WIRE),
        Arguments.of(
            "empty topic",
            new RoutedRecord("", PAYMENT, WIRE, ROUTER_HEADERS),
            "InvalidTopic",
            WIRE),
        Arguments.of(
            "topic '..'",
            new RoutedRecord("..", PAYMENT, WIRE, ROUTER_HEADERS),
            "InvalidTopic",
            WIRE),
        Arguments.of(
            "null topic",
            new RoutedRecord(null, PAYMENT, WIRE, ROUTER_HEADERS),
            "InvalidTopic",
            WIRE),
        Arguments.of(
            "struct value",
            new RoutedRecord("payments.authorized", PAYMENT, Map.of("a", 1), ROUTER_HEADERS),
            "ValueNotBytes",
            "{a=1}".getBytes(StandardCharsets.UTF_8)),
        Arguments.of(
            "string value",
            new RoutedRecord("payments.authorized", PAYMENT, "text", ROUTER_HEADERS),
            "ValueNotBytes",
            "text".getBytes(StandardCharsets.UTF_8)),
        Arguments.of(
            "null value",
            new RoutedRecord("payments.authorized", PAYMENT, null, ROUTER_HEADERS),
            "ValueNotBytes",
            null),
        Arguments.of(
            "value over the limit",
            new RoutedRecord("payments.authorized", PAYMENT, tooBig, ROUTER_HEADERS),
            "ValueTooLarge",
            new byte[0]),
        Arguments.of(
            "null key",
            new RoutedRecord("payments.authorized", null, WIRE, ROUTER_HEADERS),
            "InvalidKey",
            WIRE),
        Arguments.of(
            "non-string key",
            new RoutedRecord("payments.authorized", 42L, WIRE, ROUTER_HEADERS),
            "InvalidKey",
            WIRE),
        Arguments.of(
            "empty key",
            new RoutedRecord("payments.authorized", "", WIRE, ROUTER_HEADERS),
            "InvalidKey",
            WIRE),
        Arguments.of(
            "key over the limit",
            new RoutedRecord("payments.authorized", longKey, WIRE, ROUTER_HEADERS),
            "InvalidKey",
            WIRE),
        Arguments.of(
            "no event id",
            new RoutedRecord(
                "payments.authorized", PAYMENT, WIRE, List.of(new HeaderValue("event_type", "X"))),
            "MissingEventId",
            WIRE));
  }

  @ParameterizedTest(name = "{0} -> {2}")
  @MethodSource("unroutable")
  void unroutableRecordGoesToTheDeadLetterTopicWithItsReason(
      String name, RoutedRecord record, String errorClass, byte[] keptValue) {
    Decision d = routing.route(record);
    assertThat(d).isInstanceOf(DeadLetter.class);
    DeadLetter dl = (DeadLetter) d;
    assertThat(dl.errorClass()).isEqualTo(errorClass);
    assertThat(dl.value()).isEqualTo(keptValue);
    Map<String, String> headers = headers(dl.withErrorHeaders());
    assertThat(headers).containsEntry("error.class", errorClass).containsKey("error.message");
    assertThat(headers.get("source.topic")).isEqualTo(record.topic() == null ? "" : record.topic());
    assertThat(headers.get("error.message")).isNotBlank();
  }

  @Test
  void deadLetterKeepsTheEventIdSoItCanBeReplayed() {
    DeadLetter dl =
        (DeadLetter)
            routing.route(
                new RoutedRecord(
                    "payments.cancelled", PAYMENT, WIRE, List.of(new HeaderValue("id", EVENT))));
    assertThat(headers(dl.withErrorHeaders())).containsEntry("event_id", EVENT);
    assertThat(dl.key()).isEqualTo(PAYMENT.getBytes(StandardCharsets.UTF_8));
  }

  @ParameterizedTest(name = "''{0}'' legal={1}")
  @CsvSource({
    "payments.authorized, true",
    "cdc.dlq, true",
    "a_b-C.9, true",
    "., false",
    "'..', false",
    "has space, false",
    "slash/topic, false",
    "'', false",
  })
  void topicNamesFollowKafkasRules(String topic, boolean legal) {
    assertThat(OutboxEventRouting.isLegalTopic(topic)).isEqualTo(legal);
  }

  @Test
  void topicNameLengthIsLimitedLikeKafka() {
    assertThat(OutboxEventRouting.isLegalTopic("t".repeat(OutboxEventRouting.MAX_TOPIC_LENGTH)))
        .isTrue();
    assertThat(OutboxEventRouting.isLegalTopic("t".repeat(OutboxEventRouting.MAX_TOPIC_LENGTH + 1)))
        .isFalse();
  }

  @Test
  void headerValuesAreEncodedAsConnectsSimpleHeaderConverterWritesPrimitives() {
    Publish p =
        (Publish)
            routing.route(
                new RoutedRecord(
                    "payments.authorized",
                    PAYMENT,
                    WIRE,
                    List.of(
                        new HeaderValue("id", EVENT),
                        new HeaderValue("raw", new byte[] {1, 2}),
                        new HeaderValue("n", 12L),
                        new HeaderValue("nothing", null))));
    Map<String, byte[]> raw =
        p.headers().stream()
            .filter(h -> h.value() != null)
            .collect(Collectors.toMap(EncodedHeader::name, EncodedHeader::value));
    assertThat(raw.get("raw")).containsExactly(1, 2);
    assertThat(new String(raw.get("n"), StandardCharsets.UTF_8)).isEqualTo("12");
    assertThat(p.headers()).anyMatch(h -> h.name().equals("nothing") && h.value() == null);
  }

  private static Map<String, String> headers(List<EncodedHeader> headers) {
    return headers.stream()
        .filter(h -> h.value() != null)
        .collect(
            Collectors.toMap(
                EncodedHeader::name,
                h -> new String(h.value(), StandardCharsets.UTF_8),
                (a, b) -> a));
  }
}
