package io.settleflow.feeds;

import static org.assertj.core.api.Assertions.assertThat;

import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.InMemorySchemaRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.threeten.extra.MutableClock;

/** The importer's progress callback, and the text a progress bar draws from it. */
class ImportProgressTest {
  record Update(long bytesRead, long totalBytes, long entries, boolean done) {}

  @TempDir Path dir;
  final List<Update> updates = new ArrayList<>();
  final MockProducer<String, byte[]> producer =
      SettlementImporterTest.transactional(
          new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer()));
  final SettlementImporter importer =
      new SettlementImporter(
              producer,
              new ConfluentWireFormat(new InMemorySchemaRegistry()),
              SettlementImporterTest.markersOf(producer))
          .withProgress(
              (bytesRead, totalBytes, entries, done) ->
                  updates.add(new Update(bytesRead, totalBytes, entries, done)));

  /** A BAI2 file of {@code details} 16 records in one account, totals right. */
  static String bai2(int details) {
    StringBuilder s =
        new StringBuilder("01,S,R,261125,0800,1,80,,2/\n02,R,S,1,261125,0800,EUR,2/\n03,ACC,,/\n");
    for (int i = 1; i <= details; i++) {
      s.append("16,115,100,0,REF").append(i).append(",,/\n");
    }
    long total = 100L * details;
    s.append("49,").append(total).append(',').append(details + 2).append("/\n");
    s.append("98,").append(total).append(",1,").append(details + 4).append("/\n");
    s.append("99,").append(total).append(",1,").append(details + 6).append("/\n");
    return s.toString();
  }

  @Test
  void aStreamedFileReportsBytesAndEntriesEveryThousandEntriesAndOnceWhenDone() throws Exception {
    Path file = Files.writeString(dir.resolve("big.bai2"), bai2(2_500), StandardCharsets.US_ASCII);
    long size = Files.size(file);

    importer.importFile(file, "bank");

    assertThat(updates).extracting(Update::entries).containsExactly(1_000L, 2_000L, 2_500L);
    assertThat(updates).extracting(Update::done).containsExactly(false, false, true);
    assertThat(updates).allSatisfy(u -> assertThat(u.totalBytes()).isEqualTo(size));
    // bytes grow with the entries (read ahead by a buffer at most) and end at the file size
    assertThat(updates.get(0).bytesRead()).isPositive().isLessThan(updates.get(1).bytesRead());
    assertThat(updates.get(1).bytesRead()).isLessThan(size);
    assertThat(updates.get(2).bytesRead()).isEqualTo(size);
  }

  @Test
  void aReImportReportsProgressOverTheSkippedEntriesToo() throws Exception {
    Path file =
        Files.writeString(dir.resolve("again.bai2"), bai2(1_200), StandardCharsets.US_ASCII);
    importer.importFile(file, "bank");
    updates.clear();

    ImportSummary again = importer.importFile(file, "bank");

    assertThat(again.skipped()).isEqualTo(1_200);
    assertThat(updates).extracting(Update::entries).containsExactly(1_000L, 1_200L);
  }

  @Test
  void anInMemoryFileReportsItsWholeSizeAsRead() throws Exception {
    StringBuilder csv = new StringBuilder(SettleflowCsvParserTest.HEADER).append('\n');
    for (int i = 1; i <= 1_500; i++) {
      csv.append(SettleflowCsvParserTest.line("settlement_id=s-" + i)).append('\n');
    }
    Path file = Files.writeString(dir.resolve("big.csv"), csv, StandardCharsets.UTF_8);

    importer.importFile(file, "acme");

    assertThat(updates).extracting(Update::entries).containsExactly(1_000L, 1_500L);
    assertThat(updates).extracting(Update::bytesRead).containsOnly(Files.size(file));
  }

  @Test
  void theBarShowsShareBytesEntriesAndRate() {
    assertThat(ProgressBar.line("f.xml", 5 * 1024 * 1024, 10 * 1024 * 1024, 45_000, 2_000))
        .isEqualTo("f.xml [##########----------]  50%  5.0/10.0 MiB  45,000 entries  22,500/s");
    assertThat(ProgressBar.line("empty", 0, 0, 0, 0))
        .isEqualTo("empty [####################] 100%  0.0/0.0 MiB  0 entries  0/s");
  }

  @Test
  void theBarRedrawsAtMostEveryTwoHundredMillisecondsButAlwaysWhenDone() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    MutableClock clock = MutableClock.of(Instant.parse("2026-11-25T10:00:00Z"), ZoneOffset.UTC);
    ProgressBar bar =
        new ProgressBar(new PrintStream(out, true, StandardCharsets.UTF_8), clock, "f");

    bar.update(1, 10, 1, false);
    clock.add(Duration.ofMillis(ProgressBar.REDRAW_MILLIS - 1));
    bar.update(2, 10, 2, false); // too soon: not drawn
    clock.add(Duration.ofMillis(1));
    bar.update(3, 10, 3, false);
    bar.update(10, 10, 10, true); // done: drawn at once, with a newline

    String text = out.toString(StandardCharsets.UTF_8);
    assertThat(text.split("\r", -1)).hasSize(4); // three draws
    assertThat(text).doesNotContain(" 2 entries").contains(" 3 entries").endsWith("\n");
  }
}
