package io.settleflow.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;

/**
 * A KRaft cluster of N nodes, each a combined broker and controller in its own JVM (a static quorum
 * over all N), formatted once with one cluster id; every node has its own data directory and ports,
 * and a node restarted on its directory resumes. With 3 nodes or more, topics are replicated 3
 * times with {@code min.insync.replicas=2} (internal topics too), so one node may die while
 * producers with {@code acks=all} keep writing.
 *
 * <p>{@link KafkaBroker} stays the single broker of {@code up}, the demo, benchmarks and tests;
 * this is for fault tests that kill a broker.
 */
public final class KafkaCluster implements AutoCloseable {
  /** Generous: at load 45 on 2 cores a restarted node took over 120 s to be fully in sync. */
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(300);

  private static final Duration POLL = Duration.ofMillis(200);

  private final Path dir;
  private final String maxHeap;
  private final List<Member> nodes;

  /** One node: its id, ports and directory are fixed; its process changes with restarts. */
  private static final class Member {
    final int id;
    final int port;
    final int controllerPort;
    final Path dataDir;
    volatile ChildJvm jvm;

    /** Killed on purpose and not restarted yet: its death is not a failure. */
    volatile boolean killed;

    Member(int id, int port, int controllerPort, Path dataDir) {
      this.id = id;
      this.port = port;
      this.controllerPort = controllerPort;
      this.dataDir = dataDir;
    }
  }

  private KafkaCluster(Path dir, String maxHeap, List<Member> nodes) {
    this.dir = dir;
    this.maxHeap = maxHeap;
    this.nodes = List.copyOf(nodes);
  }

  /**
   * Formats (first time only) and starts {@code size} nodes under {@code dir} ({@code node-1}, …)
   * on free ports, side by side, and waits until every broker is registered.
   */
  public static KafkaCluster start(Path dir, int size, String maxHeap) {
    if (size < 1 || size > 5) {
      throw new IllegalArgumentException("size must be 1..5, was " + size);
    }
    List<Member> nodes = new ArrayList<>();
    for (int id = 1; id <= size; id++) {
      nodes.add(new Member(id, Ports.free(), Ports.free(), dir.resolve("node-" + id)));
    }
    KafkaCluster cluster = new KafkaCluster(dir, maxHeap, nodes);
    try {
      cluster.writeProperties();
      cluster.formatMissing();
      for (Member n : nodes) {
        n.jvm = cluster.launch(n);
      }
      cluster.await("Kafka cluster", () -> cluster.registeredBrokers().size() == size);
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  /** Replicas per partition: 3, or the node count when smaller. */
  public int replicationFactor() {
    return Math.min(3, nodes.size());
  }

  /** In-sync replicas a write needs: 2 with 3 replicas, else 1. */
  public int minInsyncReplicas() {
    return replicationFactor() >= 3 ? 2 : 1;
  }

  public int size() {
    return nodes.size();
  }

  /** Every node's client address, comma-separated: clients survive any single node's loss. */
  public String bootstrapServers() {
    return nodes.stream().map(n -> Ports.LOOPBACK + ":" + n.port).collect(Collectors.joining(","));
  }

  /** The running process of node {@code id} (1-based). */
  public ChildJvm jvm(int id) {
    return node(id).jvm;
  }

  /** Process ids of the running nodes, for memory reports. */
  public List<Long> processIds() {
    List<Long> pids = new ArrayList<>();
    for (Member n : nodes) {
      ChildJvm jvm = n.jvm;
      if (jvm != null && jvm.isAlive()) {
        pids.add(jvm.pid());
      }
    }
    return pids;
  }

  public Admin admin() {
    return KafkaAdmin.create(bootstrapServers());
  }

  /**
   * Creates the topics that do not exist yet with the cluster's replication factor; {@code
   * compacted} ones get cleanup.policy=compact.
   */
  public void createTopics(Collection<String> topics, int partitions, Set<String> compacted) {
    KafkaAdmin.createMissingTopics(
        bootstrapServers(), topics, partitions, compacted, replicationFactor());
  }

  /**
   * {@code kill -9} node {@code id}: no controlled shutdown. Returns once the controller has fenced
   * it (after {@code broker.session.timeout.ms}, 9 s): its partitions have moved their leaders and
   * dropped it from their in-sync replicas, as after a real crash.
   */
  public void kill(int id) {
    Member n = node(id);
    n.killed = true;
    n.jvm.kill();
    await(
        "the controller to fence Kafka node " + id,
        () -> {
          Set<Integer> up = registeredBrokers();
          return !up.isEmpty() && !up.contains(id);
        });
  }

  /**
   * Starts node {@code id} again on its directory and ports, and waits until it is registered and
   * every partition has all its replicas in sync again (so that another node may fail next). Call
   * after {@link #kill}: a node that was never fenced would look in sync before it caught up.
   */
  public void restart(int id) {
    Member n = node(id);
    if (n.jvm != null && n.jvm.isAlive()) {
      throw new IllegalStateException("Kafka node " + id + " is still running");
    }
    n.jvm = launch(n);
    n.killed = false;
    await(
        "Kafka node " + id,
        () -> registeredBrokers().contains(id) && underReplicatedPartitions() == 0);
  }

  /** Brokers the cluster reports as up (unfenced); empty when it does not answer. */
  Set<Integer> registeredBrokers() {
    try (Admin admin = admin()) {
      return admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).stream()
          .map(org.apache.kafka.common.Node::id)
          .collect(Collectors.toSet());
    } catch (ExecutionException | TimeoutException e) {
      return Set.of();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Set.of();
    }
  }

  /** Partitions (internal topics included) with fewer in-sync replicas than replicas. */
  public int underReplicatedPartitions() {
    try (Admin admin = admin()) {
      Set<String> topics =
          admin
              .listTopics(new ListTopicsOptions().listInternal(true))
              .names()
              .get(5, TimeUnit.SECONDS);
      Map<String, TopicDescription> described =
          admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS);
      int under = 0;
      for (TopicDescription d : described.values()) {
        for (TopicPartitionInfo p : d.partitions()) {
          if (p.isr().size() < p.replicas().size()) {
            under++;
          }
        }
      }
      return under;
    } catch (ExecutionException | TimeoutException e) {
      return Integer.MAX_VALUE;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Integer.MAX_VALUE;
    }
  }

