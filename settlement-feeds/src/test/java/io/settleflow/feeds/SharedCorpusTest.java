package io.settleflow.feeds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Runs the parser over the shared corpus of real processor and bank files (Stripe, Adyen, PayPal
 * CSV, camt.053, BAI2). None is settleflow CSV, so each must be refused as a whole with a
 * one-line reason: never a crash, never a half-read file. Skips when the corpus is absent.
 */
class SharedCorpusTest {
  @Test
  void everyRealSettlementFileOfAnotherFormatIsRefusedWithAOneLineReason() throws IOException {
    String dir = System.getProperty("settleflow.testdata", "../../shared/testdata/settlement-files");
    Path corpus = Path.of(dir);
    assumeTrue(Files.isDirectory(corpus), "shared settlement corpus absent at " + corpus + "; skipping");
    List<Path> files;
    try (Stream<Path> walk = Files.walk(corpus)) {
      files = walk.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().equals("README.md")).sorted().toList();
    }
    assertThat(files).isNotEmpty();

    SettleflowCsvParser parser = new SettleflowCsvParser();
    for (Path file : files) {
      byte[] content = Files.readAllBytes(file);
      Throwable thrown = catchThrowable(() -> parser.parse(content, "corpus", SettlementIds.fileId(content)));
      assertThat(thrown).as(file.toString()).isInstanceOf(UnreadableFileException.class);
      assertThat(thrown.getMessage()).as(file.toString()).isNotBlank().doesNotContain("\n");
    }
  }
}
