package io.settleflow.feeds;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * One small XML subtree (a camt {@code Ntry} or {@code Bal}) read into memory, so a streaming
 * parser can look at one entry at a time. Bounded: a subtree larger than the limits refuses the
 * file rather than growing memory.
 */
final class XmlElement {
  /**
   * Most elements in one captured subtree; a real Ntry with a few hundred TxDtls stays far below.
   */
  static final int MAX_ELEMENTS = 100_000;

  /** Longest text of one element; ISO 20022 texts are at most a few hundred characters. */
  static final int MAX_TEXT_CHARS = 10_000;

  final String name;
  final int line;
  private final String currency;

  /** The element's own text, stripped once when the element ends. */
  private String text = "";

  private final List<XmlElement> children = new ArrayList<>(4);

  private XmlElement(String name, int line, String currency) {
    this.name = name;
    this.line = line;
    this.currency = currency;
  }

  /** Reads the element the reader is on (a START_ELEMENT) through its END_ELEMENT. */
  static XmlElement read(XMLStreamReader reader)
      throws XMLStreamException, UnreadableFileException {
    int[] count = {0};
    return readElement(reader, count);
  }

  private static XmlElement readElement(XMLStreamReader reader, int[] count)
      throws XMLStreamException, UnreadableFileException {
    XmlElement element =
        new XmlElement(
            reader.getLocalName(),
            reader.getLocation().getLineNumber(),
            reader.getAttributeValue(null, "Ccy"));
    if (++count[0] > MAX_ELEMENTS) {
      throw new UnreadableFileException(
          "element "
              + element.name
              + " at line "
              + element.line
              + " has more than "
              + MAX_ELEMENTS
              + " elements");
    }
    // Most elements have one text event: keep it as it comes; join several only when they occur.
    String single = null;
    StringBuilder several = null;
    int textChars = 0;
    while (true) {
      int event = reader.next();
      switch (event) {
        case XMLStreamConstants.START_ELEMENT -> element.children.add(readElement(reader, count));
        case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE -> {
          textChars += reader.getTextLength();
          if (textChars > MAX_TEXT_CHARS) {
            throw new UnreadableFileException(
                "element "
                    + element.name
                    + " at line "
                    + element.line
                    + " has more than "
                    + MAX_TEXT_CHARS
                    + " characters");
          }
          if (single == null) {
            single = reader.getText();
          } else {
            if (several == null) {
              several = new StringBuilder(single);
            }
            several.append(
                reader.getTextCharacters(), reader.getTextStart(), reader.getTextLength());
          }
        }
        case XMLStreamConstants.END_ELEMENT -> {
          if (several != null) {
            element.text = several.toString().strip();
          } else if (single != null) {
            element.text = single.strip();
          }
          return element;
        }
        default -> {
          // comments and processing instructions carry nothing
        }
      }
    }
  }

  /** The trimmed text of the first element at {@code path} ("Refs/EndToEndId"), or "". */
  String text(String path) {
    XmlElement e = first(path);
    return e == null ? "" : e.text();
  }

  /** This element's own trimmed text. */
  String text() {
    return text;
  }

  /** The {@code Ccy} attribute of the first element at {@code path}, or "". */
  String currency(String path) {
    XmlElement e = first(path);
    return e == null || e.currency == null ? "" : e.currency.strip();
  }

  /** The first element at a slash-separated path of child names, or null. */
  XmlElement first(String path) {
    return first(steps(path), 0);
  }

  /** Depth first in document order: the same element as {@code all(path).get(0)}, without lists. */
  private XmlElement first(String[] steps, int depth) {
    for (XmlElement c : children) {
      if (c.name.equals(steps[depth])) {
        XmlElement found = depth == steps.length - 1 ? c : c.first(steps, depth + 1);
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }

  /** Every element at a slash-separated path of child names, in document order. */
  List<XmlElement> all(String path) {
    List<XmlElement> level = List.of(this);
    for (String step : steps(path)) {
      List<XmlElement> next = new ArrayList<>();
      for (XmlElement e : level) {
        for (XmlElement c : e.children) {
          if (c.name.equals(step)) {
            next.add(c);
          }
        }
      }
      level = next;
    }
    return level;
  }

  // Paths are constants of the parser (a few dozen), looked up for every entry: split them once.
  private static final Map<String, String[]> STEPS = new ConcurrentHashMap<>();

  private static String[] steps(String path) {
    String[] steps = STEPS.get(path);
    return steps != null ? steps : STEPS.computeIfAbsent(path, p -> p.split("/", -1));
  }
}
