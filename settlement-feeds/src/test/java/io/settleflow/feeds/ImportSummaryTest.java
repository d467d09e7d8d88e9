package io.settleflow.feeds;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImportSummaryTest {
  @Test
  void summaryCountsLinesAndGroupsRejectionsByColumn() {
    ParsedFile parsed =
        new ParsedFile(
            "ab12cd34ef56ffff",
            List.of(
                new RejectedLine(2, "gross_amount: '1,00' is not a decimal amount like 12.34"),
                new RejectedLine(3, "gross_amount: empty"),
                new RejectedLine(5, "settlement_id: 's-1' duplicates line 4 of this file")));

    ImportSummary summary = ImportSummary.of("in/file.csv", "acme", parsed);

    assertThat(summary.linesRead()).isEqualTo(3);
    assertThat(summary.published()).isZero();
    assertThat(summary.rejected()).isEqualTo(3);
    assertThat(summary.rejectionsByCategory())
        .containsExactly(
            org.assertj.core.api.Assertions.entry("gross_amount", 2),
            org.assertj.core.api.Assertions.entry("settlement_id", 1));
    assertThat(summary.render())
        .isEqualTo(
            "in/file.csv (source acme, file id ab12cd34ef56): 3 lines read, 0 published, 3 rejected, 0 skipped as already imported\n"
                + "  rejected by column:\n"
                + "    gross_amount: 2\n"
                + "    settlement_id: 1\n"
                + "  first rejected lines:\n"
                + "    line 2: gross_amount: '1,00' is not a decimal amount like 12.34\n"
                + "    line 3: gross_amount: empty\n"
                + "    line 5: settlement_id: 's-1' duplicates line 4 of this file");
    assertThat(summary.toString()).isEqualTo(summary.render());
  }

  @Test
  void summaryShowsOnlyTheFirstRejectionsAndSaysHowManyMore() {
    List<ParsedLine> lines = new ArrayList<>();
    for (int i = 0; i < ImportSummary.MAX_REJECTIONS_SHOWN + 3; i++) {
      lines.add(new RejectedLine(i + 2, "type: empty"));
    }
    ImportSummary summary = ImportSummary.of("f.csv", "acme", new ParsedFile("id", lines));

    assertThat(summary.firstRejections()).hasSize(ImportSummary.MAX_REJECTIONS_SHOWN);
    assertThat(summary.render()).endsWith("… 3 more on the rejected topic");
  }

  @Test
  void cleanImportIsOneLine() {
    ImportSummary summary =
        new ImportSummary(
            "f.csv", "acme", "0123456789abcdef", 1, 1, 0, new java.util.TreeMap<>(), List.of());
    assertThat(summary.render())
        .isEqualTo(
            "f.csv (source acme, file id 0123456789ab): 1 line read, 1 published, 0 rejected, 0 skipped as already imported");
  }

  @Test
  void warningsAndTheFormatAreShownAfterTheCounts() {
    ParsedFile parsed =
        new ParsedFile(
            "0123456789abcdef",
            List.of(),
            List.of(
                new FileWarning(
                    6,
                    "statement S: balance proof failed: OPBD 1.00 + booked entries 0.00 = 1.00 EUR, but CLBD is 2.00")));
    assertThat(ImportSummary.of("s.xml", "bank", "camt", parsed).render())
        .isEqualTo(
            "s.xml (source bank, file id 0123456789ab, format camt): 0 lines read, 0 published, 0 rejected, 0 skipped as already imported, 1 warning\n"
                + "  warnings (records published, check them):\n"
                + "    line 6: statement S: balance proof failed: OPBD 1.00 + booked entries 0.00 = 1.00 EUR, but CLBD is 2.00");
  }

  @Test
  void aReasonNeverCarriesACardNumberWhateverTheParserPutIn() {
    assertThat(new RejectedLine(2, "net: 4111111111111111.00 is wrong").reason())
        .isEqualTo("net: ################.00 is wrong");
    assertThat(new FileWarning(2, "account 4111111111111111: x").reason())
        .isEqualTo("account ################: x");
  }
}
