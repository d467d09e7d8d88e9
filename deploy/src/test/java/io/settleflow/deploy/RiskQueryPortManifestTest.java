package io.settleflow.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The risk engine's interactive-query port: the manifest sets it, exposes it on the container and
 * the service, and the launcher passes it; names agree with what RiskSettings reads.
 */
class RiskQueryPortManifestTest {
  private static final String QUERY_PORT = "SETTLEFLOW_RISK_QUERY_PORT";
  private static final String ADVERTISED_HOST = "SETTLEFLOW_RISK_QUERY_ADVERTISED_HOST";

  @Test
  void theRiskContainerServesQueriesOnTheDeclaredPortAndTheServiceExposesIt() throws IOException {
    JsonNode set =
        K8sManifestsTest.ofKind("StatefulSet").stream()
            .filter(d -> d.path("metadata").path("name").asText().equals("streams-risk"))
            .findFirst()
            .orElseThrow();
    JsonNode container = set.findValues("containers").get(0).get(0);
    Map<String, JsonNode> env = new HashMap<>();
    container.path("env").forEach(e -> env.put(e.path("name").asText(), e));
    assertThat(env).containsKeys(QUERY_PORT, ADVERTISED_HOST);
    String port = env.get(QUERY_PORT).path("value").asText();
    List<String> containerPorts = new ArrayList<>();
    container.path("ports").forEach(p -> containerPorts.add(p.path("containerPort").asText()));
    assertThat(containerPorts).contains(port);
    // other instances forward queries to the pod's own address
    assertThat(
            env.get(ADVERTISED_HOST).path("valueFrom").path("fieldRef").path("fieldPath").asText())
        .isEqualTo("status.podIP");

    JsonNode service =
        K8sManifestsTest.ofKind("Service").stream()
            .filter(d -> d.path("metadata").path("name").asText().equals("streams-risk"))
            .findFirst()
            .orElseThrow();
    List<String> servicePorts = new ArrayList<>();
    service.path("spec").path("ports").forEach(p -> servicePorts.add(p.path("port").asText()));
    assertThat(servicePorts).contains(port);
  }

  @Test
  void theLauncherAndTheServiceUseTheSameVariableNames() throws IOException {
    String settings =
        Files.readString(
            EndToEndIT.home()
                .resolve("streams-risk/src/main/java/io/settleflow/risk/RiskSettings.java"));
    String stack =
        Files.readString(
            EndToEndIT.home().resolve("deploy/src/main/java/io/settleflow/deploy/Stack.java"));
    assertThat(settings).contains("\"" + QUERY_PORT + "\"", "\"" + ADVERTISED_HOST + "\"");
    assertThat(stack).contains("\"" + QUERY_PORT + "\"");
  }
}
