package io.settleflow.embedded;

import java.nio.file.Path;
import java.util.List;

/**
 * The {@code server.properties} of one combined broker+controller KRaft node, shared by the single
 * {@link KafkaBroker} and every node of a {@link KafkaCluster} so the two cannot drift apart.
 */
final class KraftServerProperties {
  /**
   * The log cleaner's dedupe buffer: its 128 MiB default does not fit a broker with a small heap
   * (the compacted topics need the cleaner).
   */
  static final long CLEANER_DEDUPE_BUFFER_BYTES = 16L * 1024 * 1024;

  /**
   * How long the broker itself retries a transactional produce that finds the previous transaction
   * still completing (transactions v2, KAFKA-18654) before it answers CONCURRENT_TRANSACTIONS. The
   * default 100 ms is short on a loaded machine: the client then backs off retry.backoff.ms (100
   * ms, doubling) and the batches pipelined behind fail OUT_OF_ORDER_SEQUENCE_NUMBER and back off
   * too, a 0.3–0.6 s stall of every decision behind them. The broker retries every 20 ms instead.
   */
  static final int ADD_PARTITIONS_TO_TXN_RETRY_MAX_MS = 1_000;

  private KraftServerProperties() {}

  /**
   * The node's JVM flags. The heap starts at its maximum and the metaspace threshold above what the
   * broker loads: growing from a small heap and the 21 MB metaspace default cost the single broker
   * three full collections (≈ 156 ms each) in a two-minute {@code bench cdc} run, each a stall of
   * every produce request.
   */
  static List<String> jvmArgs(String maxHeap) {
    return List.of(
        "-Xmx" + maxHeap,
        "-Xms" + maxHeap,
        "-XX:MetaspaceSize=64m",
        "-XX:+UseSerialGC",
        "-Dlog4j2.level=WARN");
  }

  /**
   * @param quorum the controller quorum line, e.g. {@code controller.quorum.voters=1@host:port,...}
   *     or {@code controller.quorum.bootstrap.servers=host:port}
   * @param replicationFactor replicas of every topic, the internal ones included
   * @param minInsyncReplicas in-sync replicas a write with acks=all needs
   */
  static String render(
      int nodeId,
      String quorum,
      int brokerPort,
      int controllerPort,
      Path logDirs,
      int replicationFactor,
      int minInsyncReplicas) {
    String loop = Ports.LOOPBACK;
    return String.join(
            "\n",
            "process.roles=broker,controller",
            "node.id=" + nodeId,
            quorum,
            "listeners=PLAINTEXT://"
                + loop
                + ":"
                + brokerPort
                + ",CONTROLLER://"
                + loop
                + ":"
                + controllerPort,
            "advertised.listeners=PLAINTEXT://" + loop + ":" + brokerPort,
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs=" + logDirs,
            "num.partitions=3",
            "auto.create.topics.enable=true",
            "default.replication.factor=" + replicationFactor,
            "min.insync.replicas=" + minInsyncReplicas,
            "unclean.leader.election.enable=false",
            "offsets.topic.replication.factor=" + replicationFactor,
            "offsets.topic.num.partitions=5",
            "transaction.state.log.replication.factor=" + replicationFactor,
            "transaction.state.log.min.isr=" + minInsyncReplicas,
            "transaction.state.log.num.partitions=5",
            "share.coordinator.state.topic.replication.factor=" + replicationFactor,
            "share.coordinator.state.topic.min.isr=" + minInsyncReplicas,
            "group.initial.rebalance.delay.ms=0",
            "log.retention.hours=168",
            "log.cleaner.dedupe.buffer.size=" + CLEANER_DEDUPE_BUFFER_BYTES,
            "add.partitions.to.txn.retry.backoff.max.ms=" + ADD_PARTITIONS_TO_TXN_RETRY_MAX_MS,
            "")
        + "\n";
  }
}
