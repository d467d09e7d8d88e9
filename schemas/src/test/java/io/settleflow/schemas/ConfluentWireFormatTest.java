package io.settleflow.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settleflow.avro.PaymentEvent;
import io.settleflow.avro.PaymentEventType;
import java.nio.ByteBuffer;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ConfluentWireFormatTest {
  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
  private final ConfluentWireFormat wire = new ConfluentWireFormat(registry);

  static PaymentEvent payment() {
    return PaymentEvent.newBuilder()
        .setEventId("e-1")
        .setEventType(PaymentEventType.AUTHORIZED)
        .setPaymentId("p-1")
        .setMerchantId("m-1")
        .setAmountMinor(1234)
        .setCurrency("EUR")
        .setCardLast4("4242")
        .setOccurredAt(Instant.parse("2026-11-25T10:00:00Z"))
        .build();
  }

  @Test
  void encodesMagicByteAndSchemaIdThenAvro() {
    byte[] bytes = wire.encode(Topics.PAYMENTS_AUTHORIZED, payment());
    ByteBuffer b = ByteBuffer.wrap(bytes);
    assertThat(b.get()).isEqualTo((byte) 0);
    int id = b.getInt();
    assertThat(registry.schemaById(id)).isEqualTo(PaymentEvent.getClassSchema());
    assertThat(wire.decode(bytes, PaymentEvent.class)).isEqualTo(payment());
  }

  @Test
  void registersEachTopicsSchemaOnceAndEncodesTheSameBytesEveryTime() {
    java.util.List<String> registrations = new java.util.ArrayList<>();
    ConfluentWireFormat counting =
        new ConfluentWireFormat(
            new SchemaRegistry() {
              @Override
              public int register(String subject, org.apache.avro.Schema schema) {
                registrations.add(subject);
                return registry.register(subject, schema);
              }

              @Override
              public org.apache.avro.Schema schemaById(int id) {
                return registry.schemaById(id);
              }
            });
    byte[] first = counting.encode(Topics.PAYMENTS_AUTHORIZED, payment());
    byte[] second = counting.encode(Topics.PAYMENTS_AUTHORIZED, payment());
    counting.encode(Topics.PAYMENTS_CAPTURED, payment());
    assertThat(second).isEqualTo(first);
    assertThat(registrations)
        .containsExactly(
            Topics.valueSubject(Topics.PAYMENTS_AUTHORIZED),
            Topics.valueSubject(Topics.PAYMENTS_CAPTURED));
  }

  @Test
  void aFailedRegistrationIsRetriedOnTheNextRecord() {
    int[] calls = {0};
    ConfluentWireFormat flaky =
        new ConfluentWireFormat(
            new SchemaRegistry() {
              @Override
              public int register(String subject, org.apache.avro.Schema schema) {
                if (calls[0]++ == 0) {
                  throw new IllegalStateException("registry unreachable");
                }
                return registry.register(subject, schema);
              }

              @Override
              public org.apache.avro.Schema schemaById(int id) {
                return registry.schemaById(id);
              }
            });
    assertThatThrownBy(() -> flaky.encode(Topics.PAYMENTS_AUTHORIZED, payment()))
        .hasMessageContaining("unreachable");
    assertThat(
            flaky.decode(flaky.encode(Topics.PAYMENTS_AUTHORIZED, payment()), PaymentEvent.class))
        .isEqualTo(payment());
  }

  @Test
  void rejectsBytesWithoutMagicByte() {
    byte[] bytes = wire.encode(Topics.PAYMENTS_AUTHORIZED, payment());
    bytes[0] = 7;
    assertThatThrownBy(() -> wire.decode(bytes, PaymentEvent.class))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("magic byte 7");
  }

  @Test
  void rejectsTruncatedBytes() {
    assertThatThrownBy(() -> wire.decode(new byte[] {0, 0, 0}, PaymentEvent.class))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("3 bytes");
    byte[] bytes = wire.encode(Topics.PAYMENTS_AUTHORIZED, payment());
    byte[] cut = java.util.Arrays.copyOf(bytes, bytes.length - 4);
    assertThatThrownBy(() -> wire.decode(cut, PaymentEvent.class))
        .isInstanceOf(WireFormatException.class);
  }

  @Test
  void serdeRoundTripsAndPassesNullsThrough() {
    AvroSerde<PaymentEvent> serde = new AvroSerde<>(registry, PaymentEvent.class);
    byte[] bytes = serde.serializer().serialize("t", payment());
    assertThat(serde.deserializer().deserialize("t", bytes)).isEqualTo(payment());
    assertThat(serde.serializer().serialize("t", null)).isNull();
    assertThat(serde.deserializer().deserialize("t", null)).isNull();
  }
}
