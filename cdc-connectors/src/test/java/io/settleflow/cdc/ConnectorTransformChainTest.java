package io.settleflow.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.debezium.data.Envelope;
import io.debezium.data.Uuid;
import io.debezium.time.ZonedTimestamp;
import io.settleflow.cdc.OutboxEventRouting.Publish;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.storage.Converter;
import org.apache.kafka.connect.storage.SimpleHeaderConverter;
import org.apache.kafka.connect.transforms.Transformation;
import org.apache.kafka.connect.transforms.predicates.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Runs a Debezium-shaped outbox change through the transform chain and converters the connector
 * file names, the way Kafka Connect builds them, and checks the bytes a Connect worker would write;
 * then checks the embedded relay writes the same bytes.
 */
class ConnectorTransformChainTest {
  private static final Map<String, String> ENV =
      Map.of(
          "SETTLEFLOW_DB_HOST", "127.0.0.1",
          "SETTLEFLOW_DB_PORT", "5432",
          "SETTLEFLOW_DB_NAME", "settleflow",
          "SETTLEFLOW_CDC_DB_USER", "cdc",
          "SETTLEFLOW_CDC_DB_PASSWORD", "pw");
  private static final String EVENT_ID = "6f1c2b7e-1d2a-4c1e-9a51-0c8f1b2d3e4f";
  private static final String PAYMENT_ID = "0b6a5c1e-7f3d-4e2a-8c9b-1a2b3c4d5e6f";
  private static final byte[] PAYLOAD = {0, 0, 0, 0, 42, 10, 20, 30};
  private static final String TRACEPARENT =
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  private final List<AutoCloseable> opened = new ArrayList<>();

  @AfterEach
  void closeChain() throws Exception {
    for (AutoCloseable c : opened) {
      c.close();
    }
  }

  @Test
  void connectWorkerWritesThePayloadBytesUnderTheAggregateKeyWithTheEventId() throws Exception {
    Map<String, String> config =
        OutboxConnectorConfig.resolve(OutboxConnectorConfig.loadDefault(), ENV).config();

    SourceRecord out = applyChain(config, outboxInsert("payments.authorized"));

    assertThat(out.topic()).isEqualTo("payments.authorized");
    byte[] key =
        converter(config, "key.converter", true)
            .fromConnectData(out.topic(), out.keySchema(), out.key());
    byte[] value =
        converter(config, "value.converter", false)
            .fromConnectData(out.topic(), out.valueSchema(), out.value());
    assertThat(new String(key, StandardCharsets.UTF_8)).isEqualTo(PAYMENT_ID);
    assertThat(value).isEqualTo(PAYLOAD);
    SimpleHeaderConverter headers = new SimpleHeaderConverter();
    headers.configure(Map.of());
    var eventId = out.headers().lastWithName("event_id");
    assertThat(
            new String(
                headers.fromConnectHeader(
                    out.topic(), "event_id", eventId.schema(), eventId.value()),
                StandardCharsets.UTF_8))
        .isEqualTo(EVENT_ID);
    assertThat(out.headers().lastWithName("event_type").value()).isEqualTo("PaymentAuthorized");
    // partitioned by merchant (the file's count is the production topics'), keyed by payment
    assertThat(out.headers().lastWithName("merchant_id").value()).isEqualTo("m1");
    assertThat(out.kafkaPartition())
        .isEqualTo(
            io.settleflow.schemas.MerchantPartitioning.partitionFor(
                "m1", Integer.parseInt(config.get("transforms.partitionByMerchant.partitions"))));
    // issue 7: the request's trace context travels as the W3C header
    var traceparent = out.headers().lastWithName("traceparent");
    assertThat(
            new String(
                headers.fromConnectHeader(
                    out.topic(), "traceparent", traceparent.schema(), traceparent.value()),
                StandardCharsets.UTF_8))
        .isEqualTo(TRACEPARENT);
  }

