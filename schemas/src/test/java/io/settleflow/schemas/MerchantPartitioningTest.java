package io.settleflow.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MerchantPartitioningTest {

  /** Values Kafka 4.1.2's murmur2 gives; a change here moves every merchant's partition. */
  @ParameterizedTest(name = "{0} over {1} partitions -> {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          merchant-1       | 1  | 0
          merchant-1       | 2  | 1
          merchant-1       | 3  | 2
          merchant-1       | 12 | 11
          merchant-2       | 2  | 0
          merchant-2       | 3  | 1
          merchant-2       | 12 | 10
          m-42             | 3  | 1
          acme             | 12 | 0
          ünïcode-merchant | 2  | 1
          ünïcode-merchant | 12 | 9
          ''               | 12 | 9
          """)
  void partitionIsTheMerchantsMurmur2(String merchant, int partitions, int expected) {
    assertThat(MerchantPartitioning.partitionFor(merchant, partitions)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} partitions")
  @ValueSource(ints = {1, 2, 3, 7, 12, 64})
  void agreesWithKafkasDefaultPartitionerForAStringKeyEqualToTheMerchant(int partitions) {
    for (int i = 0; i < 2_000; i++) {
      String merchant = "merchant-" + i;
      assertThat(MerchantPartitioning.partitionFor(merchant, partitions))
          .as(merchant)
          .isEqualTo(
              BuiltInPartitioner.partitionForKey(
                  merchant.getBytes(StandardCharsets.UTF_8), partitions));
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
  void noPartitionsIsAClearError(int partitions) {
    assertThatThrownBy(() -> MerchantPartitioning.partitionFor("m", partitions))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("partitions");
  }

  @org.junit.jupiter.api.Test
  void aMissingMerchantIsAClearError() {
    assertThatThrownBy(() -> MerchantPartitioning.partitionFor(null, 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("merchantId");
  }
}
