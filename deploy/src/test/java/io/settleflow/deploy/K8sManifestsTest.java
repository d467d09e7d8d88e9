package io.settleflow.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.settleflow.console.AutoCompensation;
import io.settleflow.console.ConsoleMain;
import io.settleflow.console.ConsoleStore;
import io.settleflow.console.KafkaAlertFeed;
import io.settleflow.schemas.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What can be checked of the production manifests without a cluster: they parse, and their topic
 * names, connector config, env names and ports agree with the code.
 */
class K8sManifestsTest {
  private static final Path HOME = EndToEndIT.home();
  private static final Path K8S = HOME.resolve("deploy/k8s");
  private static final YAMLMapper YAML = new YAMLMapper();

  static List<JsonNode> documents() throws IOException {
    List<JsonNode> docs = new ArrayList<>();
    List<Path> files = new ArrayList<>();
    try (Stream<Path> s = Files.list(K8S)) {
      s.filter(p -> p.toString().endsWith(".yaml")).sorted().forEach(files::add);
    }
    files.add(HOME.resolve("deploy/prometheus/settleflow-slo-rules.yaml"));
    for (Path f : files) {
      try (var parser = new YAMLFactory().createParser(f.toFile())) {
        YAML.readValues(parser, JsonNode.class)
            .forEachRemaining(
                d -> {
                  if (d != null && !d.isNull()) {
                    docs.add(d);
                  }
                });
      }
    }
    return docs;
  }

  static List<JsonNode> ofKind(String kind) throws IOException {
    return documents().stream().filter(d -> kind.equals(d.path("kind").asText())).toList();
  }

  @Test
  void everyTopicOfTheCodeHasAKafkaTopicAndNoOther() throws IOException {
    Set<String> names = new HashSet<>();
    for (JsonNode t : ofKind("KafkaTopic")) {
      names.add(t.path("spec").path("topicName").asText());
      assertThat(t.path("spec").path("replicas").asInt())
          .as(t.path("metadata").path("name").asText())
          .isEqualTo(3);
      assertThat(t.path("spec").path("config").path("min.insync.replicas").asText()).isEqualTo("2");
    }
    assertThat(names).containsExactlyInAnyOrderElementsOf(Topics.ALL);
    JsonNode rules =
        ofKind("KafkaTopic").stream()
            .filter(t -> t.path("spec").path("topicName").asText().equals(Topics.RISK_RULES))
            .findFirst()
            .orElseThrow();
    assertThat(rules.path("spec").path("config").path("cleanup.policy").asText())
        .isEqualTo("compact");
  }

  @Test
  void outboxPartitionsByMerchantWithTheLedgerTopicsPartitionCountFromAPluginConnectLoads()
      throws IOException {
    JsonNode config = ofKind("KafkaConnector").get(0).path("spec").path("config");
    assertThat(config.path("transforms").asText()).endsWith(",partitionByMerchant");
    assertThat(config.path("transforms.partitionByMerchant.type").asText())
        .isEqualTo("io.settleflow.cdc.PartitionByMerchantTransformer");
    int partitions =
        Integer.parseInt(config.path("transforms.partitionByMerchant.partitions").asText());
    // a smaller count would leave partitions unused, a larger one fails every send
    for (JsonNode t : ofKind("KafkaTopic")) {
      if (Topics.LEDGER_EVENTS.contains(t.path("spec").path("topicName").asText())) {
        assertThat(t.path("spec").path("partitions").asInt())
            .as(t.path("spec").path("topicName").asText())
            .isEqualTo(partitions);
      }
    }
    List<String> pluginJars = new java.util.ArrayList<>();
    ofKind("KafkaConnect")
        .get(0)
        .path("spec")
        .path("build")
        .path("plugins")
        .forEach(p -> p.path("artifacts").forEach(a -> pluginJars.add(a.path("url").asText())));
    assertThat(pluginJars)
        .anySatisfy(u -> assertThat(u).contains("/cdc-connectors-"))
        .anySatisfy(u -> assertThat(u).contains("/schemas-"));
  }

  @Test
  void kafkaHasThreeBrokersReplicationThreeAndMinInsyncTwo() throws IOException {
    assertThat(ofKind("KafkaNodePool").get(0).path("spec").path("replicas").asInt()).isEqualTo(3);
    JsonNode config = ofKind("Kafka").get(0).path("spec").path("kafka").path("config");
    assertThat(config.path("default.replication.factor").asInt()).isEqualTo(3);
    assertThat(config.path("min.insync.replicas").asInt()).isEqualTo(2);
  }

