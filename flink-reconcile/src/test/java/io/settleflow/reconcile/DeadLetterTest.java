package io.settleflow.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.settleflow.schemas.DeadLetterHeaders;
import io.settleflow.schemas.SchemaRegistryException;
import io.settleflow.schemas.Topics;
import io.settleflow.schemas.WireFormatException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.flink.util.SimpleUserCodeClassLoader;
import org.apache.flink.util.UserCodeClassLoader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What becomes a dead letter and what it looks like on recon.dlq (the real broker and registry:
 * {@code ReconcileKafkaIT}); the registry here is a scripted HTTP peer.
 */
class DeadLetterTest {
  private HttpServer server;
  private final SimpleCounter undecodable = new SimpleCounter();

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  @Test
  void bytesNotInConfluentWireFormatBecomeADeadLetterAndAreCounted() {
    List<Either<DeadLetter, LedgerPayment>> out =
        deserialize(opened("http://127.0.0.1:9/unused"), record("not avro".getBytes(UTF8)));

    assertThat(out).singleElement().matches(Either::isLeft);
    DeadLetter d = out.get(0).left();
    assertThat(d.errorClass).isEqualTo(WireFormatException.class.getName());
    assertThat(d.errorMessage).startsWith("not Confluent wire format");
    assertThat(d.topic).isEqualTo("payments.authorized");
    assertThat(d.partition).isEqualTo(1);
    assertThat(d.offset).isEqualTo(42);
    assertThat(new String(d.key, UTF8)).isEqualTo("pay-1");
    assertThat(new String(d.value, UTF8)).isEqualTo("not avro");
    assertThat(d.headerKeys).containsExactly("traceparent", DeadLetterHeaders.ERROR_CLASS);
    assertThat(undecodable.getCount()).isEqualTo(1);
  }

  @Test
  void aSchemaIdTheRegistryDoesNotKnowBecomesADeadLetter() throws IOException {
    var deserializer = opened(registryAnswering(404));

    List<Either<DeadLetter, LedgerPayment>> out = deserialize(deserializer, record(wire(4711)));

    assertThat(out).singleElement().matches(Either::isLeft);
    assertThat(out.get(0).left().errorClass).isEqualTo(SchemaRegistryException.class.getName());
    assertThat(out.get(0).left().errorMessage).contains("404");
  }

