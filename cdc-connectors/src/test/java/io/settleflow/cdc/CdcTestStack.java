package io.settleflow.cdc;

import io.settleflow.embedded.KafkaBroker;
import io.settleflow.embedded.PostgresServer;
import io.settleflow.embedded.TopicContents;
import io.settleflow.ledger.LedgerTestDatabase;
import io.settleflow.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * What the relay's integration tests run on: the migrated ledger database and a broker with every
 * settleflow topic.
 */
final class CdcTestStack implements AutoCloseable {
  /** Every topic's partition count (the relay partitions events by merchant over it). */
  static final int TOPIC_PARTITIONS = 3;

  private final LedgerTestDatabase ledger;
  private final KafkaBroker kafka;

  private CdcTestStack(LedgerTestDatabase ledger, KafkaBroker kafka) {
    this.ledger = ledger;
    this.kafka = kafka;
  }

  static CdcTestStack start(Path dir) {
    LedgerTestDatabase ledger = LedgerTestDatabase.start(dir);
    KafkaBroker kafka = null;
    try {
      kafka = KafkaBroker.start(dir.resolve("kafka"), 0, 0, "384m");
      kafka.createTopics(Topics.ALL, TOPIC_PARTITIONS, Set.of(Topics.RISK_RULES));
      return new CdcTestStack(ledger, kafka);
    } catch (RuntimeException e) {
      if (kafka != null) {
        kafka.close();
      }
      ledger.close();
      throw e;
    }
  }

  PostgresServer pg() {
    return ledger.server();
  }

  /** The superuser on the ledger database (sets up roles). */
  javax.sql.DataSource owner() {
    return ledger.owner();
  }

  KafkaBroker kafka() {
    return kafka;
  }

  /**
   * The replication connection the relay reads from the environment: {@code database} on {@code
   * pg}, as the superuser (the embedded server trusts local connections).
   */
  static Map<String, String> replicationEnv(PostgresServer pg, String database) {
    Map<String, String> env = new HashMap<>();
    env.put("SETTLEFLOW_DB_HOST", "127.0.0.1");
    env.put("SETTLEFLOW_DB_PORT", Integer.toString(pg.port()));
    env.put("SETTLEFLOW_DB_NAME", database);
    env.put("SETTLEFLOW_CDC_DB_USER", PostgresServer.SUPERUSER);
    env.put("SETTLEFLOW_CDC_DB_PASSWORD", "unused-with-local-trust-auth");
    return env;
  }

  /**
   * A relay on this stack as {@code CdcMain} builds it, replicating as the superuser.
   *
   * @param engineOverrides engine properties replacing the connector file's (e.g. a shorter
   *     heartbeat)
   */
  OutboxRelay startRelay(RelayMetrics metrics, Map<String, String> engineOverrides) {
    OutboxConnectorConfig.ConnectorDefinition connector = connector();
    java.util.Properties engine =
        OutboxConnectorConfig.embedded(
            connector, kafka.bootstrapServers(), replicationEnv(pg(), LedgerTestDatabase.DATABASE));
    engine.putAll(engineOverrides);
    return startRelay(
        metrics,
        engine,
        new org.apache.kafka.clients.producer.KafkaProducer<>(
            OutboxRelay.producerConfig(kafka.bootstrapServers(), "cdc-it")));
  }

  /**
   * A relay with the given engine properties writing through {@code producer}, its topics'
   * partition counts read from the broker as {@code CdcMain} reads them.
   */
  OutboxRelay startRelay(
      RelayMetrics metrics,
      java.util.Properties engine,
      org.apache.kafka.clients.producer.Producer<byte[], byte[]> producer) {
    OutboxConnectorConfig.ConnectorDefinition connector = connector();
    OutboxBatchPublisher publisher =
        new OutboxBatchPublisher(
            producer,
            new OutboxEventRouting(Set.copyOf(Topics.LEDGER_EVENTS), connector.heartbeatTopic()),
            Topics.CDC_DLQ,
            metrics,
            java.time.Clock.systemUTC());
    return OutboxRelay.start(
        engine,
        publisher,
        producer,
        OutboxRelay.partitionCounts(
                kafka.bootstrapServers(),
                publisher.routedTopics(),
                java.time.Duration.ofSeconds(60))
            ::get);
  }

  /** The connector file resolved for the ledger database on this stack. */
  OutboxConnectorConfig.ConnectorDefinition connector() {
    return OutboxConnectorConfig.resolve(
        OutboxConnectorConfig.loadDefault(), replicationEnv(pg(), LedgerTestDatabase.DATABASE));
  }

  /** A value of one row and column, as the superuser on the ledger database. */
  String queryOwner(String sql) {
    try (Connection c = ledger.owner().getConnection();
        java.sql.Statement s = c.createStatement();
        java.sql.ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  void executeOwner(String sql) {
    try (Connection c = ledger.owner().getConnection();
        java.sql.Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  /** Writes an outbox row as the ledger's write path does, bypassing it. */
  void insertOutboxRow(
      String merchantId, String id, String topic, String paymentId, byte[] payload) {
    try (Connection c = ledger.owner().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO ledger.outbox (merchant_id, id, aggregatetype, aggregateid, type, payload, created_at)"
                    + " VALUES (?, ?::uuid, ?, ?, 'PaymentAuthorized', ?, now())")) {
      ps.setString(1, merchantId);
      ps.setString(2, id);
      ps.setString(3, topic);
      ps.setString(4, paymentId);
      ps.setBytes(5, payload);
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot insert outbox row " + id + ": " + e.getMessage(), e);
    }
  }

  /** Everything committed on the topics so far, each partition in order, headers decoded. */
  List<Received> received(Collection<String> topics) {
    return TopicContents.readAll(kafka.bootstrapServers(), topics).stream()
        .map(Received::of)
        .toList();
  }

  static Set<String> eventIds(List<Received> records) {
    return records.stream().map(Received::eventId).collect(Collectors.toSet());
  }

  @Override
  public void close() {
    try {
      kafka.close();
    } finally {
      ledger.close();
    }
  }

  record Received(
      String topic, String key, byte[] value, Map<String, String> headers, int partition) {
    static Received of(ConsumerRecord<String, byte[]> r) {
      Map<String, String> headers = new LinkedHashMap<>();
      for (Header h : r.headers()) {
        headers.put(
            h.key(), h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8));
      }
      return new Received(r.topic(), r.key(), r.value(), headers, r.partition());
    }

    String eventId() {
      return headers.getOrDefault("event_id", "");
    }
  }
}
