package io.settleflow.risk;

import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;

/**
 * The Kafka Streams settings the risk engine runs with, shared by main and the real-broker test.
 */
public final class RiskStreamsConfig {
  /**
   * The default commit interval: short, so decisions are visible to read_committed consumers
   * quickly (one EOS commit); {@code SETTLEFLOW_RISK_COMMIT_INTERVAL_MS} changes it (README: the
   * trade-off). A decision waits for the next commit, so the interval sets the floor of the
   * decision p99: {@code bench e2e} at 40 payments/s on a quiet machine, decision appended →
   * visible p99 158–277 ms at 200 against 66–98 ms at 100; {@code bench risk} ≈ 8 % fewer
   * decisions/s (8,346–9,251 against 8,969–10,441) and ≈ 7 µs more broker CPU per decision (37–42
   * against 31–35), throughput_ratio unchanged (both sides commit as often).
   */
  public static final int COMMIT_INTERVAL_MS = 100;

  /**
   * The Streams producer's batch size (Kafka's default is 16 KiB). A decision writes three records
   * (≈ 450 B: the decision and two changelog entries); with 128 KiB batches {@code bench risk}
   * (2026-11-26, commit 200 ms, load 1.5–3.4) ran 20.6–21.6k against 15.5–17.0k decisions/s and the
   * broker spent 13 against 25–27 µs per decision. Only a cap: {@code linger.ms} decides how long a
   * batch waits, so latency is unchanged (p99 at 200/s 237–243 against 244–254 ms). Memory: one
   * thread writing 96 partitions × 128 KiB stays inside the producer's 32 MiB buffer.
   */
  public static final int PRODUCER_BATCH_BYTES = 128 * 1024;

  /**
   * Record cache for the whole instance: the bucket stores are cached, so every payment's six
   * bucket updates hit memory and reach RocksDB and the changelog once per bucket per commit.
   */
  public static final long STATESTORE_CACHE_BYTES = 16L * 1024 * 1024;

  /**
   * Stream threads replaced within {@link #REPLACEMENT_WINDOW_MS} after which a transient failure
   * shuts the client down after all (a broker that stays away is for the supervisor to see).
   */
  public static final int MAX_THREAD_REPLACEMENTS = 10;

  public static final long REPLACEMENT_WINDOW_MS = 10 * 60_000L;

  /** How deep a failure's causes are searched for a transient one. */
  private static final int MAX_CAUSE_DEPTH = 16;

  private RiskStreamsConfig() {}

  /**
   * What a stream thread's uncaught exception does. A broker failover can end a transaction under
   * the thread ({@link InvalidTxnStateException}, a fenced or stale producer epoch) or time out a
   * request ({@link RetriableException}, Kafka's timeouts included): the transaction is aborted, so
   * a new thread resumes from the last commit and nothing is lost or doubled — replace the thread.
   * Anything else (a bug, an unreachable schema registry, bad state) shuts the client down and the
   * process exits 1 for its supervisor, as does a transient failure once {@code recentReplacements}
   * reaches {@link #MAX_THREAD_REPLACEMENTS}.
   *
   * @param recentReplacements threads replaced in the last {@link #REPLACEMENT_WINDOW_MS}
   */
  public static StreamThreadExceptionResponse onStreamThreadFailure(
      Throwable failure, int recentReplacements) {
    if (recentReplacements >= MAX_THREAD_REPLACEMENTS) {
      return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }
    Throwable t = failure;
    for (int depth = 0; t != null && depth < MAX_CAUSE_DEPTH; depth++, t = t.getCause()) {
      if (t instanceof InvalidTxnStateException
          || t instanceof ProducerFencedException
          || t instanceof InvalidProducerEpochException
          || t instanceof RetriableException) {
        return StreamThreadExceptionResponse.REPLACE_THREAD;
      }
    }
    return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
  }

  public static Properties properties(
      String applicationId,
      String bootstrapServers,
      Path stateDir,
      int streamThreads,
      RiskConfig config) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, COMMIT_INTERVAL_MS);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toAbsolutePath().toString());
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, streamThreads);
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, STATESTORE_CACHE_BYTES);
    p.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), PRODUCER_BATCH_BYTES);
    p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDbConfig.class);
    p.put(BoundedRocksDbConfig.BLOCK_CACHE_BYTES, config.rocksDbBlockCacheBytes());
    p.put(BoundedRocksDbConfig.WRITE_BUFFER_BYTES, config.rocksDbWriteBufferBytes());
    return p;
  }

  /**
   * @param applicationServer {@code host:port} of this instance's query server, as the other
   *     instances reach it; Streams shares it so a query for a key elsewhere can be forwarded
   */
  public static Properties properties(
      String applicationId,
      String bootstrapServers,
      Path stateDir,
      int streamThreads,
      RiskConfig config,
      String applicationServer) {
    Properties p = properties(applicationId, bootstrapServers, stateDir, streamThreads, config);
    p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, applicationServer);
    return p;
  }
}
