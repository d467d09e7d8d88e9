package io.settleflow.feeds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
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

  /** The strict decoder the fast path replaced: the reference for {@link CsvRows#decodeUtf8}. */
  private static String strictUtf8(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  private static String fastUtf8(byte[] bytes) {
    try {
      return CsvRows.decodeUtf8(bytes, "x");
    } catch (UnreadableFileException e) {
      assertThat(e).hasMessage("not a x file: not UTF-8 text");
      return null;
    }
  }

  private static byte[] bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }

  static Stream<Arguments> utf8() {
    return Stream.of(
        Arguments.of("ascii", "a,b\n".getBytes(StandardCharsets.UTF_8), true),
        Arguments.of("latin-1 letter", "caf\u00e9".getBytes(StandardCharsets.UTF_8), true),
        Arguments.of("euro sign", "\u20ac5".getBytes(StandardCharsets.UTF_8), true),
        Arguments.of("four-byte emoji", "\ud83d\ude00".getBytes(StandardCharsets.UTF_8), true),
        Arguments.of("byte-order mark", bytes(0xEF, 0xBB, 0xBF, 'a'), true),
        Arguments.of("a replacement character itself", bytes('a', 0xEF, 0xBF, 0xBD), true),
        Arguments.of("empty", new byte[0], true),
        Arguments.of("UTF-16 with BOM", bytes(0xFF, 0xFE, 's', 0), false),
        Arguments.of("lone continuation byte", bytes('a', 0x80, 'b'), false),
        Arguments.of("overlong slash", bytes(0xC0, 0xAF), false),
        Arguments.of("encoded surrogate", bytes(0xED, 0xA0, 0x80), false),
        Arguments.of("truncated at the end", bytes('a', 0xE2, 0x82), false),
        Arguments.of("beyond U+10FFFF", bytes(0xF4, 0x90, 0x80, 0x80), false),
        Arguments.of("Latin-1 byte", bytes('c', 'a', 'f', 0xE9), false));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("utf8")
  void fastUtf8DecodingAcceptsAndRefusesAsTheStrictDecoder(String name, byte[] in, boolean valid) {
    assertThat(strictUtf8(in) != null).isEqualTo(valid);
    assertThat(fastUtf8(in)).isEqualTo(strictUtf8(in));
  }

  @Test
  void fastUtf8DecodingAgreesWithTheStrictDecoderOnRandomBytes() {
    long seed = 20261126L;
    Random random = new Random(seed);
    // mostly text with some multi-byte characters, and one byte in eight flipped at random
    byte[] alphabet = "ab,\u00e9\u20ac\ud83d\ude00".getBytes(StandardCharsets.UTF_8);
    int valid = 0;
    for (int n = 0; n < 20_000; n++) {
      byte[] in = new byte[random.nextInt(12)];
      for (int i = 0; i < in.length; i++) {
        in[i] =
            random.nextInt(8) == 0
                ? (byte) random.nextInt(256)
                : alphabet[random.nextInt(alphabet.length)];
      }
      String expected = strictUtf8(in);
      valid += expected == null ? 0 : 1;
      assertThat(fastUtf8(in)).as("seed %d, text %d", seed, n).isEqualTo(expected);
    }
    assertThat(valid).as("both outcomes are exercised").isBetween(2_000, 18_000);
  }
}