  @Test
  void aRegistryThatFailsIsNotTheRecordsFaultTheJobFailsAndRetriesInstead() throws IOException {
    var deserializer = opened(registryAnswering(503));
    List<Either<DeadLetter, LedgerPayment>> out = new ArrayList<>();

    assertThatThrownBy(() -> deserializer.deserialize(record(wire(4711)), collector(out)))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class, e -> assertThat(e.isTransient()).isTrue());
    assertThat(out).isEmpty();
    assertThat(undecodable.getCount()).isZero();
  }

  @Test
  void aTombstoneIsNeitherAnEventNorADeadLetter() {
    assertThat(deserialize(opened("http://127.0.0.1:9/unused"), record(null))).isEmpty();
    assertThat(undecodable.getCount()).isZero();
  }

  @Test
  void onRecondlqADeadLetterIsTheRecordAsReadWithTheReasonInHeadersOnce() {
    DeadLetter d =
        ConfluentAvroDeserializer.asDeadLetter(
            record(new byte[] {0, 0, 0, 0, 9, 1}),
            new WireFormatException("x".repeat(DeadLetterHeaders.MAX_MESSAGE_CHARS + 50)));

    ProducerRecord<byte[], byte[]> out = new DeadLetterSerializer().serialize(d, null, null);

    assertThat(out.topic()).isEqualTo(Topics.RECON_DLQ);
    assertThat(out.partition()).isNull();
    assertThat(out.timestamp()).as("stamped when written").isNull();
    assertThat(new String(out.key(), UTF8)).isEqualTo("pay-1");
    assertThat(out.value()).containsExactly(0, 0, 0, 0, 9, 1);
    Map<String, List<String>> headers = new HashMap<>();
    for (Header h : out.headers()) {
      headers.computeIfAbsent(h.key(), k -> new ArrayList<>()).add(new String(h.value(), UTF8));
    }
    assertThat(headers)
        .containsOnlyKeys(
            "traceparent",
            DeadLetterHeaders.ERROR_CLASS,
            DeadLetterHeaders.ERROR_MESSAGE,
            DeadLetterHeaders.SOURCE_TOPIC,
            DeadLetterHeaders.SOURCE_PARTITION,
            DeadLetterHeaders.SOURCE_OFFSET)
        .containsEntry("traceparent", List.of(TRACEPARENT))
        // the input's own (stale) error.class header is replaced, not repeated
        .containsEntry(DeadLetterHeaders.ERROR_CLASS, List.of(WireFormatException.class.getName()))
        .containsEntry(DeadLetterHeaders.SOURCE_TOPIC, List.of("payments.authorized"))
        .containsEntry(DeadLetterHeaders.SOURCE_PARTITION, List.of("1"))
        .containsEntry(DeadLetterHeaders.SOURCE_OFFSET, List.of("42"));
    assertThat(headers.get(DeadLetterHeaders.ERROR_MESSAGE))
        .singleElement()
        .satisfies(m -> assertThat(m).hasSize(DeadLetterHeaders.MAX_MESSAGE_CHARS));
  }

  @Test
  void aDeadLetterPrintsWhereItCameFromAndWhyNeverItsBytes() {
    DeadLetter d =
        ConfluentAvroDeserializer.asDeadLetter(
            record("card 4111111111111111".getBytes(UTF8)), new WireFormatException("bad magic"));

    assertThat(d.toString())
        .contains("payments.authorized-1@42", WireFormatException.class.getName(), "bad magic")
        .doesNotContain("4111");
  }

  @Test
  void aDeadLetterHasNoEventTimeSoItCannotMoveTheWatermark() {
    assertThat(DeadLetterSplitFunction.eventTime(Either.Left(new DeadLetter()), (Long t) -> t))
        .isEqualTo(Long.MIN_VALUE);
    assertThat(DeadLetterSplitFunction.eventTime(Either.<DeadLetter, Long>Right(5L), t -> t))
        .isEqualTo(5);
  }

  private static final java.nio.charset.Charset UTF8 = StandardCharsets.UTF_8;
  private static final String TRACEPARENT =
      "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

  /** A payments.authorized record at partition 1, offset 42, with a traceparent header. */
  private static ConsumerRecord<byte[], byte[]> record(byte[] value) {
    RecordHeaders headers = new RecordHeaders();
    headers.add("traceparent", TRACEPARENT.getBytes(UTF8));
    headers.add(DeadLetterHeaders.ERROR_CLASS, "stale".getBytes(UTF8));
    return new ConsumerRecord<>(
        "payments.authorized",
        1,
        42,
        1_767_225_600_000L,
        TimestampType.CREATE_TIME,
        5,
        value == null ? 0 : value.length,
        "pay-1".getBytes(UTF8),
        value,
        headers,
        Optional.empty());
  }

  /** Confluent wire format naming {@code schemaId}, with an arbitrary body. */
  private static byte[] wire(int schemaId) {
    return ByteBuffer.allocate(7)
        .put((byte) 0)
        .putInt(schemaId)
        .put((byte) 2)
        .put((byte) 4)
        .array();
  }

  private ConfluentAvroDeserializer<io.settleflow.avro.PaymentEvent, LedgerPayment> opened(
      String registryUrl) {
    var deserializer = ConfluentAvroDeserializer.payments(registryUrl);
    deserializer.open(
        new DeserializationSchema.InitializationContext() {
          @Override
          public MetricGroup getMetricGroup() {
            return new UnregisteredMetricsGroup() {
              @Override
              public org.apache.flink.metrics.Counter counter(String name) {
                assertThat(name).isEqualTo(ConfluentAvroDeserializer.DEAD_LETTERS_METRIC);
                return undecodable;
              }
            };
          }

          @Override
          public UserCodeClassLoader getUserCodeClassLoader() {
            return SimpleUserCodeClassLoader.create(DeadLetterTest.class.getClassLoader());
          }
        });
    return deserializer;
  }

  private static List<Either<DeadLetter, LedgerPayment>> deserialize(
      ConfluentAvroDeserializer<?, LedgerPayment> deserializer,
      ConsumerRecord<byte[], byte[]> record) {
    List<Either<DeadLetter, LedgerPayment>> out = new ArrayList<>();
    deserializer.deserialize(record, collector(out));
    return out;
  }

  private static <T> Collector<T> collector(List<T> out) {
    return new Collector<>() {
      @Override
      public void collect(T record) {
        out.add(record);
      }

      @Override
      public void close() {}
    };
  }

  /** A registry that answers every call with {@code status}. */
  private String registryAnswering(int status) throws IOException {
    server =
        HttpServer.create(new InetSocketAddress(io.settleflow.embedded.Ports.loopback(), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          byte[] body = ("{\"error_code\":" + status + "}").getBytes(UTF8);
          exchange.sendResponseHeaders(status, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/apis/ccompat/v7";
  }
}
