package io.settleflow.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settleflow.schemas.MerchantPartitioning;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The transform itself, and how the embedded relay sets its partition count from the topics. */
class PartitionByMerchantTransformerTest {

  @ParameterizedTest(name = "merchant {0} over {1} partitions")
  @CsvSource({"m1,3", "m1,12", "merchant-2,2", "acme,1", "ünïcode,7"})
  void eventGoesToItsMerchantsPartitionKeepingKeyValueAndHeaders(String merchant, int partitions) {
    PartitionByMerchantTransformer<SourceRecord> t = transformer(partitions);
    SourceRecord in = routed(merchant, null);

    SourceRecord out = t.apply(in);

    assertThat(out.kafkaPartition())
        .isEqualTo(MerchantPartitioning.partitionFor(merchant, partitions));
    assertThat(out.topic()).isEqualTo(in.topic());
    assertThat(out.key()).isEqualTo("payment-1");
    assertThat(out.value()).isEqualTo(in.value());
    assertThat(out.timestamp()).isEqualTo(in.timestamp());
    assertThat(out.headers()).isEqualTo(in.headers());
    assertThat(out.sourceOffset()).isEqualTo(in.sourceOffset());
  }

  @Test
  void aRecordWithoutTheMerchantHeaderKeepsItsPartition() {
    PartitionByMerchantTransformer<SourceRecord> t = transformer(3);
    SourceRecord beat =
        new SourceRecord(
            Map.of(), Map.of(), "__debezium-heartbeat.settleflow", 2, null, "k", null, "v");
    assertThat(t.apply(beat)).isSameAs(beat);
    SourceRecord nullHeader = routed(null, null);
    assertThat(t.apply(nullHeader).kafkaPartition()).isNull();
    assertThat(t.apply(null)).isNull();
  }

  @Test
  void theHeaderNameCanBeChanged() {
    PartitionByMerchantTransformer<SourceRecord> t = new PartitionByMerchantTransformer<>();
    t.configure(Map.of("partitions", "12", "header", "shop"));
    ConnectHeaders headers = new ConnectHeaders();
    headers.addString("shop", "m1");
    SourceRecord in =
        new SourceRecord(
            Map.of(), Map.of(), "payments.authorized", null, null, "p", null, "v", 1L, headers);
    assertThat(t.apply(in).kafkaPartition()).isEqualTo(MerchantPartitioning.partitionFor("m1", 12));
  }

  @ParameterizedTest(name = "partitions = ''{0}''")
  @ValueSource(strings = {"0", "-1", "10001", "three", ""})
  void aBadPartitionCountIsRejectedNamingTheSetting(String partitions) {
    PartitionByMerchantTransformer<SourceRecord> t = new PartitionByMerchantTransformer<>();
    assertThatThrownBy(() -> t.configure(Map.of("partitions", partitions)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("partitions");
  }

  @Test
  void thePartitionCountIsRequired() {
    PartitionByMerchantTransformer<SourceRecord> t = new PartitionByMerchantTransformer<>();
    assertThatThrownBy(() -> t.configure(Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("partitions");
  }

  // --- the embedded relay: the transform's count comes from the topics -----------------------

  @Test
  void theRelaySetsTheTransformsCountToTheTopicsOwn() {
    Properties file = chain("dropHeartbeats,outbox,byMerchant", "12");
    Map<String, Integer> topics = Map.of("payments.authorized", 3, "payments.captured", 3);

    Properties embedded =
        OutboxRelay.withMerchantPartitions(file, topics::get, new LinkedHashSet<>(topics.keySet()));

    assertThat(embedded.getProperty("transforms.byMerchant.partitions")).isEqualTo("3");
    assertThat(file.getProperty("transforms.byMerchant.partitions")).isEqualTo("12");
    assertThat(embedded.getProperty("transforms")).isEqualTo(file.getProperty("transforms"));
  }

  @Test
  void topicsWithDifferentPartitionCountsStopTheRelayNamingThem() {
    Properties file = chain("outbox,byMerchant", "3");
    Map<String, Integer> topics = new HashMap<>();
    topics.put("payments.authorized", 3);
    topics.put("payments.refunded", 6);

    assertThatThrownBy(
            () ->
                OutboxRelay.withMerchantPartitions(file, topics::get, Set.copyOf(topics.keySet())))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("share one partition count")
        .hasMessageContaining("payments.authorized=3")
        .hasMessageContaining("payments.refunded=6");
  }

  @Test
  void aTopicWithoutPartitionsStopsTheRelay() {
    Properties file = chain("outbox,byMerchant", "3");
    Map<String, Integer> topics = Map.of("payments.authorized", 0);
    assertThatThrownBy(() -> OutboxRelay.withMerchantPartitions(file, topics::get, topics.keySet()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("must exist")
        .hasMessageContaining("payments.authorized=0");
  }

  @Test
  void aChainWithoutTheTransformIsLeftAlone() {
    Properties file = new Properties();
    file.setProperty("transforms", "outbox");
    file.setProperty("transforms.outbox.type", "io.debezium.transforms.outbox.EventRouter");
    assertThat(
            OutboxRelay.withMerchantPartitions(
                file,
                t -> {
                  throw new AssertionError("no topic needs to be asked");
                },
                Set.of("payments.authorized")))
        .isSameAs(file);
  }

  private static Properties chain(String transforms, String partitions) {
    Properties p = new Properties();
    p.setProperty("transforms", transforms);
    p.setProperty("transforms.outbox.type", "io.debezium.transforms.outbox.EventRouter");
    p.setProperty("transforms.byMerchant.type", PartitionByMerchantTransformer.class.getName());
    p.setProperty("transforms.byMerchant.partitions", partitions);
    return p;
  }

  private static PartitionByMerchantTransformer<SourceRecord> transformer(int partitions) {
    PartitionByMerchantTransformer<SourceRecord> t = new PartitionByMerchantTransformer<>();
    t.configure(Map.of("partitions", Integer.toString(partitions)));
    return t;
  }

  private static SourceRecord routed(String merchant, Integer partition) {
    ConnectHeaders headers = new ConnectHeaders();
    headers.addString("event_id", "e-1");
    headers.addString("merchant_id", merchant);
    return new SourceRecord(
        Map.of("server", "settleflow"),
        Map.of("lsn", 7L),
        "payments.authorized",
        partition,
        Schema.STRING_SCHEMA,
        "payment-1",
        Schema.BYTES_SCHEMA,
        new byte[] {0, 1, 2},
        1_000L,
        headers);
  }
}
