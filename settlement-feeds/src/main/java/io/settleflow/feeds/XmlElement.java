package io.settleflow.feeds;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;

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

  /**
   * The line the element starts on, for the elements whose line a record or a reason names (the
   * captured subtree's root and every {@code TxDtls}); -1 for the others, which skips a location
   * object per element.
   */
  final int line;

  private final String currency;

  /** The element's own text, stripped once when the element ends. */
  private String text = "";

  /**
   * Children as a linked list in document order (first child, next sibling, and the last child to
   * append at): no list object and backing array per element. Lists were about a third of the bytes
   * a camt entry's capture allocated, on the thread that scans the XML.
   */
  private XmlElement firstChild;

  private XmlElement lastChild;
  private XmlElement nextSibling;

  /**
   * For an element read with an {@link Shape#indexed indexed} shape: the first descendant at each
   * path the shape keeps, by the shape's slot for the path (null: none in the document), so the
   * parser's lookups are an array read instead of a walk over children comparing names (≈ a fifth
   * of the entry-building thread's CPU). Null for other elements, which are walked.
   */
  private XmlElement[] index;

  private Shape indexShape;

  private XmlElement(String name, int line, String currency) {
    this.name = name;
    this.line = line;
    this.currency = currency;
  }

  /**
   * Which descendants of a captured element are kept: the others are skipped as the reader passes
   * them, without an element, a string or a location being made for them (most of a real {@code
   * Ntry} is parties, agents and related dates the parser never reads). Names are compared as the
   * reader's interned names.
   */
  static final class Shape {
    /** Every descendant kept. */
    static final Shape ALL = new Shape(null, null, 0, -1);

    /** The element's own text and attributes only; its children are skipped. */
    static final Shape LEAF = new Shape(Map.of(), null, 0, -1);

    /** Kept children's shapes by name; null keeps every child. */
    private final Map<String, Shape> children;

    /**
     * Set on an indexed shape: for each {@link Path#id}, the slot in its elements' index of the
     * path it keeps (every path down to {@link #ALL} shapes and nested indexed shapes, which index
     * their own), or -1. Slots are numbered per shape, so an index holds only its own paths.
     */
    private final int[] slots;

    /** Set on an indexed shape: how many paths it keeps, its elements' index length. */
    private final int indexLength;

    /** Below an indexed shape: this node's slot in the nearest indexed shape's index; else -1. */
    private final int slot;

    private Shape(Map<String, Shape> children, int[] slots, int indexLength, int slot) {
      this.children = children;
      this.slots = slots;
      this.indexLength = indexLength;
      this.slot = slot;
    }

    /** Children by name: {@code of("Amt", LEAF, "Refs", of("EndToEndId", LEAF))}. */
    static Shape of(Object... nameThenShape) {
      Map<String, Shape> children = new HashMap<>();
      for (int i = 0; i + 1 < nameThenShape.length; i += 2) {
        children.put((String) nameThenShape[i], (Shape) nameThenShape[i + 1]);
      }
      return new Shape(children, null, 0, -1);
    }

    /**
     * Like {@link #of}, and an element read with this shape indexes the first descendant at every
     * path it keeps: {@link XmlElement#first(Path)} on it is one array read. For the elements the
     * parser asks many paths of (a camt {@code Ntry}, a {@code TxDtls}).
     */
    static Shape indexed(Object... nameThenShape) {
      Shape plain = of(nameThenShape);
      List<Path> paths = new ArrayList<>();
      Map<String, Shape> children = numbered(plain.children, "", paths);
      int[] slots = new int[paths.stream().mapToInt(p -> p.id).max().orElse(-1) + 1];
      Arrays.fill(slots, -1);
      for (int slot = 0; slot < paths.size(); slot++) {
        slots[paths.get(slot).id] = slot;
      }
      return new Shape(children, slots, paths.size(), -1);
    }

    /** Copies of the children, each with its path's slot (shapes may be shared, slots may not). */
    private static Map<String, Shape> numbered(
        Map<String, Shape> children, String parentPath, List<Path> paths) {
      Map<String, Shape> numbered = new HashMap<>();
      children.forEach(
          (name, child) -> {
            String path = parentPath.isEmpty() ? name : parentPath + "/" + name;
            int slot = paths.size();
            paths.add(Path.of(path));
            // a nested indexed shape indexes its own descendants, and ALL's are not indexed
            numbered.put(
                name,
                child.slots != null || child.children == null
                    ? new Shape(child.children, child.slots, child.indexLength, slot)
                    : new Shape(numbered(child.children, path, paths), null, 0, slot));
          });
      return numbered;
    }

    /**
     * The shape of a kept child, or null when a child of that name is skipped. One hash lookup: the
     * reader's names are interned, so their hash is cached and a hit ends at the identity check
     * (was a linear search of up to 12 names per element).
     */
    Shape child(String name) {
      return children == null ? ALL : children.get(name);
    }
  }

  /** Reads the element the reader is on (a START_ELEMENT) through its END_ELEMENT, all of it. */
  static XmlElement read(XmlCursor reader) throws XMLStreamException, UnreadableFileException {
    return read(reader, Shape.ALL);
  }

  /**
   * Reads the element the reader is on (a START_ELEMENT) through its END_ELEMENT, keeping the
   * descendants {@code shape} names. Skipped descendants still count towards {@link #MAX_ELEMENTS}
   * and still refuse the file on an entity reference.
   */
  static XmlElement read(XmlCursor reader, Shape shape)
      throws XMLStreamException, UnreadableFileException {
    int[] count = {0};
    return readElement(reader, count, true, shape, null);
  }

  /** {@code owner}: the nearest indexed ancestor, whose index this element may fill, or null. */
  private static XmlElement readElement(
      XmlCursor reader, int[] count, boolean root, Shape shape, XmlElement owner)
      throws XMLStreamException, UnreadableFileException {
    String name = reader.localName();
    XmlElement element =
        new XmlElement(
            name, root || name.equals(LINE_KEPT) ? reader.line() : -1, reader.attribute("Ccy"));
    countElement(reader, count, name);
    if (shape.slot >= 0 && owner.index[shape.slot] == null) {
      owner.index[shape.slot] = element; // the first at its path, in document order
    }
    if (shape.slots != null) {
      element.index = new XmlElement[shape.indexLength];
      element.indexShape = shape;
      owner = element;
    }
    // Most elements have one text event: keep it as it comes; join several only when they occur.
    String single = null;
    StringBuilder several = null;
    int textChars = 0;
    while (true) {
      int event = reader.next();
      switch (event) {
        case XMLStreamConstants.START_ELEMENT -> {
          Shape childShape = shape.child(reader.localName());
          if (childShape == null) {
            skipElement(reader, count);
          } else {
            element.add(readElement(reader, count, false, childShape, owner));
          }
        }
        case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE -> {
          textChars += reader.textLength();
          if (textChars > MAX_TEXT_CHARS) {
            throw new UnreadableFileException(
                "element "
                    + element.name
                    + " at line "
                    + reader.line()
                    + " has more than "
                    + MAX_TEXT_CHARS
                    + " characters");
          }
          if (single == null) {
            if (reader.isWhiteSpace()) {
              // indentation around children, before any text: stripped anyway, so never made
              continue;
            }
            single = reader.text();
          } else {
            if (several == null) {
              several = new StringBuilder(single);
            }
            several.append(reader.text());
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
        case XMLStreamConstants.ENTITY_REFERENCE -> throw undeclaredEntity(reader);
        default -> {
          // comments and processing instructions carry nothing
        }
      }
    }
  }

  /** Passes the element the reader is on (a START_ELEMENT) through its END_ELEMENT, unbuilt. */
  private static void skipElement(XmlCursor reader, int[] count)
      throws XMLStreamException, UnreadableFileException {
    countElement(reader, count, reader.localName());
    int depth = 1;
    while (depth > 0) {
      switch (reader.next()) {
        case XMLStreamConstants.START_ELEMENT -> {
          countElement(reader, count, reader.localName());
          depth++;
        }
        case XMLStreamConstants.END_ELEMENT -> depth--;
        case XMLStreamConstants.ENTITY_REFERENCE -> throw undeclaredEntity(reader);
        default -> {
          // text is passed over without being made into a string
        }
      }
    }
  }

  private static void countElement(XmlCursor reader, int[] count, String name)
      throws UnreadableFileException {
    if (++count[0] > MAX_ELEMENTS) {
      throw new UnreadableFileException(
          "element "
              + name
              + " at line "
              + reader.line()
              + " has more than "
              + MAX_ELEMENTS
              + " elements");
    }
  }

  private static UnreadableFileException undeclaredEntity(XmlCursor reader) {
    // no DTD is allowed, so no entity is declared: its text is unknown, not empty
    return new UnreadableFileException(
        "not a camt file: undeclared entity &" + reader.localName() + "; at line " + reader.line());
  }

  /** Below the root, only these elements keep their line (camt's split batch records). */
  private static final String LINE_KEPT = "TxDtls";

  private void add(XmlElement child) {
    if (firstChild == null) {
      firstChild = child;
    } else {
      lastChild.nextSibling = child;
    }
    lastChild = child;
  }

  /** The trimmed text of the first element at {@code path} ("Refs/EndToEndId"), or "". */
  String text(Path path) {
    XmlElement e = first(path);
    return e == null ? "" : e.text();
  }

  /** This element's own trimmed text. */
  String text() {
    return text;
  }

  /** The {@code Ccy} attribute of the first element at {@code path}, or "". */
  String currency(Path path) {
    XmlElement e = first(path);
    return e == null || e.currency == null ? "" : e.currency.strip();
  }

  /** The first element at {@code path}, in document order, or null. */
  XmlElement first(Path path) {
    if (index != null && path.id < indexShape.slots.length) {
      int slot = indexShape.slots[path.id];
      if (slot >= 0) {
        return index[slot];
      }
    }
    return first(path.steps, 0);
  }

  /** Depth first in document order: the same element as {@code all(path).get(0)}, without lists. */
  private XmlElement first(String[] steps, int depth) {
    String step = steps[depth];
    for (XmlElement c = firstChild; c != null; c = c.nextSibling) {
      if (named(c, step)) {
        XmlElement found = depth == steps.length - 1 ? c : c.first(steps, depth + 1);
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }

  /**
   * Every element at a slash-separated path of child names, in document order; a list is made only
   * when one is found (most paths find none or one per entry).
   */
  List<XmlElement> all(Path path) {
    List<XmlElement> found = new ArrayList<>(0);
    collect(path.steps, 0, found);
    return found;
  }

  private void collect(String[] steps, int depth, List<XmlElement> found) {
    String step = steps[depth];
    for (XmlElement c = firstChild; c != null; c = c.nextSibling) {
      if (named(c, step)) {
        if (depth == steps.length - 1) {
          found.add(c);
        } else {
          c.collect(steps, depth + 1, found);
        }
      }
    }
  }

  /**
   * Names are interned ({@link XmlCursor#localName}) and so are steps: the same name is the same
   * instance. ({@code equals} here was a sixth of the entry-building thread's CPU: most comparisons
   * are of different names, which equals tells apart only past its identity check.)
   */
  @SuppressWarnings("ReferenceEquality") // interned on both sides, by contract
  private static boolean named(XmlElement e, String name) {
    return e.name == name;
  }

  /**
   * A slash-separated path of child names ("Refs/EndToEndId"), split once and numbered: the
   * parser's paths are constants, asked of every entry. Steps are interned, like the readers'
   * names.
   */
  static final class Path {
    private static final Map<String, Path> PATHS = new ConcurrentHashMap<>();
    private static final AtomicInteger IDS = new AtomicInteger();

    final String text;
    final int id;
    private final String[] steps;

    private Path(String text) {
      this.text = text;
      this.id = IDS.getAndIncrement();
      this.steps = text.split("/", -1);
      for (int i = 0; i < steps.length; i++) {
        steps[i] = steps[i].intern();
      }
    }

    static Path of(String text) {
      return PATHS.computeIfAbsent(text, Path::new);
    }

    @Override
    public String toString() {
      return text;
    }
  }
}
