package io.settleflow.embedded;

import java.nio.file.Path;
import javax.sql.DataSource;

/**
 * Container-backed PostgreSQL, Kafka and schema registry, for where a container engine runs. The
 * implementation is compiled only by the {@code testcontainers} Maven profile and found through
 * {@link java.util.ServiceLoader}; {@link PartsSource} decides whether it is used. Each part
 * listens on a loopback port the caller chose, so the embedded classes keep their addresses as they
 * are.
 */
public interface ContainerParts {

  /** A started container. */
  interface Part extends AutoCloseable {
    /** Stops it; a part started to keep its data can be started again on the same directory. */
    @Override
    void close();
  }

  /** PostgreSQL in a container, configured as {@link PostgresServer} configures its own. */
  interface Postgres extends Part {
    /** A superuser connection source on {@code database} (trusted, as the embedded one is). */
    DataSource superuser(String database);

    /** Immediate shutdown, as a crash: the next start on the same directory runs recovery. */
    void stopImmediately();
  }

  /**
   * Starts PostgreSQL published on {@code 127.0.0.1:port}; with {@code keepData} a later start on
   * the same {@code dataDir} resumes the same data.
   */
  Postgres startPostgres(Path dataDir, int port, boolean keepData);

  /**
   * Starts a single KRaft Kafka broker advertised as {@code 127.0.0.1:port}; a later start on the
   * same {@code dataDir} resumes its log.
   */
  Part startKafka(Path dataDir, int port, String maxHeap);

  /**
   * Starts a Confluent-compatible schema registry at {@code 127.0.0.1:port} under the same API
   * path.
   */
  Part startSchemaRegistry(Path workDir, int port);
}
