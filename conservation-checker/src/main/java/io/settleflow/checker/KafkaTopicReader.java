package io.settleflow.checker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.settleflow.checker.TopicSnapshot.Alert;
import io.settleflow.checker.TopicSnapshot.Decision;
import io.settleflow.checker.TopicSnapshot.LedgerEvent;
import io.settleflow.checker.TopicSnapshot.Match;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads whole topics with a plain read_committed consumer (no group, nothing committed) and decodes
 * Confluent-wire Avro generically: the writer schema comes from the registry by its id, fields are
 * read by name.
 */
public final class KafkaTopicReader {
  private static final Duration POLL = Duration.ofMillis(500);
  private static final Duration READ_TIMEOUT = Duration.ofMinutes(5);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String bootstrap;
  private final String registryUrl;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final Map<Integer, GenericDatumReader<GenericRecord>> readers = new ConcurrentHashMap<>();

  public KafkaTopicReader(String bootstrap, String registryUrl) {
    this.bootstrap = bootstrap;
    this.registryUrl = registryUrl.endsWith("/") ? registryUrl : registryUrl + "/";
  }

  public TopicSnapshot read(CheckerSettings.TopicNames names) {
    List<LedgerEvent> events = new ArrayList<>();
    for (String topic : names.ledgerEvents()) {
      for (GenericRecord r : records(topic)) {
        events.add(
            new LedgerEvent(
                topic,
                text(r, "event_id"),
                text(r, "event_type"),
                text(r, "payment_id"),
                text(r, "merchant_id")));
      }
    }
    List<Decision> decisions = new ArrayList<>();
    for (GenericRecord r : records(names.decisions())) {
      decisions.add(
          new Decision(text(r, "event_id"), text(r, "source_event_id"), text(r, "payment_id")));
    }
    List<Match> matches = new ArrayList<>();
    for (GenericRecord r : records(names.matches())) {
      matches.add(new Match(text(r, "event_id"), text(r, "payment_id"), text(r, "settlement_id")));
    }
    List<Alert> alerts = new ArrayList<>();
    for (GenericRecord r : records(names.alerts())) {
      alerts.add(
          new Alert(
              text(r, "event_id"),
              text(r, "kind"),
              text(r, "payment_id"),
              text(r, "settlement_id")));
    }
    return new TopicSnapshot(events, decisions, matches, alerts);
  }

  private static String text(GenericRecord r, String field) {
    if (!r.hasField(field)) {
      throw new IllegalStateException(
          "a " + r.getSchema().getFullName() + " record has no field " + field);
    }
    Object v = r.get(field);
    return v == null ? null : v.toString();
  }

  /** Every committed record of the topic, decoded. */
  List<GenericRecord> records(String topic) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
    List<GenericRecord> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
      if (infos == null || infos.isEmpty()) {
        throw new IllegalStateException("topic " + topic + " does not exist");
      }
      List<TopicPartition> partitions =
          infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions));
      long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
      while (!end.isEmpty()) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("reading " + topic + " took over " + READ_TIMEOUT);
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
          if (r.value() != null) {
            out.add(decode(topic, r.value()));
          }
        }
        end.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
      }
    }
    return out;
  }

  private GenericRecord decode(String topic, byte[] value) {
    ByteBuffer buf = ByteBuffer.wrap(value);
    if (value.length < 5 || buf.get() != 0) {
      throw new IllegalStateException("a record on " + topic + " is not in Confluent wire format");
    }
    int id = buf.getInt();
    GenericDatumReader<GenericRecord> reader = readers.computeIfAbsent(id, this::fetchReader);
    BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(value, 5, value.length - 5, null);
    try {
      return reader.read(null, decoder);
    } catch (IOException e) {
      throw new IllegalStateException(
          "a record on " + topic + " does not decode with schema " + id + ": " + e.getMessage(), e);
    }
  }

  private GenericDatumReader<GenericRecord> fetchReader(int id) {
    URI uri = URI.create(registryUrl + String.format(Locale.ROOT, "schemas/ids/%d", id));
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(
            "registry answered HTTP " + response.statusCode() + " for schema id " + id);
      }
      JsonNode body = JSON.readTree(response.body());
      Schema schema = new Schema.Parser().parse(body.path("schema").asText());
      return new GenericDatumReader<>(schema);
    } catch (IOException e) {
      throw new IllegalStateException("cannot fetch schema " + id + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while fetching schema " + id, e);
    }
  }
}
