package io.settleflow.reconcile;

import io.settleflow.schemas.Topics;
import java.time.Duration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.types.Either;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerConfig;

/** The Kafka sources and exactly-once sinks of the reconcile job, built from its configuration. */
public final class ReconcileKafka {
  /**
   * Below the broker's default transaction.max.timeout.ms (15 min); Flink's own default (1 h) is
   * rejected by a stock broker. Long enough to outlast a slow checkpoint and a restart.
   */
  public static final Duration TRANSACTION_TIMEOUT = Duration.ofMinutes(10);

  public static final Duration PARTITION_DISCOVERY_INTERVAL = Duration.ofSeconds(60);

  private ReconcileKafka() {}

  public static ReconcileJob job(ReconcileConfig c) {
    return new ReconcileJob(
        payments(c),
        settlements(c),
        matches(c),
        alerts(c),
        settled(c),
        deadLetters(c),
        c.matcher(),
        c.outOfOrderness(),
        c.idleness(),
        c.table()
            .map(t -> new ReconciliationTableSink(t.jdbcUrl(), t.user(), t.password()))
            .orElse(null));
  }

  public static KafkaSource<Either<DeadLetter, LedgerPayment>> payments(ReconcileConfig c) {
    return KafkaSource.<Either<DeadLetter, LedgerPayment>>builder()
        .setBootstrapServers(c.kafkaBootstrap())
        .setTopics(Topics.RECONCILED_LEDGER_EVENTS)
        .setGroupId(c.consumerGroupId())
        .setClientIdPrefix(c.consumerGroupId() + "-payments")
        // First start reads the topic from the beginning; afterwards the checkpoint decides.
        .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
        .setDeserializer(ConfluentAvroDeserializer.payments(c.registryUrl()))
        .setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
        .setProperty(
            "partition.discovery.interval.ms",
            Long.toString(PARTITION_DISCOVERY_INTERVAL.toMillis()))
        .build();
  }

  public static KafkaSource<Either<DeadLetter, Settlement>> settlements(ReconcileConfig c) {
    return KafkaSource.<Either<DeadLetter, Settlement>>builder()
        .setBootstrapServers(c.kafkaBootstrap())
        .setTopics(Topics.SETTLEMENTS_RAW)
        .setGroupId(c.consumerGroupId())
        .setClientIdPrefix(c.consumerGroupId() + "-settlements")
        .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
        .setDeserializer(ConfluentAvroDeserializer.settlements(c.registryUrl()))
        .setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
        .setProperty(
            "partition.discovery.interval.ms",
            Long.toString(PARTITION_DISCOVERY_INTERVAL.toMillis()))
        .build();
  }

  public static KafkaSink<PaymentMatch> matches(ReconcileConfig c) {
    return exactlyOnce(
        c, ConfluentAvroSerializer.matches(c.registryUrl(), Topics.RECON_MATCHES), "-matches");
  }

  /** payments.settled: the matched sale payments (ReconMatch, keyed by payment id). */
  public static KafkaSink<PaymentMatch> settled(ReconcileConfig c) {
    return exactlyOnce(
        c, ConfluentAvroSerializer.matches(c.registryUrl(), Topics.PAYMENTS_SETTLED), "-settled");
  }

  public static KafkaSink<ReconAlert> alerts(ReconcileConfig c) {
    return exactlyOnce(
        c, ConfluentAvroSerializer.alerts(c.registryUrl(), Topics.RECON_MISMATCHES), "-mismatches");
  }

  /** recon.dlq: input records that cannot be decoded, as read, with the reason in headers. */
  public static KafkaSink<DeadLetter> deadLetters(ReconcileConfig c) {
    return exactlyOnce(c, new DeadLetterSerializer(), "-dlq");
  }

  /**
   * A transactional sink whose output becomes visible at each checkpoint; each sink has its own
   * transactional id prefix (the configured one + {@code idSuffix}), kept across versions so a
   * restart aborts the right lingering transactions.
   */
  private static <T> KafkaSink<T> exactlyOnce(
      ReconcileConfig c, KafkaRecordSerializationSchema<T> serializer, String idSuffix) {
    return KafkaSink.<T>builder()
        .setBootstrapServers(c.kafkaBootstrap())
        .setRecordSerializer(serializer)
        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
        .setTransactionalIdPrefix(c.transactionalIdPrefix() + idSuffix)
        .setProperty(
            ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
            Long.toString(TRANSACTION_TIMEOUT.toMillis()))
        .build();
  }
}