  @Test
  void theKafkaConnectorUsesExactlyTheEmbeddedRunnersConnectorConfig() throws IOException {
    JsonNode json =
        JsonMapper.builder()
            .build()
            .readTree(
                HOME.resolve(
                        "cdc-connectors/src/main/resources/connector/settleflow-outbox-connector.json")
                    .toFile());
    JsonNode connector = ofKind("KafkaConnector").get(0);
    assertThat(connector.path("metadata").path("name").asText())
        .isEqualTo(json.path("name").asText());
    Map<String, String> expected = strings(json.path("config"));
    Map<String, String> actual = strings(connector.path("spec").path("config"));
    assertThat(actual).isEqualTo(expected);
    assertThat(connector.path("spec").path("class").asText())
        .isEqualTo(expected.get("connector.class"));
    // every ${env:X} the connector needs is set on the Connect pods
    Set<String> needed = new HashSet<>();
    Matcher m = Pattern.compile("\\$\\{env:([A-Z0-9_]+)}").matcher(expected.toString());
    while (m.find()) {
      needed.add(m.group(1));
    }
    Set<String> provided = new HashSet<>();
    ofKind("KafkaConnect")
        .get(0)
        .path("spec")
        .path("template")
        .path("connectContainer")
        .path("env")
        .forEach(e -> provided.add(e.path("name").asText()));
    assertThat(provided).containsAll(needed);
  }

  @Test
  void containersUseOnlyDocumentedSettingsAndServeOnTheirPort() throws IOException {
    String contracts = Files.readString(HOME.resolve("docs/contracts.md"));
    List<JsonNode> containers = new ArrayList<>();
    for (JsonNode d : documents()) {
      d.findValues("containers").forEach(list -> list.forEach(containers::add));
    }
    assertThat(containers).hasSizeGreaterThanOrEqualTo(4);
    for (JsonNode c : containers) {
      Map<String, String> env = new TreeMap<>();
      c.path("env").forEach(e -> env.put(e.path("name").asText(), e.path("value").asText()));
      for (String name : env.keySet()) {
        if (name.startsWith("SETTLEFLOW_")) {
          String documented = name.replaceAll("_FILE$", "");
          assertThat(contracts)
              .as("%s of %s documented in docs/contracts.md", name, c.path("name").asText())
              .contains(documented);
        }
      }
      if (env.containsKey("SETTLEFLOW_HTTP_PORT")) {
        assertThat(c.path("ports").get(0).path("containerPort").asText())
            .as(c.path("name").asText())
            .isEqualTo(env.get("SETTLEFLOW_HTTP_PORT"));
      }
    }
  }

  @Test
  void sloRulesUseTheMetricTheApiExports() throws IOException {
    JsonNode rule = ofKind("PrometheusRule").get(0);
    String exprs = rule.findValues("expr").toString();
    assertThat(exprs).contains("http_server_requests_seconds");
    assertThat(
            mainSources().stream()
                .filter(p -> p.toString().contains("ingest-api"))
                .anyMatch(p -> read(p).contains("\"http.server.requests\"")))
        .as("ingest-api registers http.server.requests")
        .isTrue();
    assertThat(rule.findValues("alert").stream().map(JsonNode::asText))
        .contains("PaymentSuccessRateBelowSlo", "GatewayLatencyP95High", "KafkaConsumerLagHigh");
  }

  @Test
  void dashboardPanelsQueryMetricsTheServicesExport() throws IOException {
    JsonNode dashboard = dashboard();
    assertThat(dashboard.path("panels")).hasSizeGreaterThanOrEqualTo(6);
    assertThat(checkExported(dashboard.findValues("expr").toString(), "dashboard"))
        .isGreaterThanOrEqualTo(6);
  }

  @Test
  void cdcSlotLagHasAnAlertAPanelAndARunbookEntry() throws IOException {
    JsonNode rule = ofKind("PrometheusRule").get(0);
    List<String> alerts = rule.findValues("alert").stream().map(JsonNode::asText).toList();
    assertThat(alerts)
        .contains(
            "CdcSlotLagHigh", "CdcEventsBehindSource", "CdcSlotMissing", "CdcWaitingForKafka");
    String exprs = rule.findValues("expr").toString();
    assertThat(exprs)
        .contains(
            "settleflow_cdc_slot_lag_bytes",
            "settleflow_cdc_lag_milliseconds",
            "settleflow_cdc_slot_exists",
            "settleflow_cdc_kafka_wait_seconds");
    // every settleflow_* name in any rule is one a service registers (a renamed meter breaks this)
    assertThat(checkExported(exprs, "alert rule")).isGreaterThanOrEqualTo(4);
    assertThat(dashboard().findValues("expr").toString())
        .contains("settleflow_cdc_slot_lag_bytes", "settleflow_cdc_lag_milliseconds");
    String runbook = read(HOME.resolve("deploy/RUNBOOK.md"));
    for (String alert : alerts) {
      assertThat(runbook).as("RUNBOOK section for %s", alert).contains("## " + alert + "\n");
    }
  }

