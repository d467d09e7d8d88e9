package io.settleflow.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.Uuid;

/**
 * A single KRaft Kafka broker (combined broker and controller) in its own JVM, started from this
 * JVM's classpath. The storage is formatted once; a restart on the same directory resumes it.
 */
public final class KafkaBroker implements AutoCloseable {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

  private final ChildJvm jvm; // null when the broker runs in a container
  private final ContainerParts.Part container; // null when embedded
  private final int port;
  private final int controllerPort;
  private final Path dataDir;

  private KafkaBroker(
      ChildJvm jvm, ContainerParts.Part container, int port, int controllerPort, Path dataDir) {
    this.jvm = jvm;
    this.container = container;
    this.port = port;
    this.controllerPort = controllerPort;
    this.dataDir = dataDir;
  }

  /**
   * Starts the broker; formats {@code dataDir} first if it has never held one.
   *
   * @param port the client port (0 for free); the controller takes another free port
   */
  public static KafkaBroker start(Path dataDir, int port, int controllerPort, String maxHeap) {
    int brokerPort = port > 0 ? port : Ports.free();
    int ctlPort = controllerPort > 0 ? controllerPort : Ports.free();
    Optional<ContainerParts> containers = PartsSource.containers();
    if (containers.isPresent()) {
      KafkaBroker broker =
          new KafkaBroker(
              null,
              containers.get().startKafka(dataDir, brokerPort, maxHeap),
              brokerPort,
              ctlPort,
              dataDir);
      try {
        PartsSource.awaitReady("kafka", broker::clusterAnswers, READY_TIMEOUT);
      } catch (RuntimeException e) {
        broker.close();
        throw e;
      }
      return broker;
    }
    Path logs = dataDir.resolve("logs");
    Path props = dataDir.resolve("server.properties");
    Path logFile = dataDir.resolve("broker.log");
    try {
      Files.createDirectories(logs);
      Files.writeString(props, serverProperties(brokerPort, ctlPort, logs));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> jvmArgs = KraftServerProperties.jvmArgs(maxHeap);
    String cp = ChildJvm.currentClasspath();
    if (!Files.exists(logs.resolve("meta.properties"))) {
      ChildJvm format =
          ChildJvm.start(
              "kafka-storage-format",
              jvmArgs,
              List.of(
                  "-cp",
                  cp,
                  "kafka.tools.StorageTool",
                  "format",
                  "-t",
                  Uuid.randomUuid().toString(),
                  "-c",
                  props.toString(),
                  "--standalone"),
              Map.of(),
              dataDir,
              logFile);
      int exit = format.awaitExit(Duration.ofSeconds(60));
      if (exit != 0 || !Files.exists(logs.resolve("meta.properties"))) {
        throw new IllegalStateException("formatting Kafka storage failed:\n" + format.logTail(30));
      }
    }
    ChildJvm jvm =
        ChildJvm.start(
            "kafka",
            jvmArgs,
            List.of("-cp", cp, "kafka.Kafka", props.toString()),
            Map.of(),
            dataDir,
            logFile);
    KafkaBroker broker = new KafkaBroker(jvm, null, brokerPort, ctlPort, dataDir);
    jvm.awaitReady(broker::clusterAnswers, READY_TIMEOUT);
    return broker;
  }

  private static String serverProperties(int brokerPort, int controllerPort, Path logs) {
    return KraftServerProperties.render(
        1,
        "controller.quorum.bootstrap.servers=" + Ports.LOOPBACK + ":" + controllerPort,
        brokerPort,
        controllerPort,
        logs,
        1,
        1);
  }

  public String bootstrapServers() {
    return Ports.LOOPBACK + ":" + port;
  }

  public int port() {
    return port;
  }

  public int controllerPort() {
    return controllerPort;
  }

  /** The broker's JVM (not available when it runs in a container). */
  public ChildJvm jvm() {
    if (jvm == null) {
      throw new UnsupportedOperationException(
          "the Kafka broker runs in a container (" + PartsSource.PROPERTY + "): no child JVM");
    }
    return jvm;
  }

  public Path dataDir() {
    return dataDir;
  }

  private boolean clusterAnswers() {
    try (Admin admin = admin()) {
      return !admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).isEmpty();
    } catch (ExecutionException | TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  public Admin admin() {
    return KafkaAdmin.create(bootstrapServers());
  }

  /**
   * Creates the topics that do not exist yet; {@code compacted} ones get cleanup.policy=compact.
   */
  public void createTopics(Collection<String> topics, int partitions, Set<String> compacted) {
    KafkaAdmin.createMissingTopics(bootstrapServers(), topics, partitions, compacted, 1);
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
