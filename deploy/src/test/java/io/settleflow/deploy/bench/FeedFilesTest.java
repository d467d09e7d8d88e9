package io.settleflow.deploy.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.settleflow.avro.SettlementRecord;
import io.settleflow.feeds.Bai2Parser;
import io.settleflow.feeds.CamtParser;
import io.settleflow.feeds.ParsedFile;
import io.settleflow.feeds.SettleflowCsvParser;
import io.settleflow.feeds.SettlementFileParser;
import io.settleflow.feeds.SettlementFormats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The benchmark's generated files are what the importer reads cleanly: every entry a record, every
 * proof holding.
 */
class FeedFilesTest {
  /** More than two statements/accounts, the last one short. */
  static final long ENTRIES = 2L * FeedFiles.ENTRIES_PER_STATEMENT + 7;

  @TempDir Path dir;

  static Stream<Arguments> formats() {
    return Stream.of(
        Arguments.of(
            "settleflow-csv", (FeedFiles.Generator) FeedFiles::writeCsv, new SettleflowCsvParser()),
        Arguments.of("camt", (FeedFiles.Generator) FeedFiles::writeCamt053, new CamtParser()),
        Arguments.of("bai2", (FeedFiles.Generator) FeedFiles::writeBai2, new Bai2Parser()));
  }

  @ParameterizedTest
  @MethodSource("formats")
  void everyGeneratedEntryBecomesARecordWithNoRejectionOrWarning(
      String format, FeedFiles.Generator writer, SettlementFileParser parser) throws Exception {
    Path file = dir.resolve("f");
    writer.write(file, ENTRIES);
    byte[] content = Files.readAllBytes(file);

    assertThat(SettlementFormats.detect(content).format()).isEqualTo(format);
    ParsedFile parsed = parser.parse(content, "bench", "id");

    assertThat(parsed.rejections()).isEmpty();
    assertThat(parsed.warnings()).isEmpty();
    assertThat(parsed.records()).hasSize((int) ENTRIES);
    assertThat(parsed.records())
        .extracting(SettlementRecord::getStatementProofFailed)
        .containsOnly(false);
    SettlementRecord last = parsed.records().get((int) ENTRIES - 1);
    assertThat(last.getGrossAmountMinor()).isEqualTo(FeedFiles.amountMinor(ENTRIES - 1));
    assertThat(last.getPaymentReference()).isEqualTo("pay_" + (ENTRIES - 1));
    assertThat(last.getCurrency()).isEqualTo("EUR");
  }

  @Test
  void theFloorPublishesTheRecordACsvLineBecomes() throws Exception {
    Path file = dir.resolve("one.csv");
    FeedFiles.writeCsv(file, 4);
    SettlementRecord parsed =
        new SettleflowCsvParser()
            .parse(Files.readAllBytes(file), "bench", FeedFiles.FLOOR_FILE_ID)
            .records()
            .get(3);

    assertThat(FeedFiles.record("bench", 3)).isEqualTo(parsed);
  }

  @Test
  void theResultLineHasTheIssuesKeysAndRatios() {
    FeedsBenchmark.Result result =
        new FeedsBenchmark.Result(0.80, 0.50, 0.60, 100_000, 40L << 20, 44L << 20);
    assertThat(result.resultLine())
        .isEqualTo(
            "RESULT feeds csv_ratio=0.80 camt053_ratio=0.50 bai2_ratio=0.60 floor_eps=100000 heap_growth_10x=1.10");
  }
}