  @Test
  void reconciliationAndConsoleAlertsHaveExportedMetricsPanelsAndRunbookEntries()
      throws IOException {
    JsonNode rule = ofKind("PrometheusRule").get(0);
    List<String> alerts = rule.findValues("alert").stream().map(JsonNode::asText).toList();
    assertThat(alerts)
        .contains(
            "ReconAlertLatencyHigh",
            "OldestOpenMismatchTooOld",
            "ConsoleRecordsRejected",
            "ConsoleSignInFailuresHigh");
    String exprs = rule.findValues("expr").toString();
    assertThat(exprs)
        .contains(
            "settleflow_recon_alert_latency_ms",
            "settleflow_console_oldest_open_alert_age_seconds",
            "settleflow_console_logins_failed_total",
            "settleflow_console_login_lockouts");
    // every metric of every rule, the older groups' too
    assertThat(checkExported(exprs, "alert rule")).isGreaterThanOrEqualTo(10);
    String panels = dashboard().findValues("expr").toString();
    assertThat(panels)
        .contains(
            "settleflow_recon_alert_latency_ms",
            "settleflow_console_oldest_open_alert_age_seconds",
            "settleflow_console_alerts_auto_compensated_total");
    assertThat(checkExported(panels, "dashboard")).isGreaterThanOrEqualTo(12);
    String runbook = read(HOME.resolve("deploy/RUNBOOK.md"));
    for (String alert : alerts) {
      assertThat(runbook).as("RUNBOOK section for %s", alert).contains("## " + alert + "\n");
    }
  }

  @Test
  void theConsoleRunsOnTheCodesPortWithSecretsByReferenceAndAValidPolicy() throws IOException {
    JsonNode deployment =
        ofKind("Deployment").stream()
            .filter(d -> d.path("metadata").path("name").asText().equals("finance-console"))
            .findFirst()
            .orElseThrow();
    // one instance: its feed pushes to the browsers connected to it, throttling is per instance
    assertThat(deployment.path("spec").path("replicas").asInt()).isEqualTo(1);
    JsonNode pod = deployment.path("spec").path("template").path("spec");
    JsonNode c = pod.path("containers").get(0);
    Map<String, String> env = new TreeMap<>();
    c.path("env").forEach(e -> env.put(e.path("name").asText(), e.path("value").asText()));
    String port = Integer.toString(ConsoleMain.DEFAULT_HTTP_PORT);
    assertThat(env.get("SETTLEFLOW_HTTP_PORT")).isEqualTo(port);
    assertThat(c.path("ports").get(0).path("containerPort").asText()).isEqualTo(port);
    for (String probe : List.of("readinessProbe", "livenessProbe")) {
      assertThat(c.path(probe).path("httpGet").path("path").asText()).isEqualTo("/health");
      assertThat(c.path(probe).path("httpGet").path("port").asText()).isEqualTo(port);
    }
    assertThat(env.get("SETTLEFLOW_CONSOLE_DB_USER")).isEqualTo(ConsoleStore.ROLE);
    assertThat(env.get("SETTLEFLOW_CONSOLE_GROUP_ID")).isEqualTo(KafkaAlertFeed.DEFAULT_GROUP_ID);
    assertThat(env.get("SETTLEFLOW_KAFKA_BOOTSTRAP")).isNotBlank();
    assertThat(env.get("SETTLEFLOW_REGISTRY_URL")).endsWith("/apis/ccompat/v7");
    assertThat(env.get("SETTLEFLOW_CONSOLE_SECURE_COOKIE")).isEqualTo("true");
    // secrets only as files mounted from a Secret
    assertThat(env.keySet())
        .filteredOn(n -> n.contains("PASSWORD"))
        .isNotEmpty()
        .allMatch(n -> n.endsWith("_FILE"), "passwords come from files");
    assertThat(pod.path("volumes").findValues("secretName")).isNotEmpty();

    // the policy file comes from the ConfigMap mounted where the env says, and parses
    String policyPath = env.get(ConsoleMain.AUTO_COMPENSATION + "_FILE");
    JsonNode mount =
        findByField(c.path("volumeMounts"), "mountPath", policyPath.replaceAll("/[^/]+$", ""));
    JsonNode volume = findByField(pod.path("volumes"), "name", mount.path("name").asText());
    String mapName = volume.path("configMap").path("name").asText();
    JsonNode map =
        ofKind("ConfigMap").stream()
            .filter(m -> m.path("metadata").path("name").asText().equals(mapName))
            .findFirst()
            .orElseThrow();
    String policy = map.path("data").path(policyPath.replaceAll(".*/", "")).asText();
    assertThat(AutoCompensation.parse(policy).isOff()).isTrue();

    JsonNode service =
        ofKind("Service").stream()
            .filter(s -> s.path("metadata").path("name").asText().equals("finance-console"))
            .findFirst()
            .orElseThrow();
    assertThat(service.path("spec").path("selector").path("app").asText())
        .isEqualTo("finance-console");
    assertThat(service.path("spec").path("ports").get(0).path("targetPort").asText())
        .isEqualTo(port);
    JsonNode policyNp =
        ofKind("NetworkPolicy").stream()
            .filter(
                n ->
                    n.path("spec")
                        .path("podSelector")
                        .path("matchLabels")
                        .path("app")
                        .asText()
                        .equals("finance-console"))
            .findFirst()
            .orElseThrow();
    assertThat(policyNp.findValues("port").stream().map(JsonNode::asText)).containsOnly(port);
  }

