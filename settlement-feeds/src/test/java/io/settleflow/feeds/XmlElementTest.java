package io.settleflow.feeds;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import javax.xml.stream.XMLStreamConstants;
import org.junit.jupiter.api.Test;

/**
 * An indexed shape answers every path as walking the children does: the first element at the path
 * in document order (present, text, currency), whatever repeats, gaps and orders a document has.
 */
class XmlElementTest {
  private static final long SEED = 20261127L;

  /**
   * A shape like the camt entry's: shared subshapes, a kept-whole subtree, a nested indexed one.
   */
  private static XmlElement.Shape entryShape(Function<Object[], XmlElement.Shape> factory) {
    XmlElement.Shape codes = CamtParser.BANK_TRANSACTION_CODE; // shared, as in the parser's
    return factory.apply(
        new Object[] {
          "Amt",
          XmlElement.Shape.LEAF,
          "Sts",
          XmlElement.Shape.of("Cd", XmlElement.Shape.LEAF),
          "BkTxCd",
          codes,
          "Chrgs",
          XmlElement.Shape.ALL,
          "NtryDtls",
          XmlElement.Shape.of(
              "TxDtls",
              factory.apply(
                  new Object[] {
                    "Amt",
                    XmlElement.Shape.LEAF,
                    "Refs",
                    XmlElement.Shape.of("EndToEndId", XmlElement.Shape.LEAF),
                    "BkTxCd",
                    codes,
                    "Chrgs",
                    XmlElement.Shape.ALL
                  }))
        });
  }

  private static final XmlElement.Shape INDEXED = entryShape(XmlElement.Shape::indexed);
  private static final XmlElement.Shape WALKED = entryShape(XmlElement.Shape::of);

  /** Paths kept, inside the kept-whole subtree, through skipped elements, and not kept at all. */
  private static final List<XmlElement.Path> ENTRY_PATHS =
      paths(
          "Amt",
          "Sts",
          "Sts/Cd",
          "BkTxCd",
          "BkTxCd/Domn",
          "BkTxCd/Domn/Cd",
          "BkTxCd/Domn/Fmly/SubFmlyCd",
          "Chrgs",
          "Chrgs/Amt",
          "Chrgs/Rcrd/Amt",
          "NtryDtls",
          "NtryDtls/TxDtls",
          "NtryDtls/TxDtls/Amt",
          "NtryDtls/TxDtls/Refs/EndToEndId",
          "Refs",
          "Cd",
          "Skipped/Amt");

  private static final List<XmlElement.Path> DETAIL_PATHS =
      paths("Amt", "Refs", "Refs/EndToEndId", "BkTxCd/Domn/Cd", "Chrgs", "Chrgs/Amt", "Sts/Cd");

  private static final String[] NAMES = {
    "Amt",
    "Sts",
    "Cd",
    "BkTxCd",
    "Domn",
    "Fmly",
    "SubFmlyCd",
    "Chrgs",
    "Rcrd",
    "NtryDtls",
    "TxDtls",
    "Refs",
    "EndToEndId",
    "Skipped"
  };

  @Test
  void indexedLookupsEqualWalkedLookupsOverRandomDocuments() throws Exception {
    Random random = new Random(SEED);
    int indexedHits = 0;
    for (int doc = 0; doc < 2_000; doc++) {
      StringBuilder xml = new StringBuilder("<Ntry>");
      randomChildren(random, xml, "Ntry", 0);
      xml.append("</Ntry>");
      XmlElement indexed = read(xml.toString(), INDEXED);
      XmlElement walked = read(xml.toString(), WALKED);
      indexedHits += compare(indexed, walked, ENTRY_PATHS, xml);
      XmlElement.Path details = XmlElement.Path.of("NtryDtls/TxDtls");
      List<XmlElement> indexedDetails = indexed.all(details);
      List<XmlElement> walkedDetails = walked.all(details);
      assertThat(indexedDetails).hasSameSizeAs(walkedDetails);
      for (int i = 0; i < indexedDetails.size(); i++) {
        indexedHits +=
            compare(indexedDetails.get(i), walkedDetails.get(i), DETAIL_PATHS, xml + " #" + i);
      }
    }
    assertThat(indexedHits).as("lookups answered by a present element").isGreaterThan(5_000);
  }

  /** Compares every path's answer; how many found an element. */
  private static int compare(
      XmlElement indexed, XmlElement walked, List<XmlElement.Path> paths, CharSequence doc) {
    int found = 0;
    for (XmlElement.Path path : paths) {
      XmlElement a = indexed.first(path);
      XmlElement b = walked.first(path);
      assertThat(a == null).as("%s in %s", path, doc).isEqualTo(b == null);
      if (a != null) {
        found++;
        assertThat(a.text()).as("%s in %s", path, doc).isEqualTo(b.text());
        assertThat(indexed.currency(path))
            .as("%s in %s", path, doc)
            .isEqualTo(walked.currency(path));
        assertThat(indexed.all(path).stream().map(XmlElement::text).toList())
            .isEqualTo(walked.all(path).stream().map(XmlElement::text).toList());
      }
    }
    return found;
  }

  /** Mostly the children a camt element has (so paths are met), sometimes any name. */
  private static final Map<String, List<String>> USUAL_CHILDREN =
      Map.of(
          "Ntry", List.of("Amt", "Sts", "BkTxCd", "Chrgs", "NtryDtls"),
          "Sts", List.of("Cd"),
          "BkTxCd", List.of("Domn"),
          "Domn", List.of("Cd", "Fmly"),
          "Fmly", List.of("SubFmlyCd", "Cd"),
          "Chrgs", List.of("Amt", "Rcrd"),
          "Rcrd", List.of("Amt"),
          "NtryDtls", List.of("TxDtls"),
          "TxDtls", List.of("Amt", "Refs", "BkTxCd", "Chrgs"),
          "Refs", List.of("EndToEndId"));

  private static void randomChildren(Random random, StringBuilder xml, String parent, int depth) {
    int children = depth >= 5 ? 0 : random.nextInt(depth == 0 ? 8 : 4);
    List<String> usual = USUAL_CHILDREN.getOrDefault(parent, List.of());
    for (int c = 0; c < children; c++) {
      String name =
          !usual.isEmpty() && random.nextInt(4) > 0
              ? usual.get(random.nextInt(usual.size()))
              : NAMES[random.nextInt(NAMES.length)];
      xml.append('<').append(name);
      if (random.nextInt(4) == 0) {
        xml.append(" Ccy=\"").append(random.nextBoolean() ? "EUR" : "USD").append('"');
      }
      xml.append('>');
      if (random.nextInt(3) == 0) {
        xml.append("t").append(random.nextInt(5));
      }
      randomChildren(random, xml, name, depth + 1);
      xml.append("</").append(name).append('>');
    }
  }

  private static XmlElement read(String xml, XmlElement.Shape shape) throws Exception {
    XmlCursor cursor =
        new Utf8XmlCursor(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    while (cursor.next() != XMLStreamConstants.START_ELEMENT) {
      // to the root
    }
    return XmlElement.read(cursor, shape);
  }

  private static List<XmlElement.Path> paths(String... texts) {
    List<XmlElement.Path> paths = new ArrayList<>();
    for (String text : texts) {
      paths.add(XmlElement.Path.of(text));
    }
    return paths;
  }
}
