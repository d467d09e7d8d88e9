package io.settleflow.risk;

import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The Kafka Streams settings the risk engine runs with, shared by main and the real-broker test.
 */
public final class RiskStreamsConfig {
  /**
   * The default commit interval: short, so decisions are visible to read_committed consumers
   * quickly (one EOS commit); {@code SETTLEFLOW_RISK_COMMIT_INTERVAL_MS} changes it (README: the
   * trade-off).
   */
  public static final int COMMIT_INTERVAL_MS = 200;

  /**
   * Record cache for the whole instance: the bucket stores are cached, so every payment's six
   * bucket updates hit memory and reach RocksDB and the changelog once per bucket per commit.
   */
  public static final long STATESTORE_CACHE_BYTES = 16L * 1024 * 1024;

  private RiskStreamsConfig() {}

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
