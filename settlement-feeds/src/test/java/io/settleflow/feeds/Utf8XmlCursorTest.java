package io.settleflow.feeds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Utf8XmlCursor} against Woodstox, the reader it stands in for: over every camt document the
 * project has (fixtures, the shared corpus, the parser tests' shapes) and thousands of mutations of
 * them (fixed seed), read whole and a few bytes at a time, the fast reader must report the same
 * elements, names, lines, currencies and texts as Woodstox for as far as it reads, and may stop
 * ({@link Utf8XmlCursor.OffSubset}) but never accept what Woodstox refuses. Then {@link CamtParser}
 * with its fallback must give exactly what Woodstox alone gives, records, rejections and refusals.
 */
class Utf8XmlCursorTest {
  static final long SEED = 20261127L;

  /** Documents of the plain subset: the fast reader must read them to the end. */
  static Map<String, byte[]> plainDocuments() throws IOException {
    Map<String, byte[]> docs = new TreeMap<>();
    docs.put("fixture statement-v08.xml", CamtParserTest.fixture("statement-v08.xml"));
    Path corpus =
        Path.of(
            System.getProperty("settleflow.testdata", "../../shared/testdata/settlement-files"),
            "camt");
    if (Files.isDirectory(corpus)) {
      try (Stream<Path> files = Files.list(corpus)) {
        for (Path f : files.filter(p -> p.toString().endsWith(".xml")).sorted().toList()) {
          docs.put("corpus " + f.getFileName(), Files.readAllBytes(f));
        }
      }
    }
    String entries =
        CamtParserTest.good(1)
            + "\n  <!-- a comment -->\n"
            + CamtParserTest.entry(
                "R&amp;D &#x41;&#66; &lt;x&gt; &quot;q&quot; &apos;", "2.50", "DBIT", "BOOK")
            + CamtParserTest.entry("Zürich — 東京 €", "1.00", "CRDT", "BOOK")
            + "<Ntry><Amt Ccy='EUR'>3.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>"
            + "<BookgDt><Dt>2026-11-25</Dt></BookgDt><AcctSvcrRef>R-9</AcctSvcrRef><AddtlNtryInf/>"
            + "<NtryDtls><TxDtls><Refs><EndToEndId>pay_9</EndToEndId></Refs></TxDtls></NtryDtls>"
            + "</Ntry >"
            // currencies changing, empty and not ASCII (the reader reuses the last one's string)
            + "<Ntry><Amt Ccy=\"USD\">1</Amt></Ntry><Ntry><Amt Ccy=\"\">2</Amt></Ntry>"
            + "<Ntry><Amt Ccy='EUR'>3</Amt><Amt Ccy='€'>4</Amt><Amt Ccy='€'>5</Amt></Ntry>";
    String doc =
        CamtParserTest.statement("08", entries)
            .replace(
                "<Document xmlns=",
                "<Document xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"
                    + "  xsi:schemaLocation=\"urn:x\n camt.053.001.08.xsd\" xmlns=");
    docs.put("entities, comments, UTF-8, empty elements", utf8(doc));
    docs.put(
        "declaration, BOM, CRLF",
        concat(
            new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF},
            utf8(
                ("<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?>\n<!-- x -->\n"
                        + doc)
                    .replace("\n", "\r\n"))));
    docs.put(
        "lone CRs, multi-line text",
        utf8(
            doc.replace("\n", "\r")
                .replace("R-9", "R-9\r\n  continued\rthird")
                .replace("<Id>S</Id>", "<Id>\n S \n</Id>")));
    docs.put(
        "an empty currency first",
        utf8(
            CamtParserTest.statement(
                "08",
                "<Ntry><Amt Ccy=\"\">1</Amt><Amt Ccy='EUR'>2</Amt><Amt Ccy=''>3</Amt></Ntry>")));
    StringBuilder names = new StringBuilder(); // past the reader's table of 1,024 names
    for (int i = 0; i < 3_000; i++) {
      names.append("<X").append(i).append("/><Y").append(i).append(">t</Y").append(i).append('>');
    }
    docs.put(
        "3,000 distinct names",
        utf8(CamtParserTest.statement("08", names + CamtParserTest.good(1) + names)));
    StringBuilder many = new StringBuilder();
    for (int i = 0; i < 3_000; i++) { // past the first read's 64 KiB: the buffer moves and refills
      many.append(CamtParserTest.good(i)).append('\n');
    }
    docs.put("3,000 entries", utf8(CamtParserTest.statement("02", many.toString())));
    return docs;
  }

  /** Outside the subset, well-formed or not: the fast reader must stop, Woodstox decides. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><Document/>",
        "<?xml version=\"1.1\"?><Document/>",
        "<?xml version=\"1.0\"\nencoding=\"UTF-8\"?><Document/>", // Woodstox counts no lines there
        "<!DOCTYPE Document [<!ENTITY x \"y\">]><Document>&x;</Document>",
        "<Document><![CDATA[x]]></Document>",
        "<Document><?pi x?></Document>",
        "<c:Document xmlns:c=\"urn:x\"/>",
        "<Document xmlns=\"urn:x\"><A xmlns=\"urn:y\"/></Document>",
        "<Document><A b:c=\"1\"/></Document>",
        "<Document a:b=\"1\"/>",
        "<Document xmlns:a=\"urn:u\" xmlns:b=\"urn:u\" a:x=\"1\" b:x=\"2\"/>",
        "<Document xmlns:a=\"http://www.w3.org/XML/1998/namespace\"/>",
        "<Document xmlns=\"http://www.w3.org/2000/xmlns/\"/>",
        "<Document>&undeclared;</Document>",
        "<Document>&#0;</Document>",
        "<Document>&#xFFFE;</Document>",
        "<Document>a]]>b</Document>",
        "<Document><A></B></Document>",
        "<Document><A></Document>",
        "<Document><A x=\"1\" x=\"2\"/></Document>",
        "<Document><A x=\"<\"/></Document>",
        "<Document><A x=\"&amp;\"/></Document>",
        "<Document><Amt Ccy=\"E\tUR\">1</Amt></Document>",
        "<Document><!-- a -- b --></Document>",
        "<Document/>trailing",
        "text<Document/>",
        "<Document>",
        "",
        "<Dökument/>",
        "<Document>\u0001</Document>",
      })
  void documentsOutsideTheSubsetStopTheFastReader(String xml) {
    assertThatThrownBy(() -> events(new Utf8XmlCursor(new ByteArrayInputStream(utf8(xml)))))
        .isInstanceOf(Utf8XmlCursor.OffSubset.class);
  }

  @Test
  void bytesThatAreNotUtf8StopTheFastReader() {
    for (byte[] bad :
        List.of(
            new byte[] {(byte) 0xC3}, // truncated
            new byte[] {(byte) 0xC0, (byte) 0x80}, // overlong
            new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // a surrogate
            new byte[] {(byte) 0xFF},
            new byte[] {(byte) 0xEF, (byte) 0xBF, (byte) 0xBF})) { // U+FFFF
      byte[] doc = concat(utf8("<Document>a"), bad, utf8("b</Document>"));
      assertThatThrownBy(() -> events(new Utf8XmlCursor(new ByteArrayInputStream(doc))))
          .isInstanceOf(Utf8XmlCursor.OffSubset.class);
    }
  }

  static Stream<String> plainDocumentNames() throws IOException {
    return plainDocuments().keySet().stream();
  }

  @ParameterizedTest
  @MethodSource("plainDocumentNames")
  void plainDocumentsReadAsWoodstoxReadsThemWholeAndAFewBytesAtATime(String name) throws Exception {
    byte[] doc = plainDocuments().get(name);
    List<String> woodstox = events(CamtParser.woodstox(new ByteArrayInputStream(doc)));
    assertThat(events(new Utf8XmlCursor(new ByteArrayInputStream(doc)))).isEqualTo(woodstox);
    assertThat(events(new Utf8XmlCursor(new Trickle(doc, new Random(SEED))))).isEqualTo(woodstox);
  }

  /**
   * Every mutation (a cut, a byte replaced, a snippet inserted, at random places) is read by both:
   * what the fast reader reports before it stops must be what Woodstox reports, and when Woodstox
   * refuses the document the fast reader must have stopped too.
   */
  @Test
  void mutatedDocumentsReadTheSameOrStopTheFastReaderAndNeverPassWhatWoodstoxRefuses()
      throws Exception {
    Random random = new Random(SEED);
    int stopped = 0;
    int read = 0;
    for (byte[] original : plainDocuments().values()) {
      if (original.length > 20_000) {
        continue; // the long document is for the buffer; mutations of the short ones suffice
      }
      for (int m = 0; m < 400; m++) {
        Mutation mutation = mutate(original, random);
        byte[] doc = mutation.doc();
        String seen = "seed " + SEED + ", mutation " + m + ": " + mutation.change();
        Outcome woodstox = outcome(() -> CamtParser.woodstox(new ByteArrayInputStream(doc)));
        Outcome fast = outcome(() -> new Utf8XmlCursor(new Trickle(doc, random)));
        if (fast.failure == null) {
          read++;
          assertThat(woodstox.failure).as(seen).isNull();
          assertThat(fast.events).as(seen).isEqualTo(woodstox.events);
        } else {
          assertThat(fast.failure).as(seen).isInstanceOf(Utf8XmlCursor.OffSubset.class);
          stopped++;
          assertThat(
                  woodstox.events.subList(0, Math.min(fast.events.size(), woodstox.events.size())))
              .as(seen)
              .isEqualTo(
                  fast.events.subList(0, Math.min(fast.events.size(), woodstox.events.size())));
          if (woodstox.failure == null) {
            assertThat(fast.events.size()).as(seen).isLessThanOrEqualTo(woodstox.events.size());
          } // else Woodstox may stop before the fast reader: it decodes UTF-8 a block ahead
        }
      }
    }
    // both kinds occur in numbers, or the mutations test nothing
    assertThat(read).isGreaterThan(300);
    assertThat(stopped).isGreaterThan(300);
  }

  /**
   * The parser with its fast reading and fallback gives exactly what Woodstox alone gives, for
   * every document and mutation: the same records and rejections, or the same refusal.
   */
  @Test
  void theParserGivesWhatWoodstoxAloneGivesForEveryDocumentAndMutation() throws Exception {
    CamtParser parser = new CamtParser();
    Random random = new Random(SEED + 1);
    int fellBack = 0;
    for (byte[] original : plainDocuments().values()) {
      int mutations = original.length > 20_000 ? 20 : 150;
      for (int m = -1; m < mutations; m++) {
        Mutation mutation = m < 0 ? new Mutation(original, "none") : mutate(original, random);
        byte[] doc = mutation.doc();
        String seen = "seed " + (SEED + 1) + ", mutation " + m + ": " + mutation.change();
        String alone =
            parsed(sink -> parser.parse(new ByteArrayInputStream(doc), "bank", "f", sink));
        int[] opens = {0};
        String withFallback =
            parsed(
                sink ->
                    parser.parse(
                        () ->
                            // the fast reading a few bytes at a time; Woodstox's as it reads
                            // alone (its messages name byte offsets, which depend on the reads)
                            ++opens[0] == 1
                                ? new Trickle(doc, random)
                                : new ByteArrayInputStream(doc),
                        "bank",
                        "f",
                        sink,
                        new java.util.BitSet()));
        assertThat(firstDifference(withFallback, alone)).as(seen).isNull();
        if (opens[0] > 1) {
          fellBack++;
        }
      }
    }
    assertThat(fellBack).isGreaterThan(100);
  }

  @Test
  void theBenchShapedStatementIsReadWithoutFallingBack() throws Exception {
    byte[] doc = plainDocuments().get("3,000 entries");
    int[] opens = {0};
    List<ParsedLine> lines = new ArrayList<>();
    new CamtParser()
        .parse(
            () -> {
              opens[0]++;
              return new ByteArrayInputStream(doc);
            },
            "bank",
            "f",
            new ParsedLineSink() {
              @Override
              public void accept(ParsedLine line) {
                lines.add(line);
              }

              @Override
              public void warn(FileWarning warning) {}
            },
            new java.util.BitSet());
    assertThat(opens[0]).isEqualTo(1);
    assertThat(lines).hasSize(3_000);
  }

  // ---- helpers

  interface Parse {
    void run(ParsedLineSink sink) throws Exception;
  }

  /** Everything a parse produced, as text: lines and warnings in order, or the refusal. */
  static String parsed(Parse parse) {
    StringBuilder out = new StringBuilder();
    try {
      parse.run(
          new ParsedLineSink() {
            @Override
            public void accept(ParsedLine line) {
              out.append(line).append('\n');
            }

            @Override
            public void warn(FileWarning warning) {
              out.append("warn ").append(warning).append('\n');
            }

            @Override
            public void proofFailed(int ordinal) {
              out.append("proof failed ").append(ordinal).append('\n');
            }

            @Override
            public void statementEnded(int ordinal) {
              out.append("ended ").append(ordinal).append('\n');
            }
          });
    } catch (UnreadableFileException e) {
      // lines handed on before a refusal are discarded by contract (and how many depends on
      // thread timing): only the refusal counts
      return "refused: " + e.getMessage();
    } catch (Exception e) {
      out.append("failed: ").append(e);
    }
    return out.toString();
  }

  record Outcome(List<String> events, Exception failure) {}

  interface Opening {
    XmlCursor open() throws XMLStreamException;
  }

  static Outcome outcome(Opening opening) {
    List<String> events = new ArrayList<>();
    try {
      read(opening.open(), events);
      return new Outcome(events, null);
    } catch (Exception e) {
      return new Outcome(events, e);
    }
  }

  static List<String> events(XmlCursor cursor) throws XMLStreamException {
    List<String> events = new ArrayList<>();
    read(cursor, events);
    return events;
  }

  /**
   * The events as the camt parser sees them: starts with name, namespace, line and currency, ends,
   * and texts inside the root (text events joined across comments, as the parser joins them);
   * element names must be interned.
   */
  static void read(XmlCursor cursor, List<String> events) throws XMLStreamException {
    int depth = 0;
    StringBuilder text = null;
    int textLine = 0;
    while (cursor.hasNext()) {
      int event = cursor.next();
      boolean isText =
          event == XMLStreamConstants.CHARACTERS
              || event == XMLStreamConstants.SPACE
              || event == XMLStreamConstants.CDATA;
      if (isText && depth > 0) {
        if (text == null) {
          text = new StringBuilder();
          textLine = cursor.line();
        }
        assertThat(cursor.textLength()).isEqualTo(cursor.text().length());
        if (cursor.isWhiteSpace()) { // the parser drops such a text: it must be nothing but spaces
          assertThat(isXmlSpace(cursor.text())).isTrue();
        }
        text.append(cursor.text());
        continue;
      }
      if (event == XMLStreamConstants.COMMENT) {
        continue; // invisible to the parser, which joins the texts around it
      }
      if (text != null) {
        events.add("text@" + textLine + " " + text);
        text = null;
      }
      if (event == XMLStreamConstants.START_ELEMENT || event == XMLStreamConstants.END_ELEMENT) {
        // XmlElement compares names by identity: both readers must hand out interned names
        assertThat(cursor.localName()).isSameAs(cursor.localName().intern());
      }
      if (event == XMLStreamConstants.START_ELEMENT) {
        depth++;
        events.add(
            "start@"
                + cursor.line()
                + " "
                + cursor.localName()
                + " ns="
                + cursor.namespaceUri()
                + " ccy="
                + cursor.attribute("Ccy"));
      } else if (event == XMLStreamConstants.END_ELEMENT) {
        depth--;
        events.add("end " + cursor.localName());
      } else if (event == XMLStreamConstants.ENTITY_REFERENCE || event == XMLStreamConstants.DTD) {
        events.add("event " + event);
      }
    }
  }

  private static boolean isXmlSpace(String s) {
    return s.chars().allMatch(c -> c == ' ' || c == '\t' || c == '\n' || c == '\r');
  }

  private static final String[] SNIPPETS = {
    "<",
    ">",
    "&",
    "/",
    ":",
    "\"",
    "'",
    "=",
    "]]>",
    "<!--c-->",
    "<!-- -- -->",
    "&amp;",
    "&#x41;",
    "&#0;",
    "&bogus;",
    "<![CDATA[x]]>",
    "\r\n",
    "\r",
    "\n",
    "é",
    "€",
    "<?pi x?>",
    " xmlns=\"urn:y\"",
    " a=\"1\"",
    " a:b=\"1\"",
    "<X/>",
    "<X>",
    "</X>",
    "<p:X/>",
    "\t",
    "\u0001",
    "&lt;",
    "]",
    "--",
  };

  private static final byte[] BYTES = {
    '<',
    '>',
    '&',
    '/',
    ':',
    '"',
    '\'',
    '=',
    ' ',
    '\r',
    '\n',
    ']',
    '-',
    '!',
    '?',
    'A',
    'x',
    0,
    (byte) 0xC3,
    (byte) 0xA9,
    (byte) 0xFF,
    (byte) 0xED,
    (byte) 0x80,
  };

  /** A changed document and what was changed, for a failure's message. */
  record Mutation(byte[] doc, String change) {}

  static Mutation mutate(byte[] doc, Random random) {
    int at = random.nextInt(doc.length + 1);
    String around =
        " near \""
            + new String(
                doc,
                Math.max(0, at - 30),
                Math.min(doc.length, at + 30) - Math.max(0, at - 30),
                StandardCharsets.UTF_8)
            + "\"";
    return switch (random.nextInt(4)) {
      case 0 -> new Mutation(java.util.Arrays.copyOf(doc, at), "cut at " + at + around);
      case 1 -> {
        byte[] copy = doc.clone();
        int i = Math.min(at, doc.length - 1);
        copy[i] = BYTES[random.nextInt(BYTES.length)];
        yield new Mutation(copy, "byte " + (copy[i] & 0xFF) + " at " + i + around);
      }
      default -> {
        String snippet = SNIPPETS[random.nextInt(SNIPPETS.length)];
        yield new Mutation(
            concat(
                java.util.Arrays.copyOf(doc, at),
                utf8(snippet),
                java.util.Arrays.copyOfRange(doc, at, doc.length)),
            "inserted \"" + snippet + "\" at " + at + around);
      }
    };
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** The first line where two outputs differ, or null when they are the same. */
  static String firstDifference(String actual, String expected) {
    List<String> a = actual.lines().toList();
    List<String> e = expected.lines().toList();
    for (int i = 0; i < Math.max(a.size(), e.size()); i++) {
      String x = i < a.size() ? a.get(i) : "(nothing)";
      String y = i < e.size() ? e.get(i) : "(nothing)";
      if (!x.equals(y)) {
        return "line " + (i + 1) + ": " + x + "\n  Woodstox alone: " + y;
      }
    }
    return null;
  }

  static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  /** Hands out 1 to 7 bytes per read: every token can end up split across reads. */
  static final class Trickle extends InputStream {
    private final byte[] bytes;
    private final Random random;
    private int at;

    Trickle(byte[] bytes, Random random) {
      this.bytes = bytes;
      this.random = random;
    }

    @Override
    public int read() {
      return at < bytes.length ? bytes[at++] & 0xFF : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (at == bytes.length) {
        return -1;
      }
      int n = Math.min(Math.min(len, 1 + random.nextInt(7)), bytes.length - at);
      System.arraycopy(bytes, at, b, off, n);
      at += n;
      return n;
    }
  }
}
