package io.settleflow.cdc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The outbox connector as one Kafka Connect REST document ({@code {"name", "config"}}), loaded by
 * the embedded runner and by tests alike, so production (Strimzi / {@code POST /connectors}) and
 * the local runner use the same settings.
 *
 * <p>Pure: reads text and maps, never the process environment.
 */
public final class OutboxConnectorConfig {
  /** The connector file on the classpath. */
  public static final String RESOURCE = "/connector/settleflow-outbox-connector.json";

  public static final String OFFSETS_TOPIC_VARIABLE = "SETTLEFLOW_CDC_OFFSETS_TOPIC";
  public static final String DEFAULT_OFFSETS_TOPIC = "settleflow.cdc.offsets";
  public static final String KAFKA_OFFSET_STORE =
      "org.apache.kafka.connect.storage.KafkaOffsetBackingStore";

  /**
   * Optional override of the file's {@code poll.interval.ms} for the embedded runner (1..1000). The
   * interval is both how long Debezium's queue waits to fill a batch and how long its streaming
   * thread sleeps after five empty reads, so it is added to every event's latency (up to ~2×) and
   * sets the idle CPU cost; the file's 2 ms is the low-latency choice.
   */
  public static final String POLL_INTERVAL_VARIABLE = "SETTLEFLOW_CDC_POLL_INTERVAL_MS";

  static final int MAX_POLL_INTERVAL_MS = 1_000;

  /** Short, so a crash replays little; every flush only writes one small offset record. */
  public static final long OFFSET_FLUSH_INTERVAL_MS = 1_000;

  /**
   * The offset store's producer takes the engine's settings as they are; Kafka 4's default linger
   * of 5 ms would add 5 ms to every offset flush, which runs on the engine's thread between
   * batches.
   */
  public static final int OFFSET_PRODUCER_LINGER_MS = 0;

  /** The local runner's offsets topic lives on a single broker. */
  public static final int OFFSET_TOPIC_PARTITIONS = 1;

  public static final int OFFSET_TOPIC_REPLICATION_FACTOR = 1;

  /**
   * The transform that drops heartbeat records. Kafka Connect needs it: ByteArrayConverter cannot
   * encode a heartbeat's struct, and Connect still commits a dropped record's offset, so the slot
   * advances. The embedded engine does not commit dropped records' offsets, so the embedded relay
   * takes the heartbeats itself instead (marks them processed, publishes nothing).
   */
  public static final String HEARTBEAT_FILTER_ALIAS = "dropHeartbeats";

  static final String DEFAULT_HEARTBEAT_PREFIX = "__debezium-heartbeat";
  private static final int MAX_CONFIG_ENTRIES = 500;

  /**
   * Connect's config-provider syntax {@code ${provider:[path:]key}}; no colon means not a provider.
   */
  private static final Pattern PROVIDER_PLACEHOLDER = Pattern.compile("\\$\\{([^}:]+):([^}]*)}");

  private static final ObjectMapper JSON = new ObjectMapper();

  private OutboxConnectorConfig() {}

  /** A connector as Kafka Connect's REST API takes it. Config keeps the file's order. */
  public record ConnectorDefinition(String name, Map<String, String> config) {
    public ConnectorDefinition {
      config = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(config));
    }

    public String get(String key) {
      String value = config.get(key);
      if (value == null) {
        throw new InvalidConnectorConfigException("connector " + name + " has no '" + key + "'");
      }
      return value;
    }

    /** Environment variables the config refers to with {@code ${env:NAME}}. */
    public TreeSet<String> environmentVariables() {
      TreeSet<String> names = new TreeSet<>();
      for (String value : config.values()) {
        Matcher m = PROVIDER_PLACEHOLDER.matcher(value);
        while (m.find()) {
          if (m.group(1).equals("env")) {
            names.add(m.group(2));
          }
        }
      }
      return names;
    }

