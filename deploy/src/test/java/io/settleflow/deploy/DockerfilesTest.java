package io.settleflow.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.settleflow.console.ConsoleMain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Dockerfiles in deploy/docker, checked offline (no container engine here): they package the
 * module's own jar and libraries, run it, and expose the ports the code and the k8s manifests use.
 */
class DockerfilesTest {
  private static final Path HOME = EndToEndIT.home();
  private static final Path DOCKER = HOME.resolve("deploy/docker");
  private static final Set<String> SERVICES =
      Set.of("ingest-api", "streams-risk", "finance-console", "flink-reconcile", "cdc-connectors");
  private static final Pattern MAIN_CLASS =
      Pattern.compile("<service\\.mainClass>([\\w.]+)</service\\.mainClass>");

  /** A Dockerfile's instructions: continuation lines joined, comments dropped. */
  record Dockerfile(List<String[]> instructions) {
    static Dockerfile read(Path file) throws IOException {
      List<String[]> out = new ArrayList<>();
      StringBuilder current = new StringBuilder();
      for (String line : Files.readAllLines(file)) {
        if (line.strip().startsWith("#") || line.isBlank()) {
          continue;
        }
        if (line.endsWith("\\")) {
          current.append(line, 0, line.length() - 1).append(' ');
          continue;
        }
        current.append(line);
        String text = current.toString().strip();
        int space = text.indexOf(' ');
        out.add(new String[] {text.substring(0, space), text.substring(space + 1).strip()});
        current.setLength(0);
      }
      return new Dockerfile(out);
    }

    List<String> all(String instruction) {
      return instructions.stream().filter(i -> i[0].equals(instruction)).map(i -> i[1]).toList();
    }

    String one(String instruction) {
      List<String> values = all(instruction);
      assertThat(values).as(instruction).hasSize(1);
      return values.get(0);
    }

    Map<String, String> env() {
      Map<String, String> env = new LinkedHashMap<>();
      for (String e : all("ENV")) {
        for (String pair : e.split("\\s+", -1)) {
          int eq = pair.indexOf('=');
          env.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
      }
      return env;
    }

    Set<String> exposed() {
      Set<String> ports = new TreeSet<>();
      all("EXPOSE").forEach(e -> ports.addAll(List.of(e.split("\\s+", -1))));
      return ports;
    }
  }

  /** Modules whose pom names a service main class and that run as a service (not the CLIs). */
  static Set<String> serviceModules() throws IOException {
    Set<String> modules = new TreeSet<>();
    try (Stream<Path> dirs = Files.list(HOME)) {
      for (Path pom : dirs.map(d -> d.resolve("pom.xml")).filter(Files::isRegularFile).toList()) {
        Matcher m = MAIN_CLASS.matcher(Files.readString(pom));
        if (m.find() && m.group(1).endsWith("Main")) {
          modules.add(pom.getParent().getFileName().toString());
        }
      }
    }
    return modules;
  }

  static String mainClass(String module) throws IOException {
    Matcher m = MAIN_CLASS.matcher(Files.readString(HOME.resolve(module).resolve("pom.xml")));
    assertThat(m.find()).as("%s names its service.mainClass", module).isTrue();
    return m.group(1);
  }

  @Test
  void everyServiceModuleHasADockerfile() throws IOException {
    assertThat(serviceModules()).containsExactlyInAnyOrderElementsOf(SERVICES);
    for (String module : SERVICES) {
      assertThat(DOCKER.resolve(module + ".Dockerfile")).isRegularFile();
    }
    assertThat(Files.readString(DOCKER.resolve("README.md")))
        .contains("Not exercised here")
        .contains("no container engine");
  }

