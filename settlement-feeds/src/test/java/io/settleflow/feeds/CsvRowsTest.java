package io.settleflow.feeds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The serial row scan that cuts a CSV text into blocks ({@link CsvRows#blocks}) and the splitter
 * that cuts each block's values ({@link CsvRows#read(String, CsvRows.Block, char)}) against the CSV
 * reader itself (Jackson): the blocks, each split on its own, give exactly the rows, line numbers
 * and refusals the reader gives for the whole text.
 */
class CsvRowsTest {
  static Stream<Arguments> texts() {
    return Stream.of(
        Arguments.of("a,b\nc,d\n", "1[a, b] 2[c, d]"),
        Arguments.of("a,b\n\"x\" ,z\n", "1[a, b] 2[x, z]"),
        Arguments.of("a,b\nx\"y,z\n", "1[a, b] 2[x\"y, z]"),
        Arguments.of("a,b\n \"x\",z\n", "1[a, b] 2[x, z]"),
        Arguments.of("a\rb\r\nc\n", "1[a] 2[b] 3[c]"),
        Arguments.of("a\r\r\nb", "1[a] 3[b]"),
        Arguments.of("a\n  \nb\n", "1[a] 3[b]"),
        Arguments.of("a\n,\nb", "1[a] 2[, ] 3[b]"),
        Arguments.of("\"a\nb\",c\nd", "1[a\nb, c] 3[d]"),
        Arguments.of("a,\"b\"\"c\"\n", "1[a, b\"c]"),
        Arguments.of("\n\na", "3[a]"),
        Arguments.of("\"a\"\"\" ,b", "1[a\", b]"),
        Arguments.of("", ""));
  }

  @ParameterizedTest(name = "[{index}] {1}")
  @MethodSource("texts")
  void blocksReadOneByOneGiveTheRowsOfTheWholeText(String text, String rows) throws Exception {
    assertThat(render(CsvRows.read(text, ',', 100))).isEqualTo(rows);
    for (int perBlock = 1; perBlock <= 3; perBlock++) {
      assertThat(render(viaBlocks(text, perBlock))).isEqualTo(rows);
    }
  }

  static Stream<Arguments> malformed() {
    return Stream.of(
        Arguments.of(
            "a,b\n\"x\"y,z\n",
            "not readable as CSV at line 2: Unexpected character ('y' (code 121)): Expected"
                + " column separator character (',' (code 44)) or end-of-line"),
        Arguments.of("\"abc", "not readable as CSV at line 1: Missing closing quote for value"),
        Arguments.of(
            "a\n\"x\"\"\n", "not readable as CSV at line 3: Missing closing quote for value"),
        Arguments.of("a\nb\nc\n", "too many lines: more than 1"));
  }

  @ParameterizedTest(name = "[{index}] {1}")
  @MethodSource("malformed")
  void theScanRefusesWhatTheReaderRefusesWithTheSameMessage(String text, String message) {
    assertThatThrownBy(() -> CsvRows.read(text, ',', 2)).hasMessage(message);
    assertThatThrownBy(() -> CsvRows.blocks(text, ',', 2, 1, 2)).hasMessage(message);
  }

  @Test
  void randomTextsGiveTheSameRowsOrTheSameRefusalEitherWay() throws Exception {
    Random random = new Random(20261126);
    char[] alphabet = {'a', 'b', ',', ',', '"', '"', ' ', ' ', '\t', '\n', '\n', '\r', 'x'};
    for (int n = 0; n < 10_000; n++) {
      StringBuilder text = new StringBuilder();
      int length = random.nextInt(60);
      for (int i = 0; i < length; i++) {
        text.append(alphabet[random.nextInt(alphabet.length)]);
      }
      String csv = text.toString();
      String whole;
      try {
        whole = render(CsvRows.read(csv, ',', 6));
      } catch (UnreadableFileException e) {
        whole = "refused: " + e.getMessage();
      }
      String blocks;
      try {
        blocks = render(viaBlocks(csv, 1 + random.nextInt(3)));
      } catch (UnreadableFileException e) {
        blocks = "refused: " + e.getMessage();
      }
      assertThat(blocks).as("%s", csv.replace("\n", "\\n").replace("\r", "\\r")).isEqualTo(whole);
    }
  }

  private static List<CsvRows.Row> viaBlocks(String text, int perBlock)
      throws UnreadableFileException {
    List<CsvRows.Row> rows = new ArrayList<>();
    int counted = 0;
    for (CsvRows.Block block : CsvRows.blocks(text, ',', 6, 1, perBlock)) {
      List<CsvRows.Row> read = CsvRows.read(text, block, ',');
      assertThat(read).hasSize(block.rows());
      rows.addAll(read);
      counted += block.rows();
    }
    assertThat(rows).hasSize(counted);
    return rows;
  }

  private static String render(List<CsvRows.Row> rows) {
    List<String> parts = new ArrayList<>();
    for (CsvRows.Row row : rows) {
      parts.add(row.lineNumber() + row.fields().toString());
    }
    return String.join(" ", parts);
  }
}