  private static JsonNode findByField(JsonNode list, String field, String value) {
    for (JsonNode n : list) {
      if (n.path(field).asText().equals(value)) {
        return n;
      }
    }
    throw new AssertionError("no entry with " + field + " = " + value + " in " + list);
  }

  private static JsonNode dashboard() throws IOException {
    return JsonMapper.builder()
        .build()
        .readTree(HOME.resolve("deploy/grafana/settleflow-dashboard.json").toFile());
  }

  /**
   * Asserts each settleflow/payments/http_server metric named in the PromQL is registered in some
   * module's main code (Micrometer name, dots for underscores, base unit or suffix appended);
   * returns how many names it checked.
   */
  private static int checkExported(String promql, String where) throws IOException {
    Set<String> exported = new HashSet<>();
    Pattern literal = Pattern.compile("\"((?:settleflow|payments|http\\.server)[a-z_.]+)\"");
    for (Path source : mainSources()) {
      Matcher m = literal.matcher(read(source));
      while (m.find()) {
        exported.add(m.group(1).replace('.', '_'));
        // a name registered with its unit already in it (a gauge named ..._seconds)
        exported.add(m.group(1).replace('.', '_').replaceAll("_(seconds|milliseconds)$", ""));
      }
    }
    Matcher metric =
        Pattern.compile("\\b((?:settleflow|payments|http_server)_[a-z_]+)").matcher(promql);
    int checked = 0;
    while (metric.find()) {
      String base =
          metric
              .group(1)
              .replaceAll("_(total|bucket|count|sum)$", "")
              .replaceAll("_(seconds|milliseconds)$", "");
      assertThat(exported)
          .as("%s metric %s is exported by some service", where, metric.group(1))
          .contains(base);
      checked++;
    }
    return checked;
  }

  @Test
  void reconcileRunsWithTheRulesConfigMapWhichStartsAsTheBuiltInDocument() throws IOException {
    JsonNode configMap =
        ofKind("ConfigMap").stream()
            .filter(c -> "settleflow-recon-rules".equals(c.path("metadata").path("name").asText()))
            .findFirst()
            .orElseThrow();
    JsonNode shipped = YAML.readTree(configMap.path("data").path("recon-rules.yaml").asText());
    JsonNode builtIn =
        YAML.readTree(
            HOME.resolve(
                    "flink-reconcile/src/main/resources/io/settleflow/reconcile/recon-rules.yaml")
                .toFile());
    assertThat(shipped).isEqualTo(builtIn);

    JsonNode pod = ofKind("FlinkDeployment").get(0).path("spec").path("podTemplate").path("spec");
    JsonNode container = pod.path("containers").get(0);
    String file = null;
    for (JsonNode env : container.path("env")) {
      if ("SETTLEFLOW_RECON_RULES_FILE".equals(env.path("name").asText())) {
        file = env.path("value").asText();
      }
    }
    JsonNode mount = container.path("volumeMounts").get(0);
    assertThat(file).isEqualTo(mount.path("mountPath").asText() + "/recon-rules.yaml");
    JsonNode volume = pod.path("volumes").get(0);
    assertThat(volume.path("name").asText()).isEqualTo(mount.path("name").asText());
    assertThat(volume.path("configMap").path("name").asText()).isEqualTo("settleflow-recon-rules");
  }

  /** The main Java sources of every module (not target/ or run directories). */
  private static List<Path> mainSources() throws IOException {
    List<Path> out = new ArrayList<>();
    try (Stream<Path> modules = Files.list(HOME)) {
      for (Path module :
          modules.map(m -> m.resolve("src/main/java")).filter(Files::isDirectory).toList()) {
        try (Stream<Path> files = Files.walk(module)) {
          files.filter(p -> p.toString().endsWith(".java")).forEach(out::add);
        }
      }
    }
    return out;
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static Map<String, String> strings(JsonNode object) {
    Map<String, String> out = new TreeMap<>();
    object.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
    return out;
  }
}