  @Test
  void aRowWithoutTraceContextGetsANullTraceparentHeader() throws Exception {
    Map<String, String> config =
        OutboxConnectorConfig.resolve(OutboxConnectorConfig.loadDefault(), ENV).config();
    SourceRecord out = applyChain(config, outboxInsert("payments.authorized", null));
    assertThat(out.headers().lastWithName("traceparent").value()).isNull();
    assertThat(out.headers().lastWithName("event_type").value()).isEqualTo("PaymentAuthorized");
  }

  @Test
  void connectWorkerDropsHeartbeatsWhichByteArrayConverterCouldNotEncode() throws Exception {
    Map<String, String> config =
        OutboxConnectorConfig.resolve(OutboxConnectorConfig.loadDefault(), ENV).config();
    assertThat(applyChain(config, heartbeat())).isNull();
  }

  @Test
  void embeddedRelayPublishesTheSameBytesAsConnect() throws Exception {
    OutboxConnectorConfig.ConnectorDefinition resolved =
        OutboxConnectorConfig.resolve(OutboxConnectorConfig.loadDefault(), ENV);
    Map<String, String> embedded = new HashMap<>();
    OutboxConnectorConfig.embedded(resolved, "k:9092", ENV)
        .forEach((k, v) -> embedded.put((String) k, (String) v));
    OutboxEventRouting routing =
        new OutboxEventRouting(Set.of("payments.authorized"), resolved.heartbeatTopic());

    SourceRecord out = applyChain(embedded, outboxInsert("payments.authorized"));
    Publish p = (Publish) routing.route(OutboxBatchPublisher.toRouted(out));
    assertThat(p.topic()).isEqualTo("payments.authorized");
    assertThat(p.key()).isEqualTo(PAYMENT_ID.getBytes(StandardCharsets.UTF_8));
    assertThat(p.value()).isEqualTo(PAYLOAD);
    assertThat(p.eventId()).isEqualTo(EVENT_ID);
    assertThat(p.partition())
        .isEqualTo(
            io.settleflow.schemas.MerchantPartitioning.partitionFor(
                "m1", Integer.parseInt(embedded.get("transforms.partitionByMerchant.partitions"))));
    assertThat(p.headers())
        .anySatisfy(
            h -> {
              assertThat(h.name()).isEqualTo("traceparent");
              assertThat(h.value()).isEqualTo(TRACEPARENT.getBytes(StandardCharsets.UTF_8));
            });

    SourceRecord beat = applyChain(embedded, heartbeat());
    assertThat(beat).as("the embedded chain lets heartbeats through to be committed").isNotNull();
    assertThat(routing.route(OutboxBatchPublisher.toRouted(beat)))
        .isInstanceOf(OutboxEventRouting.Skip.class);
  }

  // --- Connect's way of building the chain ------------------------------------------------------

  @SuppressWarnings("unchecked")
  private SourceRecord applyChain(Map<String, String> config, SourceRecord record)
      throws Exception {
    SourceRecord current = record;
    for (String alias : OutboxConnectorConfig.aliases(config.get("transforms"))) {
      Map<String, String> props = withPrefix(config, "transforms." + alias + ".");
      Transformation<SourceRecord> t =
          (Transformation<SourceRecord>) instantiate(props.get("type"));
      t.configure(props);
      opened.add(t);
      String predicateAlias = props.get("predicate");
      boolean applies = true;
      if (predicateAlias != null) {
        Map<String, String> predicateProps =
            withPrefix(config, "predicates." + predicateAlias + ".");
        Predicate<SourceRecord> predicate =
            (Predicate<SourceRecord>) instantiate(predicateProps.get("type"));
        predicate.configure(predicateProps);
        opened.add(predicate);
        applies =
            predicate.test(current) ^ Boolean.parseBoolean(props.getOrDefault("negate", "false"));
      }
      if (applies) {
        current = t.apply(current);
        if (current == null) {
          return null;
        }
      }
    }
    return current;
  }

