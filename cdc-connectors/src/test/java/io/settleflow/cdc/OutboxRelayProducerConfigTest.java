package io.settleflow.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OutboxRelayProducerConfigTest {
  private static final Properties CONFIG = OutboxRelay.producerConfig("127.0.0.1:9092", "cdc-test");

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        // at least once, per-key order: idempotent, every replica
        "enable.idempotence                     | true",
        "acks                                   | all",
        // natural batching: what arrives during the one request out goes in the next one
        "max.in.flight.requests.per.connection  | 1",
        "linger.ms                              | 0",
        // no per-batch LZ4 block buffers for a few records of encoded Avro
        "compression.type                       | none",
        // no timeout while the broker is away (as Kafka Connect's source tasks): a minute's outage
        // failed a send after max.block.ms and stopped the relay
        "max.block.ms                           | 9223372036854775807",
        "delivery.timeout.ms                    | 2147483647",
        "bootstrap.servers                      | 127.0.0.1:9092",
        "client.id                              | cdc-test",
      })
  void relayProducerHasTheAgreedSetting(String key, String value) {
    assertThat(CONFIG.getProperty(key)).isEqualTo(value);
  }
}