  private Member node(int id) {
    if (id < 1 || id > nodes.size()) {
      throw new IllegalArgumentException("Kafka node must be 1.." + nodes.size() + ", was " + id);
    }
    return nodes.get(id - 1);
  }

  private void writeProperties() {
    String voters =
        nodes.stream()
            .map(n -> n.id + "@" + Ports.LOOPBACK + ":" + n.controllerPort)
            .collect(Collectors.joining(","));
    for (Member n : nodes) {
      try {
        Files.createDirectories(n.dataDir.resolve("logs"));
        Files.writeString(n.dataDir.resolve("server.properties"), serverProperties(n, voters));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private String serverProperties(Member n, String voters) {
    return KraftServerProperties.render(
        n.id,
        "controller.quorum.voters=" + voters,
        n.port,
        n.controllerPort,
        n.dataDir.resolve("logs"),
        replicationFactor(),
        minInsyncReplicas());
  }

  private List<String> jvmArgs() {
    return KraftServerProperties.jvmArgs(maxHeap);
  }

  /** Formats every node that has never held data, all with one cluster id, side by side. */
  private void formatMissing() {
    String clusterId = Uuid.randomUuid().toString();
    List<Member> missing =
        nodes.stream()
            .filter(n -> !Files.exists(n.dataDir.resolve("logs").resolve("meta.properties")))
            .toList();
    if (missing.isEmpty()) {
      return;
    }
    if (missing.size() != nodes.size()) {
      throw new IllegalStateException(
          "Kafka cluster under " + dir + " is partly formatted: remove it or restore every node");
    }
    List<ChildJvm> formats = new ArrayList<>();
    for (Member n : missing) {
      formats.add(
          ChildJvm.start(
              "kafka-storage-format-" + n.id,
              jvmArgs(),
              List.of(
                  "-cp",
                  ChildJvm.currentClasspath(),
                  "kafka.tools.StorageTool",
                  "format",
                  "-t",
                  clusterId,
                  "-c",
                  n.dataDir.resolve("server.properties").toString()),
              Map.of(),
              n.dataDir,
              n.dataDir.resolve("broker.log")));
    }
    for (int i = 0; i < missing.size(); i++) {
      Member n = missing.get(i);
      ChildJvm format = formats.get(i);
      int exit = format.awaitExit(Duration.ofSeconds(90));
      if (exit != 0 || !Files.exists(n.dataDir.resolve("logs").resolve("meta.properties"))) {
        throw new IllegalStateException(
            "formatting Kafka node " + n.id + " failed:\n" + format.logTail(30));
      }
    }
  }

  private ChildJvm launch(Member n) {
    return ChildJvm.start(
        "kafka-" + n.id,
        jvmArgs(),
        List.of(
            "-cp",
            ChildJvm.currentClasspath(),
            "kafka.Kafka",
            n.dataDir.resolve("server.properties").toString()),
        Map.of(),
        n.dataDir,
        n.dataDir.resolve("broker.log"));
  }

  /** Waits until {@code ready}; fails fast with a node's log tail if one of them exits. */
  private void await(String what, BooleanSupplier ready) {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (true) {
      for (Member n : nodes) {
        ChildJvm jvm = n.jvm;
        if (jvm != null && !n.killed && !jvm.isAlive()) {
          throw new IllegalStateException(
              "Kafka node "
                  + n.id
                  + " exited while waiting for "
                  + what
                  + "; log tail:\n"
                  + jvm.logTail(40));
        }
      }
      if (ready.getAsBoolean()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            what
                + " not ready after "
                + READY_TIMEOUT.toSeconds()
                + " s; node 1 log tail:\n"
                + nodes.get(0).jvm.logTail(40));
      }
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + what, e);
      }
    }
  }

  /** Stops every node at once (one by one, the last nodes would wait for a lost quorum). */
  @Override
  public void close() {
    List<Thread> stopping = new ArrayList<>();
    for (Member n : nodes) {
      ChildJvm jvm = n.jvm;
      if (jvm != null) {
        Thread t = new Thread(jvm::close, "stop-kafka-" + n.id);
        t.start();
        stopping.add(t);
      }
    }
    for (Thread t : stopping) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