  @ParameterizedTest
  @ValueSource(strings = {"ingest-api", "streams-risk", "finance-console", "cdc-connectors"})
  void aServiceImageRunsItsModulesJarOnTheManifestsPorts(String module) throws IOException {
    Dockerfile d = Dockerfile.read(DOCKER.resolve(module + ".Dockerfile"));
    assertThat(d.one("FROM")).matches("eclipse-temurin:17[.\\d_]+-jre-\\w+");
    assertThat(d.all("COPY"))
        .containsExactly(
            module + "/target/lib/ /opt/settleflow/lib/",
            module + "/target/" + module + ".jar /opt/settleflow/" + module + ".jar");
    assertThat(d.one("USER")).isNotIn("0", "root");
    String[] entry = new ObjectMapper().readValue(d.one("ENTRYPOINT"), String[].class);
    assertThat(entry[0]).isEqualTo("java");
    assertThat(List.of(entry).subList(entry.length - 2, entry.length))
        .containsExactly("-jar", "/opt/settleflow/" + module + ".jar");
    // the jar's manifest runs the pom's main class; it must exist
    String main = mainClass(module);
    assertThat(HOME.resolve(module + "/src/main/java/" + main.replace('.', '/') + ".java"))
        .isRegularFile();

    Map<String, String> env = d.env();
    assertThat(env).containsEntry("SETTLEFLOW_HTTP_HOST", "0.0.0.0");
    String httpPort = env.get("SETTLEFLOW_HTTP_PORT");
    assertThat(d.exposed()).contains(httpPort);
    if (module.equals("finance-console")) {
      assertThat(httpPort).isEqualTo(Integer.toString(ConsoleMain.DEFAULT_HTTP_PORT));
    }
    if (env.containsKey("SETTLEFLOW_RISK_QUERY_PORT")) {
      assertThat(d.exposed()).contains(env.get("SETTLEFLOW_RISK_QUERY_PORT"));
    }

    // the k8s manifest running this image uses the same ports and settings
    List<JsonNode> containers = containersRunning(module);
    if (module.equals("cdc-connectors")) {
      // on Kubernetes CDC runs as a Strimzi KafkaConnector, not this image
      assertThat(containers).isEmpty();
      return;
    }
    assertThat(containers).as("a k8s container runs settleflow/%s", module).hasSize(1);
    JsonNode c = containers.get(0);
    Set<String> k8sPorts = new TreeSet<>();
    c.path("ports").forEach(p -> k8sPorts.add(p.path("containerPort").asText()));
    assertThat(k8sPorts).isEqualTo(d.exposed());
    Map<String, String> k8sEnv = new LinkedHashMap<>();
    c.path("env").forEach(e -> k8sEnv.put(e.path("name").asText(), e.path("value").asText()));
    for (String port : List.of("SETTLEFLOW_HTTP_PORT", "SETTLEFLOW_RISK_QUERY_PORT")) {
      if (env.containsKey(port)) {
        assertThat(k8sEnv.get(port)).as(port).isEqualTo(env.get(port));
      }
    }
  }

  @Test
  void theFlinkImagePutsTheJobJarWhereTheFlinkDeploymentLooks() throws IOException {
    Dockerfile d = Dockerfile.read(DOCKER.resolve("flink-reconcile.Dockerfile"));
    assertThat(d.one("FROM")).isEqualTo("flink:2.1.1-java17");
    assertThat(d.one("USER")).isNotIn("0", "root");
    JsonNode flink = K8sManifestsTest.ofKind("FlinkDeployment").get(0);
    assertThat(flink.path("spec").path("image").asText())
        .startsWith("registry.example.internal/settleflow/flink-reconcile:");
    String jar = flink.path("spec").path("job").path("jarURI").asText().replace("local://", "");
    assertThat(d.all("COPY"))
        .contains("flink-reconcile/target/flink-reconcile.jar " + jar)
        .contains("flink-reconcile/target/lib/ /opt/settleflow/lib/");
    assertThat(flink.path("spec").path("job").path("entryClass").asText())
        .isEqualTo(mainClass("flink-reconcile"));
    // Flink's own jars come with the base image; the connectors do not
    assertThat(d.all("RUN")).anyMatch(r -> r.contains("! -name 'flink-connector-*' -delete"));
  }

  private static List<JsonNode> containersRunning(String module) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode doc : K8sManifestsTest.documents()) {
      for (JsonNode list : doc.findValues("containers")) {
        for (JsonNode c : list) {
          if (c.path("image").asText().contains("/settleflow/" + module + ":")) {
            out.add(c);
          }
        }
      }
    }
    return out;
  }
}