  private static Converter converter(Map<String, String> config, String key, boolean isKey)
      throws Exception {
    Converter c = (Converter) instantiate(config.get(key));
    c.configure(withPrefix(config, key + "."), isKey);
    return c;
  }

  private static Object instantiate(String className) throws Exception {
    return Class.forName(className).getDeclaredConstructor().newInstance();
  }

  private static Map<String, String> withPrefix(Map<String, String> config, String prefix) {
    Map<String, String> out = new HashMap<>();
    config.forEach(
        (k, v) -> {
          if (k.startsWith(prefix)) {
            out.put(k.substring(prefix.length()), v);
          }
        });
    return out;
  }

  // --- records shaped as Debezium's PostgreSQL connector emits them -----------------------------

  private static SourceRecord outboxInsert(String aggregateType) {
    return outboxInsert(aggregateType, TRACEPARENT);
  }

  private static SourceRecord outboxInsert(String aggregateType, String traceparent) {
    Schema row =
        SchemaBuilder.struct()
            .name("settleflow.ledger.outbox.Value")
            .field("merchant_id", Schema.STRING_SCHEMA)
            .field("id", Uuid.builder().build())
            .field("aggregatetype", Schema.STRING_SCHEMA)
            .field("aggregateid", Schema.STRING_SCHEMA)
            .field("type", Schema.STRING_SCHEMA)
            .field("payload", Schema.BYTES_SCHEMA)
            .field("created_at", ZonedTimestamp.builder().build())
            .field("traceparent", Schema.OPTIONAL_STRING_SCHEMA)
            .build();
    Schema source =
        SchemaBuilder.struct()
            .name("io.debezium.connector.postgresql.Source")
            .field("ts_ms", Schema.INT64_SCHEMA)
            .build();
    Envelope envelope =
        Envelope.defineSchema()
            .withName("settleflow.ledger.outbox.Envelope")
            .withRecord(row)
            .withSource(source)
            .build();
    Struct after =
        new Struct(row)
            .put("merchant_id", "m1")
            .put("id", EVENT_ID)
            .put("aggregatetype", aggregateType)
            .put("aggregateid", PAYMENT_ID)
            .put("type", "PaymentAuthorized")
            .put("payload", PAYLOAD.clone())
            .put("created_at", "2026-03-01T10:00:00.000000Z")
            .put("traceparent", traceparent);
    Struct value =
        envelope.create(
            after,
            new Struct(source).put("ts_ms", 1_772_359_200_000L),
            Instant.parse("2026-03-01T10:00:00.020Z"));
    Schema keySchema =
        SchemaBuilder.struct()
            .name("settleflow.ledger.outbox.Key")
            .field("merchant_id", Schema.STRING_SCHEMA)
            .field("id", Uuid.builder().build())
            .build();
    Struct key = new Struct(keySchema).put("merchant_id", "m1").put("id", EVENT_ID);
    return new SourceRecord(
        Map.of("server", "settleflow"),
        Map.of("lsn", 100L),
        "settleflow.ledger.outbox",
        null,
        keySchema,
        key,
        envelope.schema(),
        value);
  }

  private static SourceRecord heartbeat() {
    Schema keySchema =
        SchemaBuilder.struct()
            .name("io.debezium.connector.common.ServerNameKey")
            .field("serverName", Schema.STRING_SCHEMA)
            .build();
    Schema valueSchema =
        SchemaBuilder.struct()
            .name("io.debezium.connector.common.Heartbeat")
            .field("ts_ms", Schema.INT64_SCHEMA)
            .build();
    return new SourceRecord(
        Map.of("server", "settleflow"),
        Map.of("lsn", 200L),
        "__debezium-heartbeat.settleflow",
        null,
        keySchema,
        new Struct(keySchema).put("serverName", "settleflow"),
        valueSchema,
        new Struct(valueSchema).put("ts_ms", 1L));
  }
}