    /** The topic Debezium writes heartbeats to: {@code <heartbeat prefix>.<topic.prefix>}. */
    public String heartbeatTopic() {
      return config.getOrDefault("topic.heartbeat.prefix", DEFAULT_HEARTBEAT_PREFIX)
          + "."
          + get("topic.prefix");
    }
  }

  /** The connector file shipped in this jar. */
  public static ConnectorDefinition loadDefault() {
    try (InputStream in = OutboxConnectorConfig.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new InvalidConnectorConfigException(
            "connector file " + RESOURCE + " is not on the classpath");
      }
      return parse(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }

  /**
   * Parses {@code {"name": "...", "config": {"key": "string", ...}}}; every value must be a string.
   */
  public static ConnectorDefinition parse(String json) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (IOException e) {
      throw new InvalidConnectorConfigException("connector file is not JSON: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw new InvalidConnectorConfigException("connector file must be a JSON object");
    }
    JsonNode name = root.get("name");
    if (name == null || !name.isTextual() || name.asText().isBlank()) {
      throw new InvalidConnectorConfigException("connector file needs a non-empty string 'name'");
    }
    JsonNode config = root.get("config");
    if (config == null || !config.isObject()) {
      throw new InvalidConnectorConfigException("connector file needs a 'config' object");
    }
    if (config.size() > MAX_CONFIG_ENTRIES) {
      throw new InvalidConnectorConfigException(
          "connector config has more than " + MAX_CONFIG_ENTRIES + " entries");
    }
    Map<String, String> values = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> fields = config.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      // Connect's REST API takes strings only; a number here would be rejected there.
      if (!field.getValue().isTextual()) {
        throw new InvalidConnectorConfigException(
            "config '" + field.getKey() + "' must be a JSON string");
      }
      values.put(field.getKey(), field.getValue().asText());
    }
    return new ConnectorDefinition(name.asText(), values);
  }

  /**
   * Replaces every {@code ${env:NAME}} with {@code env.get(NAME)}, as Connect's
   * EnvVarConfigProvider does. Other {@code ${...}} text without a provider (the EventRouter's
   * {@code ${routedByValue}}) stays as it is.
   *
   * @throws InvalidConnectorConfigException naming the variable and the setting when a variable is
   *     unset or blank, or when a placeholder names a provider other than {@code env}
   */
  public static ConnectorDefinition resolve(
      ConnectorDefinition definition, Map<String, String> env) {
    Map<String, String> resolved = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : definition.config().entrySet()) {
      resolved.put(e.getKey(), resolveValue(e.getKey(), e.getValue(), env));
    }
    return new ConnectorDefinition(definition.name(), resolved);
  }

  private static String resolveValue(String key, String value, Map<String, String> env) {
    Matcher m = PROVIDER_PLACEHOLDER.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String provider = m.group(1);
      String variable = m.group(2);
      if (!provider.equals("env")) {
        throw new InvalidConnectorConfigException(
            "config '"
                + key
                + "' uses config provider '"
                + provider
                + "'; the embedded runner resolves only ${env:...}");
      }
      String replacement = env.get(variable);
      if (replacement == null || replacement.isBlank()) {
        throw new InvalidConnectorConfigException(
            "environment variable "
                + variable
                + " is not set (needed by connector config '"
                + key
                + "')");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return out.toString();
  }

  /**
   * The embedded engine's properties: the resolved connector config plus what Kafka Connect's
   * worker would otherwise provide (engine name, Kafka-backed offsets).
   *
   * @param env read for {@link #OFFSETS_TOPIC_VARIABLE} and {@link #POLL_INTERVAL_VARIABLE} only
   * @throws InvalidConnectorConfigException naming the variable when the poll interval is not a
   *     whole number of milliseconds in 1..1000
   */
  public static Properties embedded(
      ConnectorDefinition resolved, String bootstrapServers, Map<String, String> env) {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new InvalidConnectorConfigException(
          "Kafka bootstrap servers are required for Kafka-backed offsets");
    }
    Map<String, String> config = withoutTransform(resolved.config(), HEARTBEAT_FILTER_ALIAS);
    String offsetsTopic = env.getOrDefault(OFFSETS_TOPIC_VARIABLE, "");
    Properties props = new Properties();
    props.putAll(config);
    String pollInterval = env.getOrDefault(POLL_INTERVAL_VARIABLE, "").trim();
    if (!pollInterval.isEmpty()) {
      props.setProperty("poll.interval.ms", Integer.toString(pollIntervalMs(pollInterval)));
    }
    props.setProperty("name", resolved.name());
    props.setProperty("offset.storage", KAFKA_OFFSET_STORE);
    props.setProperty(
        "offset.storage.topic",
        offsetsTopic.isBlank() ? DEFAULT_OFFSETS_TOPIC : offsetsTopic.trim());
    props.setProperty("offset.storage.partitions", Integer.toString(OFFSET_TOPIC_PARTITIONS));
    props.setProperty(
        "offset.storage.replication.factor", Integer.toString(OFFSET_TOPIC_REPLICATION_FACTOR));
    props.setProperty("offset.flush.interval.ms", Long.toString(OFFSET_FLUSH_INTERVAL_MS));
    props.setProperty("linger.ms", Integer.toString(OFFSET_PRODUCER_LINGER_MS));
    props.setProperty("bootstrap.servers", bootstrapServers);
    return props;
  }

  private static int pollIntervalMs(String value) {
    int ms;
    try {
      ms = Integer.parseInt(value);
    } catch (NumberFormatException e) {
      ms = -1;
    }
    if (ms < 1 || ms > MAX_POLL_INTERVAL_MS) {
      throw new InvalidConnectorConfigException(
          POLL_INTERVAL_VARIABLE
              + " must be a whole number of milliseconds from 1 to "
              + MAX_POLL_INTERVAL_MS
              + ", got '"
              + value
              + "'");
    }
    return ms;
  }

  /** Removes one transform from the chain, with its settings, and any predicate only it used. */
  static Map<String, String> withoutTransform(Map<String, String> config, String alias) {
    List<String> transforms = aliases(config.get("transforms"));
    if (!transforms.remove(alias)) {
      return config;
    }
    String predicate = config.get("transforms." + alias + ".predicate");
    Map<String, String> out = new LinkedHashMap<>();
    config.forEach(
        (k, v) -> {
          if (!k.startsWith("transforms." + alias + ".")) {
            out.put(k, v);
          }
        });
    out.put("transforms", String.join(",", transforms));
    boolean predicateStillUsed =
        transforms.stream()
            .anyMatch(
                t ->
                    predicate != null
                        && predicate.equals(out.get("transforms." + t + ".predicate")));
    if (predicate != null && !predicateStillUsed) {
      List<String> predicates = aliases(out.get("predicates"));
      predicates.remove(predicate);
      out.keySet().removeIf(k -> k.startsWith("predicates." + predicate + "."));
      if (predicates.isEmpty()) {
        out.remove("predicates");
      } else {
        out.put("predicates", String.join(",", predicates));
      }
    }
    return out;
  }

  static List<String> aliases(String list) {
    List<String> out = new ArrayList<>();
    if (list != null) {
      Arrays.stream(list.split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(out::add);
    }
    return out;
  }

  /** The connector file or its resolution is wrong; the message names the setting. */
  public static final class InvalidConnectorConfigException extends RuntimeException {
    public InvalidConnectorConfigException(String message) {
      super(message);
    }
  }
}
