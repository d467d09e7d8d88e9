package io.settleflow.feeds;

import static org.assertj.core.api.Assertions.assertThat;

import io.settleflow.runtime.ServiceConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettlementImportCliTest {
  static final ServiceConfig CONFIG =
      new ServiceConfig(
          Map.of(
              "SETTLEFLOW_KAFKA_BOOTSTRAP", "127.0.0.1:1",
              "SETTLEFLOW_REGISTRY_URL", "http://127.0.0.1:1/apis/ccompat/v7"));

  @TempDir Path dir;
  final ByteArrayOutputStream out = new ByteArrayOutputStream();
  final ByteArrayOutputStream err = new ByteArrayOutputStream();
  final MockProducer<String, byte[]> producer =
      new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());

  int run(ServiceConfig config, String... args) {
    return SettlementImportCli.run(
        List.of(args),
        config,
        (bootstrap, source) -> producer,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void withoutSourceAndFileItPrintsUsage() {
    assertThat(run(CONFIG, "acme")).isEqualTo(SettlementImportCli.USAGE);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .isEqualTo(SettlementImportCli.USAGE_TEXT + System.lineSeparator());
  }

  @Test
  void missingBrokerSettingNamesTheVariable() {
    ServiceConfig config = new ServiceConfig(Map.of("SETTLEFLOW_REGISTRY_URL", "http://x"));
    assertThat(run(config, "acme", "f.csv")).isEqualTo(SettlementImportCli.USAGE);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("SETTLEFLOW_KAFKA_BOOTSTRAP");
  }

  @Test
  void unreadableFileIsOneLineOnStderrAndExitOneAndTheProducerIsClosed() {
    Path missing = dir.resolve("missing.csv");
    assertThat(run(CONFIG, "acme", missing.toString())).isEqualTo(SettlementImportCli.FILE_FAILED);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .isEqualTo(missing + ": no such file: " + missing + System.lineSeparator());
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    assertThat(producer.closed()).isTrue();
  }

  @Test
  void anUnknownFormatIsAUsageErrorNamingTheKnownOnes() {
    assertThat(run(CONFIG, "--format", "mt940", "acme", "f.sta"))
        .isEqualTo(SettlementImportCli.USAGE);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .startsWith("unknown format 'mt940'; known: settleflow-csv, camt, bai2, ");
  }

  @Test
  void aKnownFormatIsPassedOnForEveryFile() {
    Path missing = dir.resolve("missing.xml");
    assertThat(run(CONFIG, "--format", "camt", "bank", missing.toString()))
        .isEqualTo(SettlementImportCli.FILE_FAILED);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .isEqualTo(missing + ": no such file: " + missing + System.lineSeparator());
  }

  @Test
  void anUnreachableBrokerIsOneLineAndAFailedExit() {
    int exit =
        SettlementImportCli.run(
            List.of("acme", "f.csv"),
            CONFIG,
            (bootstrap, source) -> {
              throw new SettlementPublishException(
                  "cannot start an import transaction: timed out", null);
            },
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));

    assertThat(exit).isEqualTo(SettlementImportCli.FILE_FAILED);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .isEqualTo("cannot start an import transaction: timed out" + System.lineSeparator());
  }
}
