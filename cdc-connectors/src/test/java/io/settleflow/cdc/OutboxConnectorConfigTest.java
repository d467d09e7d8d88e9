package io.settleflow.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settleflow.cdc.OutboxConnectorConfig.ConnectorDefinition;
import io.settleflow.cdc.OutboxConnectorConfig.InvalidConnectorConfigException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class OutboxConnectorConfigTest {
  private static final Map<String, String> ENV =
      Map.of(
          "SETTLEFLOW_DB_HOST", "db.internal",
          "SETTLEFLOW_DB_PORT", "5432",
          "SETTLEFLOW_DB_NAME", "settleflow",
          "SETTLEFLOW_CDC_DB_USER", "cdc",
          "SETTLEFLOW_CDC_DB_PASSWORD", "s3cret$with\\specials");

  // --- placeholder resolution, one line per case ---------------------------------------------

  static Stream<Arguments> resolutions() {
    return Stream.of(
        Arguments.of("plain value", "pgoutput", "pgoutput"),
        Arguments.of("whole value", "${env:SETTLEFLOW_DB_HOST}", "db.internal"),
        Arguments.of(
            "inside text",
            "jdbc://${env:SETTLEFLOW_DB_HOST}:${env:SETTLEFLOW_DB_PORT}/x",
            "jdbc://db.internal:5432/x"),
        Arguments.of(
            "regex replacement characters copied literally",
            "${env:SETTLEFLOW_CDC_DB_PASSWORD}",
            "s3cret$with\\specials"),
        Arguments.of(
            "EventRouter variable is not a provider", "${routedByValue}", "${routedByValue}"),
        Arguments.of(
            "EventRouter variable beside a provider",
            "${env:SETTLEFLOW_DB_NAME}.${routedByValue}",
            "settleflow.${routedByValue}"),
        Arguments.of("empty value", "", ""));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("resolutions")
  void resolvesEnvPlaceholdersAndLeavesOtherTextAlone(String name, String raw, String expected) {
    ConnectorDefinition resolved =
        OutboxConnectorConfig.resolve(new ConnectorDefinition("c", Map.of("k", raw)), ENV);
    assertThat(resolved.config()).containsEntry("k", expected);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "unset variable          | ${env:SETTLEFLOW_NOT_SET}       | environment variable SETTLEFLOW_NOT_SET is not set (needed by connector config 'k')",
        "blank variable          | ${env:BLANK}                    | environment variable BLANK is not set (needed by connector config 'k')",
        "other config provider   | ${file:/etc/secret.properties:pw} | config 'k' uses config provider 'file'; the embedded runner resolves only ${env:...}",
      })
  void unresolvablePlaceholderIsAClearError(String name, String raw, String message) {
    Map<String, String> env = new LinkedHashMap<>(ENV);
    env.put("BLANK", "  ");
    assertThatThrownBy(
            () ->
                OutboxConnectorConfig.resolve(new ConnectorDefinition("c", Map.of("k", raw)), env))
        .isInstanceOf(InvalidConnectorConfigException.class)
        .hasMessage(message);
  }

  // --- parsing -----------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "not JSON              | {name                             | connector file is not JSON",
        "array                 | []                                | connector file must be a JSON object",
        "no name               | {\"config\":{}}                   | connector file needs a non-empty string 'name'",
        "blank name            | {\"name\":\" \",\"config\":{}}    | connector file needs a non-empty string 'name'",
        "no config             | {\"name\":\"c\"}                  | connector file needs a 'config' object",
        "number value          | {\"name\":\"c\",\"config\":{\"tasks.max\":1}} | config 'tasks.max' must be a JSON string",
      })
  void malformedConnectorFileIsRejected(String name, String json, String message) {
    assertThatThrownBy(() -> OutboxConnectorConfig.parse(json))
        .isInstanceOf(InvalidConnectorConfigException.class)
        .hasMessageStartingWith(message);
  }

  // --- the shipped connector file --------------------------------------------------------------

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "connector.class                               | io.debezium.connector.postgresql.PostgresConnector",
        "plugin.name                                   | pgoutput",
        "publication.name                              | settleflow_outbox",
        "publication.autocreate.mode                   | disabled",
        "slot.name                                     | settleflow_outbox",
        "table.include.list                            | ledger.outbox",
        "topic.prefix                                  | settleflow",
        "poll.interval.ms                              | 2",
        "heartbeat.interval.ms                         | 10000",
        "database.initial.statements                   | SET synchronous_commit = off",
        "transforms.outbox.type                        | io.debezium.transforms.outbox.EventRouter",
        "transforms.outbox.route.by.field              | aggregatetype",
        "transforms.outbox.route.topic.replacement     | ${routedByValue}",
        "transforms.outbox.table.field.event.id        | id",
        "transforms.outbox.table.field.event.key       | aggregateid",
        "transforms.outbox.table.field.event.payload   | payload",
        "transforms.partitionByMerchant.type           | io.settleflow.cdc.PartitionByMerchantTransformer",
        "key.converter                                 | org.apache.kafka.connect.storage.StringConverter",
        "value.converter                               | org.apache.kafka.connect.converters.ByteArrayConverter",
        "database.hostname                             | ${env:SETTLEFLOW_DB_HOST}",
        "database.port                                 | ${env:SETTLEFLOW_DB_PORT}",
        "database.dbname                               | ${env:SETTLEFLOW_DB_NAME}",
        "database.user                                 | ${env:SETTLEFLOW_CDC_DB_USER}",
        "database.password                             | ${env:SETTLEFLOW_CDC_DB_PASSWORD}",
      })
  void shippedConnectorFileHasTheAgreedSetting(String key, String value) {
    assertThat(OutboxConnectorConfig.loadDefault().config()).containsEntry(key, value);
  }

  @Test
  void shippedConnectorFileNeedsExactlyTheContractsVariables() {
    ConnectorDefinition file = OutboxConnectorConfig.loadDefault();
    assertThat(file.name()).isEqualTo("settleflow-outbox");
    assertThat(file.environmentVariables())
        .containsExactly(
            "SETTLEFLOW_CDC_DB_PASSWORD",
            "SETTLEFLOW_CDC_DB_USER",
            "SETTLEFLOW_DB_HOST",
            "SETTLEFLOW_DB_NAME",
            "SETTLEFLOW_DB_PORT");
    assertThat(file.heartbeatTopic()).isEqualTo("__debezium-heartbeat.settleflow");
  }

  @Test
  void shippedConnectorFileFiltersHeartbeatsForConnectBecauseByteArrayConverterCannotEncodeThem() {
    Map<String, String> c = OutboxConnectorConfig.loadDefault().config();
    assertThat(OutboxConnectorConfig.aliases(c.get("transforms")))
        .containsExactly(
            OutboxConnectorConfig.HEARTBEAT_FILTER_ALIAS, "outbox", "partitionByMerchant");
    String predicate =
        c.get("transforms." + OutboxConnectorConfig.HEARTBEAT_FILTER_ALIAS + ".predicate");
    assertThat(c.get("predicates." + predicate + ".pattern"))
        .matches(p -> "__debezium-heartbeat.settleflow".matches(p));
    assertThat(c.get("predicates." + predicate + ".pattern"))
        .matches(p -> !"payments.authorized".matches(p));
  }

  // --- embedded-engine settings ---------------------------------------------------------------

  @Test
  void embeddedSettingsAddKafkaBackedOffsetsAndTheEngineName() {
    ConnectorDefinition resolved =
        OutboxConnectorConfig.resolve(OutboxConnectorConfig.loadDefault(), ENV);
    Properties p = OutboxConnectorConfig.embedded(resolved, "k1:9092,k2:9092", ENV);
    assertThat(p)
        .containsEntry("name", "settleflow-outbox")
        .containsEntry("offset.storage", "org.apache.kafka.connect.storage.KafkaOffsetBackingStore")
        .containsEntry("offset.storage.topic", "settleflow.cdc.offsets")
        .containsEntry("offset.storage.partitions", "1")
        .containsEntry("offset.storage.replication.factor", "1")
        .containsEntry("offset.flush.interval.ms", "1000")
        .containsEntry("linger.ms", "0")
        .containsEntry("bootstrap.servers", "k1:9092,k2:9092")
        .containsEntry("database.hostname", "db.internal")
        .containsEntry("database.password", "s3cret$with\\specials")
        .containsEntry("transforms.outbox.route.topic.replacement", "${routedByValue}");
  }

  @ParameterizedTest(name = "offsets topic variable ''{0}'' -> {1}")
  @CsvSource({
    "'', settleflow.cdc.offsets",
    "'  ', settleflow.cdc.offsets",
    "my.offsets, my.offsets"
  })
  void offsetsTopicComesFromTheEnvironmentWithADefault(String variable, String topic) {
    Map<String, String> env = new LinkedHashMap<>(ENV);
    env.put(OutboxConnectorConfig.OFFSETS_TOPIC_VARIABLE, variable);
    Properties p =
        OutboxConnectorConfig.embedded(
            OutboxConnectorConfig.resolve(OutboxConnectorConfig.loadDefault(), env), "k:9092", env);
    assertThat(p.getProperty("offset.storage.topic")).isEqualTo(topic);
  }

  @ParameterizedTest(name = "poll interval variable ''{0}'' -> {1}")
  @CsvSource({"'', 2", "'  ', 2", "10, 10", "' 5 ', 5", "1, 1", "1000, 1000"})
  void pollIntervalCanBeRaisedFromTheEnvironmentAndDefaultsToTheFile(
      String variable, String pollIntervalMs) {
    Map<String, String> env = new LinkedHashMap<>(ENV);
    env.put(OutboxConnectorConfig.POLL_INTERVAL_VARIABLE, variable);
    Properties p =
        OutboxConnectorConfig.embedded(
            OutboxConnectorConfig.resolve(OutboxConnectorConfig.loadDefault(), env), "k:9092", env);
    assertThat(p.getProperty("poll.interval.ms")).isEqualTo(pollIntervalMs);
  }

  @ParameterizedTest(name = "poll interval ''{0}'' is rejected")
  @CsvSource({"0", "-2", "1001", "2.5", "ten"})
  void badPollIntervalIsRejectedNamingTheVariable(String variable) {
    Map<String, String> env = new LinkedHashMap<>(ENV);
    env.put(OutboxConnectorConfig.POLL_INTERVAL_VARIABLE, variable);
    ConnectorDefinition resolved =
        OutboxConnectorConfig.resolve(OutboxConnectorConfig.loadDefault(), env);
    assertThatThrownBy(() -> OutboxConnectorConfig.embedded(resolved, "k:9092", env))
        .isInstanceOf(InvalidConnectorConfigException.class)
        .hasMessageContaining("SETTLEFLOW_CDC_POLL_INTERVAL_MS")
        .hasMessageContaining(variable);
  }

  @Test
  void embeddedEngineTakesHeartbeatsItselfSoTheirOffsetsAreCommitted() {
    Properties p =
        OutboxConnectorConfig.embedded(
            OutboxConnectorConfig.resolve(OutboxConnectorConfig.loadDefault(), ENV), "k:9092", ENV);
    assertThat(p.getProperty("transforms")).isEqualTo("outbox,partitionByMerchant");
    assertThat(p.stringPropertyNames())
        .noneMatch(k -> k.startsWith("transforms.dropHeartbeats.") || k.startsWith("predicates"));
  }

  @Test
  void embeddedSettingsNeedBootstrapServers() {
    ConnectorDefinition resolved =
        OutboxConnectorConfig.resolve(OutboxConnectorConfig.loadDefault(), ENV);
    assertThatThrownBy(() -> OutboxConnectorConfig.embedded(resolved, " ", ENV))
        .isInstanceOf(InvalidConnectorConfigException.class)
        .hasMessageContaining("bootstrap");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("transformRemovals")
  void removingATransformKeepsPredicatesOthersStillUse(
      String name, Map<String, String> config, Map<String, String> expected) {
    assertThat(OutboxConnectorConfig.withoutTransform(config, "drop"))
        .containsExactlyInAnyOrderEntriesOf(expected);
  }

  static Stream<Arguments> transformRemovals() {
    return Stream.of(
        Arguments.of(
            "absent transform: unchanged", Map.of("transforms", "a"), Map.of("transforms", "a")),
        Arguments.of(
            "predicate only it used goes too",
            Map.of(
                "transforms",
                "drop,a",
                "transforms.drop.type",
                "F",
                "transforms.drop.predicate",
                "p",
                "predicates",
                "p",
                "predicates.p.type",
                "T"),
            Map.of("transforms", "a")),
        Arguments.of(
            "predicate another transform uses stays",
            Map.of(
                "transforms",
                "drop,a",
                "transforms.drop.predicate",
                "p",
                "transforms.a.predicate",
                "p",
                "predicates",
                "p,q",
                "predicates.p.type",
                "T"),
            Map.of(
                "transforms",
                "a",
                "transforms.a.predicate",
                "p",
                "predicates",
                "p,q",
                "predicates.p.type",
                "T")),
        Arguments.of(
            "other predicates stay listed",
            Map.of(
                "transforms",
                "drop",
                "transforms.drop.predicate",
                "p",
                "predicates",
                "p,q",
                "predicates.q.type",
                "T"),
            Map.of("transforms", "", "predicates", "q", "predicates.q.type", "T")));
  }

  @Test
  void aliasListsIgnoreSpacesAndEmptyEntries() {
    assertThat(OutboxConnectorConfig.aliases(" a, b ,,c ")).isEqualTo(List.of("a", "b", "c"));
    assertThat(OutboxConnectorConfig.aliases(null)).isEmpty();
  }
}
