package io.settleflow.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The Apicurio registry (unpacked by this module's build) in its own JVM, spoken to through its
 * Confluent-compatible API. Storage is H2: in memory, or in a file under the run directory so that
 * schema ids survive a restart (records in Kafka keep pointing at them).
 */
public final class SchemaRegistryServer implements AutoCloseable {
  public static final String CONFLUENT_API = "/apis/ccompat/v7";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);

  private final ChildJvm jvm; // null when the registry runs in a container
  private final ContainerParts.Part container; // null when embedded
  private final int port;

  private SchemaRegistryServer(ChildJvm jvm, ContainerParts.Part container, int port) {
    this.jvm = jvm;
    this.container = container;
    this.port = port;
  }

  /** Where the build unpacked the registry (override with -Dsettleflow.apicurio.home). */
  public static Path home() {
    String override = System.getProperty("settleflow.apicurio.home");
    if (override != null) {
      return Path.of(override);
    }
    try (InputStream in =
        SchemaRegistryServer.class.getResourceAsStream("/settleflow-embedded.properties")) {
      Properties p = new Properties();
      p.load(in);
      return Path.of(p.getProperty("apicurio.home"));
    } catch (IOException | NullPointerException e) {
      throw new IllegalStateException(
          "settleflow-embedded.properties missing from the classpath", e);
    }
  }

  /**
   * @param workDir holds the log and, when {@code persistent}, the H2 database
   * @param port 0 for a free port
   */
  public static SchemaRegistryServer start(Path workDir, int port, boolean persistent) {
    int httpPort = port > 0 ? port : Ports.free();
    Optional<ContainerParts> containers = PartsSource.containers();
    if (containers.isPresent()) {
      // the container keeps its schemas only while it lives (no restart of the registry needs more)
      SchemaRegistryServer server =
          new SchemaRegistryServer(
              null, containers.get().startSchemaRegistry(workDir, httpPort), httpPort);
      try {
        PartsSource.awaitReady(
            "schema-registry",
            () -> HttpProbe.ok(server.confluentUrl() + "/subjects"),
            READY_TIMEOUT);
      } catch (RuntimeException e) {
        server.close();
        throw e;
      }
      return server;
    }
    Path runner;
    try (var files = Files.list(home())) {
      runner =
          files
              .filter(f -> f.getFileName().toString().endsWith("-runner.jar"))
              .findFirst()
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "no Apicurio runner jar in " + home() + "; run ./mvnw install"));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "schema registry not unpacked at " + home() + "; run ./mvnw install", e);
    }
    List<String> jvmArgs =
        new ArrayList<>(
            List.of(
                "-Xmx256m",
                "-XX:+UseSerialGC",
                "-Dquarkus.http.port=" + httpPort,
                "-Dquarkus.http.host=" + Ports.LOOPBACK,
                "-Dquarkus.log.level=WARN",
                "-Dquarkus.log.category.\"io.apicurio\".level=WARN"));
    if (persistent) {
      jvmArgs.add(
          "-Dregistry.datasource.url=jdbc:h2:file:"
              + workDir.resolve("registry-h2").toAbsolutePath()
              + ";DB_CLOSE_ON_EXIT=FALSE");
    }
    ChildJvm jvm =
        ChildJvm.start(
            "schema-registry",
            jvmArgs,
            List.of("-jar", runner.toString()),
            Map.of(),
            workDir,
            workDir.resolve("registry.log"));
    SchemaRegistryServer server = new SchemaRegistryServer(jvm, null, httpPort);
    jvm.awaitReady(() -> HttpProbe.ok(server.confluentUrl() + "/subjects"), READY_TIMEOUT);
    return server;
  }

  /** The Confluent API root every client uses. */
  public String confluentUrl() {
    return "http://" + Ports.LOOPBACK + ":" + port + CONFLUENT_API;
  }

  public int port() {
    return port;
  }

  /** The registry's JVM (not available when it runs in a container). */
  public ChildJvm jvm() {
    if (jvm == null) {
      throw new UnsupportedOperationException(
          "the schema registry runs in a container (" + PartsSource.PROPERTY + "): no child JVM");
    }
    return jvm;
  }

  @Override
  public void close() {
    if (container != null) {
      container.close();
    } else {
      jvm.close();
    }
  }
}
