package io.settleflow.schemas;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

/**
 * The partition of a payment event on the payments.* topics: chosen by its merchant id, exactly as
 * Kafka's default partitioner (and Kafka Streams' default stream partitioner) would place a record
 * whose String key is that merchant id. The Kafka key stays the payment id; only the partition is
 * the merchant's, so streams-risk finds every event of a merchant in the partition its
 * merchant-keyed stores live in and scores it without a repartition hop. Used by the CDC relay's
 * transform and by every other producer of payment events (benchmarks, tests).
 */
public final class MerchantPartitioning {
  private MerchantPartitioning() {}

  /**
   * @param merchantId the event's merchant id (UTF-8 bytes are hashed)
   * @param partitions the topic's partition count, at least 1
   * @return {@code toPositive(murmur2(merchantId)) % partitions}
   */
  public static int partitionFor(String merchantId, int partitions) {
    if (merchantId == null) {
      throw new IllegalArgumentException("merchantId is required to choose a partition");
    }
    if (partitions < 1) {
      throw new IllegalArgumentException("partitions must be at least 1, got " + partitions);
    }
    return Utils.toPositive(Utils.murmur2(merchantId.getBytes(StandardCharsets.UTF_8)))
        % partitions;
  }
}
