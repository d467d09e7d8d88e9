package io.settleflow.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("integration")
class EmbeddedStackIT {
  @TempDir Path dir;

  @Test
  void postgresRunsWithLogicalWalAndDurableCommits() throws Exception {
    try (PostgresServer pg =
            PostgresServer.start(dir.resolve("pg"), 0, false, dir.resolve("pg.log"));
        Connection c = pg.superuser("postgres").getConnection();
        Statement s = c.createStatement()) {
      assertThat(setting(s, "wal_level")).isEqualTo("logical");
      assertThat(setting(s, "fsync")).isEqualTo("on");
      assertThat(setting(s, "synchronous_commit")).isEqualTo("on");
    }
  }

  @Test
  void postgresKeepsDataAcrossRestartsWhenAsked() throws Exception {
    Path data = dir.resolve("pg-keep");
    try (PostgresServer pg = PostgresServer.start(data, 0, true, dir.resolve("pg.log"))) {
      pg.createDatabaseIfMissing("kept");
    }
    try (PostgresServer pg = PostgresServer.start(data, 0, true, dir.resolve("pg.log"));
        Connection c = pg.superuser("postgres").getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_database WHERE datname = 'kept'")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(1);
    }
  }

  @Test
  void kafkaBrokerStartsAndCreatesTopics() throws Exception {
    try (KafkaBroker broker = KafkaBroker.start(dir.resolve("kafka"), 0, 0, "256m")) {
      broker.createTopics(List.of("a.topic", "b.compacted"), 2, Set.of("b.compacted"));
      try (var admin = broker.admin()) {
        assertThat(admin.listTopics().names().get(10, TimeUnit.SECONDS))
            .contains("a.topic", "b.compacted");
      }
    }
  }

  private static String setting(Statement s, String name) throws Exception {
    try (ResultSet rs = s.executeQuery("SHOW " + name)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
