package io.settleflow.cdc;

import io.settleflow.schemas.MerchantPartitioning;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.ConnectRecord;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.transforms.Transformation;

/**
 * Kafka Connect transform, placed after the outbox EventRouter: sets the record's partition to its
 * merchant's ({@link MerchantPartitioning#partitionFor}, the partition Kafka's default partitioner
 * would give a String key equal to the merchant id), read from the {@code merchant_id} header the
 * EventRouter adds. The key stays the payment id. A record without the header (heartbeats) keeps
 * the partition it has. Debezium's own PartitionRouting cannot do this: before the EventRouter the
 * partition it sets is discarded, after it the value is raw bytes.
 *
 * <p>{@code partitions} must equal the routed topics' partition count: Kafka Connect refuses
 * nothing here, a smaller value leaves partitions unused and a larger one makes the producer fail.
 * The embedded relay sets it from the topics themselves ({@link OutboxRelay}); for Kafka Connect
 * K8sManifestsTest keeps the connector's value equal to the KafkaTopics'.
 */
public final class PartitionByMerchantTransformer<R extends ConnectRecord<R>>
    implements Transformation<R> {
  public static final String PARTITIONS_CONFIG = "partitions";
  public static final String HEADER_CONFIG = "header";
  public static final String DEFAULT_HEADER = "merchant_id";

  /** Partition counts above this are a typo, not a topic. */
  public static final int MAX_PARTITIONS = 10_000;

  private static final ConfigDef CONFIG =
      new ConfigDef()
          .define(
              PARTITIONS_CONFIG,
              ConfigDef.Type.INT,
              ConfigDef.NO_DEFAULT_VALUE,
              ConfigDef.Range.between(1, MAX_PARTITIONS),
              ConfigDef.Importance.HIGH,
              "partition count of every topic the outbox routes to")
          .define(
              HEADER_CONFIG,
              ConfigDef.Type.STRING,
              DEFAULT_HEADER,
              new ConfigDef.NonEmptyString(),
              ConfigDef.Importance.LOW,
              "header holding the merchant id (the EventRouter's additional placement)");

  private int partitions;
  private String header;

  @Override
  public void configure(Map<String, ?> configs) {
    Map<String, Object> parsed = CONFIG.parse(configs);
    partitions = (Integer) parsed.get(PARTITIONS_CONFIG);
    header = (String) parsed.get(HEADER_CONFIG);
  }

  @Override
  public R apply(R record) {
    if (record == null) {
      return null;
    }
    Header merchant = record.headers().lastWithName(header);
    if (merchant == null || merchant.value() == null) {
      return record;
    }
    int partition = MerchantPartitioning.partitionFor(merchant.value().toString(), partitions);
    return record.newRecord(
        record.topic(),
        partition,
        record.keySchema(),
        record.key(),
        record.valueSchema(),
        record.value(),
        record.timestamp(),
        record.headers());
  }

  @Override
  public ConfigDef config() {
    return CONFIG;
  }

  @Override
  public void close() {}
}
