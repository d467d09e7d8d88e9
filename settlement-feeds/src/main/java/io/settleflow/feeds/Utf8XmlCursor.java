package io.settleflow.feeds;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;

/**
 * Reads the plain subset of XML that bank statements are written in, and nothing else: UTF-8, an
 * optional XML declaration, elements without prefixes, one default namespace declared on the root,
 * attributes, comments, the five predefined entities and character references. Anything outside
 * that subset, and anything not well-formed, throws {@link OffSubset} where it is met; the caller
 * then reads the document again with Woodstox, which either accepts it or says precisely what is
 * wrong. So this reader never has to produce an error message, only to recognise its subset
 * exactly: what it accepts it must report as Woodstox does (the differential tests check both
 * readers over every fixture and thousands of mutations of them).
 *
 * <p>Why hand-written (we prefer libraries): Woodstox's tokenizer was most of a camt import's
 * parsing CPU (UTF-8 decoding to chars, a symbol table lookup and namespace resolution per element,
 * a string per text event) and the last thing between camt and its benchmark goal. This reader
 * scans bytes, makes strings only for the texts the parser keeps and compares element names as
 * interned strings: the bench file scans in 0.98 against Woodstox's 1.7-2.6 µs per entry, camt's
 * whole parse in 2.65-2.95 against 3.5-4.4 (2026-11-27).
 */
final class Utf8XmlCursor implements XmlCursor {
  /** The document leaves the subset (or is not well-formed): read it with Woodstox instead. */
  static final class OffSubset extends RuntimeException {
    private static final long serialVersionUID = 1L;

    OffSubset(String what) {
      super(what, null, false, false);
    }
  }

  /** Deepest nesting read here; Woodstox's own limit is 1,000, the camt parser's far lower. */
  static final int MAX_DEPTH = 1_000;

  /** Longest token (a tag with its attributes, a text, a comment) held in the buffer. */
  static final int MAX_TOKEN_BYTES = 1 << 20;

  /** Most attributes on one element. */
  static final int MAX_ATTRIBUTES = 64;

  private static final int READ_BYTES = 1 << 16;

  // Byte classes for the text scan: one table lookup per byte on the common path.
  private static final byte PLAIN = 0;
  private static final byte SPACE = 1; // ' ' and tab
  private static final byte LF = 2;
  private static final byte CR = 3;
  private static final byte LT = 4;
  private static final byte AMP = 5;
  private static final byte BRACKET = 6; // ']' : "]]>" may not appear in text
  private static final byte NON_ASCII = 7;
  private static final byte CONTROL = 8;
  private static final byte[] TEXT_CLASS = new byte[256];

  static {
    for (int b = 0; b < 0x20; b++) {
      TEXT_CLASS[b] = CONTROL;
    }
    for (int b = 0x80; b < 0x100; b++) {
      TEXT_CLASS[b] = NON_ASCII;
    }
    TEXT_CLASS[' '] = SPACE;
    TEXT_CLASS['\t'] = SPACE;
    TEXT_CLASS['\n'] = LF;
    TEXT_CLASS['\r'] = CR;
    TEXT_CLASS['<'] = LT;
    TEXT_CLASS['&'] = AMP;
    TEXT_CLASS[']'] = BRACKET;
  }

  /** More bytes are needed to finish the token: read, then scan the token again from its start. */
  private static final class NeedMore extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NeedMore() {
      super(null, null, false, false);
    }
  }

  private final InputStream in;
  private byte[] buf = new byte[READ_BYTES];

  /** Start of the token being read: nothing before it is needed any more. */
  private int pos;

  private int limit;
  private boolean eof;
  private int line = 1;

  /** {@link #line} at {@link #pos}: a token scanned again counts its lines again. */
  private int tokenLine = 1;

  /** 0: before a byte order mark, 1: before the XML declaration, 2: past both. */
  private int prologStage;

  private boolean prologRead;
  private int event = XMLStreamConstants.START_DOCUMENT;
  private int eventLine = 1;
  private String name;
  private String namespace = "";
  private String ccy;

  /** The open elements' names (an end tag is compared with their bytes); the root's at 0. */
  private Name[] open = new Name[32];

  /**
   * The last start or end tag's name, and which it was: the next start tag's name is first compared
   * with the name that followed it last time ({@link Name#afterStart}, {@link Name#afterEnd}).
   */
  private Name lastTag;

  private boolean lastTagStarted;

  private int depth;
  private boolean emptyElement;

  // The current text event: bytes [textStart, textEnd) of buf, and what the scan saw in them.
  private int textStart;
  private int textEnd;
  private boolean textWhite;
  private boolean textPlain; // ASCII, no reference, no CR: the bytes are the chars
  private String textString;

  /** Names as interned strings, found by their bytes: no string made per tag. */
  private final NameTable names = new NameTable();

  /** Prefixes the root declares (xmlns:p), usable on the root's own attributes. */
  private final List<String> rootPrefixes = new ArrayList<>();

  Utf8XmlCursor(InputStream in) {
    this.in = in;
  }

  @Override
  public int next() throws XMLStreamException {
    textString = null;
    try {
      while (true) {
        try {
          event = advance();
          return event;
        } catch (NeedMore e) {
          line = tokenLine;
          fill();
        }
      }
    } catch (IOException e) {
      throw new XMLStreamException(e);
    }
  }

  @Override
  public boolean hasNext() {
    return event != XMLStreamConstants.END_DOCUMENT;
  }

  @Override
  public String localName() {
    return name;
  }

  @Override
  public String namespaceUri() {
    return namespace;
  }

  @Override
  public int line() {
    return eventLine;
  }

  @Override
  public String attribute(String attributeName) {
    return attributeName.equals("Ccy") ? ccy : null;
  }

  @Override
  public int textLength() {
    return textPlain ? textEnd - textStart : text().length();
  }

  @Override
  public boolean isWhiteSpace() {
    return textWhite;
  }

  @Override
  public String text() {
    if (textString == null) {
      textString =
          textPlain
              ? new String(buf, textStart, textEnd - textStart, StandardCharsets.ISO_8859_1)
              : decodeText(textStart, textEnd);
    }
    return textString;
  }

  @Override
  public void close() {
    // the stream is the caller's
  }

  /** The next event, from {@link #pos}; throws NeedMore (before changing any event state). */
  private int advance() {
    if (depth > 0 && !emptyElement) {
      return content();
    }
    if (emptyElement) { // <a/> reads as a start and an end
      emptyElement = false;
      lastTag = open[--depth];
      lastTagStarted = false;
      name = lastTag.string;
      return XMLStreamConstants.END_ELEMENT;
    }
    if (!prologRead) {
      prolog();
      int root = startTag(true);
      prologRead = true;
      return root;
    }
    if (depth == 0) {
      epilog();
      return XMLStreamConstants.END_DOCUMENT;
    }
    return content();
  }

  /** The next event inside the root element. */
  private int content() {
    while (true) {
      byte first = at(pos);
      if (first != '<') {
        return scanText();
      }
      byte second = at(pos + 1);
      if (second == '/') {
        return endTag();
      }
      if (second == '!') {
        comment();
        continue;
      }
      if (second == '?') {
        throw new OffSubset("processing instruction");
      }
      return startTag(false);
    }
  }

  /** Bytes from {@code from} to {@code to} are read: the next token starts at {@code to}. */
  private void consumed(int to) {
    pos = to;
    tokenLine = line;
  }

  // ---- prolog and epilog

  private void prolog() {
    if (prologStage == 0) {
      if (startsWith(0, "\u00EF\u00BB\u00BF")) {
        consumed(3); // a UTF-8 byte order mark
      }
      prologStage = 1;
    }
    if (prologStage == 1) {
      if (startsWith(pos, "<?xml") && isSpace(at(pos + 5))) {
        declaration();
      }
      prologStage = 2;
    }
    while (true) {
      consumed(skipSpace(pos));
      if (startsWith(pos, "<!--")) {
        comment();
      } else if (at(pos) == '<' && isNameStart(at(pos + 1))) {
        return;
      } else {
        throw new OffSubset("prolog content");
      }
    }
  }

  /** {@code <?xml version="1.0" encoding="UTF-8" standalone="yes"?>}, encoding UTF-8 or none. */
  private void declaration() {
    int i = pos + 5;
    int seen = 0;
    int firstLine = line;
    while (true) {
      int start = i;
      i = skipSpace(i);
      if (at(i) == '?' && at(i + 1) == '>') {
        if (seen == 0) {
          throw new OffSubset("no version");
        }
        if (line != firstLine) { // Woodstox does not count them: its lines would differ from ours
          throw new OffSubset("a line break in the XML declaration");
        }
        consumed(i + 2);
        return;
      }
      if (i == start) {
        throw new OffSubset("declaration syntax");
      }
      int nameEnd = i;
      while (isNameChar(at(nameEnd))) {
        nameEnd++;
      }
      String pseudo = new String(buf, i, nameEnd - i, StandardCharsets.ISO_8859_1);
      int order = DECLARATION.indexOf(pseudo);
      if (order < seen || (seen == 0 && order != 0)) {
        throw new OffSubset("declaration attribute " + pseudo);
      }
      seen = order + 1;
      i = openingQuote(nameEnd);
      byte quote = buf[i];
      int valueStart = i + 1;
      int valueEnd = valueStart;
      while (at(valueEnd) != quote) {
        valueEnd++;
      }
      String value =
          new String(buf, valueStart, valueEnd - valueStart, StandardCharsets.ISO_8859_1);
      boolean fits =
          switch (pseudo) {
            case "version" -> value.equals("1.0");
            case "encoding" -> value.equalsIgnoreCase("UTF-8");
            default -> value.equals("yes") || value.equals("no");
          };
      if (!fits) {
        throw new OffSubset(pseudo + " " + value);
      }
      i = valueEnd + 1;
    }
  }

  private static final List<String> DECLARATION = List.of("version", "encoding", "standalone");

  private void epilog() {
    while (true) {
      consumed(skipSpace(pos));
      if (pos == limit && eof) {
        return;
      }
      if (startsWith(pos, "<!--")) {
        comment();
      } else {
        throw new OffSubset("content after the root element");
      }
    }
  }

  // ---- tags

  /** At {@code <name}: reads the tag with its attributes. */
  private int startTag(boolean root) {
    int i = pos + 1;
    Name element = predicted(i);
    if (element != null) {
      i += element.bytes.length;
    } else {
      int nameStart = i;
      i = nameEnd(i, false);
      element = names.get(buf, nameStart, i, nameHash);
      // a hint only, set even if this tag is read again after NeedMore; between names the table
      // keeps, so names made afresh past its limit never hold on to each other (memory stays flat)
      if (lastTag != null && lastTag.kept && element.kept) {
        if (lastTagStarted) {
          lastTag.afterStart = element;
        } else {
          lastTag.afterEnd = element;
        }
      }
    }
    if (depth == MAX_DEPTH) {
      throw new OffSubset("nesting deeper than " + MAX_DEPTH);
    }
    String currency = null;
    String defaultNamespace = null;
    List<String> prefixes = null;
    String[] attributeNames = this.attributeNames;
    int attributes = 0;
    boolean empty;
    while (true) {
      int before = i;
      byte b = at(i);
      if (b != '>') { // most tags end right after the name
        i = skipSpace(i);
        b = at(i);
      }
      if (b == '>') {
        i++;
        empty = false;
        break;
      }
      if (b == '/') {
        if (at(i + 1) != '>') {
          throw new OffSubset("tag syntax");
        }
        i += 2;
        empty = true;
        break;
      }
      if (i == before) {
        throw new OffSubset("tag syntax");
      }
      int attributeStart = i;
      i = nameEnd(i, true);
      String attribute = names.get(buf, attributeStart, i, nameHash).string;
      if (attributes == attributeNames.length) {
        if (attributes == MAX_ATTRIBUTES) {
          throw new OffSubset("too many attributes");
        }
        attributeNames = Arrays.copyOf(attributeNames, attributes * 2);
        this.attributeNames = attributeNames;
      }
      for (int a = 0; a < attributes; a++) {
        if (attributeNames[a].equals(attribute)) {
          throw new OffSubset("repeated attribute");
        }
      }
      attributeNames[attributes++] = attribute;
      i = openingQuote(i);
      byte quote = buf[i];
      int valueStart = i + 1;
      i = attributeValueEnd(valueStart, quote);
      if (attribute.equals("Ccy")) {
        currency = currencyValue(valueStart, i);
      } else if (attribute.equals("xmlns") || attribute.startsWith("xmlns:")) {
        if (!root) {
          throw new OffSubset("namespace declared below the root");
        }
        String value = keptValue(valueStart, i);
        if (RESERVED_NAMESPACES.contains(value)) {
          throw new OffSubset("reserved namespace bound by " + attribute);
        }
        if (attribute.equals("xmlns")) {
          defaultNamespace = value;
        } else {
          String prefix = attribute.substring("xmlns:".length());
          if (value.isEmpty()
              || prefix.indexOf(':') >= 0
              || prefix.equals("xml")
              || prefix.equals("xmlns")) {
            throw new OffSubset("namespace declaration " + attribute);
          }
          if (prefixes == null) {
            prefixes = new ArrayList<>();
          }
          prefixes.add(prefix);
        }
      } else if (!root && attribute.indexOf(':') >= 0) {
        throw new OffSubset("prefixed attribute below the root");
      }
      i++; // the closing quote
    }
    if (root) {
      List<String> prefixedLocalNames = new ArrayList<>();
      for (int a = 0; a < attributes; a++) {
        String attribute = attributeNames[a];
        int colon = attribute.indexOf(':');
        if (colon > 0 && !attribute.startsWith("xmlns:")) {
          String prefix = attribute.substring(0, colon);
          if (!prefix.equals("xml") && (prefixes == null || !prefixes.contains(prefix))) {
            throw new OffSubset("undeclared prefix " + prefix);
          }
          // two prefixes may name one namespace: the same local name twice may be one attribute
          String local = attribute.substring(colon + 1);
          if (prefixedLocalNames.contains(local)) {
            throw new OffSubset("prefixed attributes with one local name");
          }
          prefixedLocalNames.add(local);
        }
      }
      if (defaultNamespace != null) {
        namespace = defaultNamespace;
      }
      if (prefixes != null) {
        rootPrefixes.addAll(prefixes);
      }
    }
    // the whole tag is read: only now does the event's state change
    eventLine = tokenLine;
    consumed(i);
    ccy = currency;
    emptyElement = empty;
    if (depth == open.length) {
      open = Arrays.copyOf(open, depth * 2);
    }
    open[depth++] = element;
    lastTag = element;
    lastTagStarted = true;
    name = element.string;
    return XMLStreamConstants.START_ELEMENT;
  }

  /**
   * At a start tag's name: the name that followed the last tag the previous time, when the bytes
   * here are that name and end where {@link #nameEnd} would end it; else null (then nameEnd and the
   * table decide, and also throw what they throw). In a statement the same elements follow each
   * other entry after entry: most names are recognised by one comparison, without a hash and a
   * table probe.
   */
  private Name predicted(int i) {
    if (lastTag == null) {
      return null;
    }
    Name guess = lastTagStarted ? lastTag.afterStart : lastTag.afterEnd;
    if (guess == null) {
      return null;
    }
    byte[] expected = guess.bytes;
    int end = i + expected.length;
    if (end >= limit) {
      return null;
    }
    byte[] b = buf;
    for (int k = 0; k < expected.length; k++) {
      if (b[i + k] != expected[k]) {
        return null;
      }
    }
    byte after = b[end];
    return NAME_CHAR[after & 0xFF] || after == ':' || after < 0 ? null : guess;
  }

  /** After an attribute's name: past {@code S? = S?}, the index of the value's opening quote. */
  private int openingQuote(int i) {
    i = skipSpace(i);
    if (at(i) != '=') {
      throw new OffSubset("attribute syntax");
    }
    i = skipSpace(i + 1);
    byte quote = at(i);
    if (quote != '"' && quote != '\'') {
      throw new OffSubset("attribute syntax");
    }
    return i;
  }

  /** Namespaces no declaration may bind (the xml and xmlns prefixes' own). */
  private static final List<String> RESERVED_NAMESPACES =
      List.of("http://www.w3.org/XML/1998/namespace", "http://www.w3.org/2000/xmlns/");

  /** Index of the closing quote; checks the value's bytes, counting lines. */
  private int attributeValueEnd(int i, byte quote) {
    while (true) {
      byte b = at(i);
      if (b == quote) {
        return i;
      }
      switch (TEXT_CLASS[b & 0xFF]) {
        case PLAIN, SPACE, BRACKET -> i++;
        case LF -> {
          line++;
          i++;
        }
        case CR -> i = carriageReturn(i);
        case NON_ASCII -> i = utf8(i);
        default -> throw new OffSubset("attribute value character"); // '<', '&', controls
      }
    }
  }

  /** The names of the current tag's attributes so far (reused from tag to tag). */
  private String[] attributeNames = new String[4];

  /** The last {@code Ccy} value made and its bytes: files use one or two currencies. */
  private String lastCurrency = "";

  private byte[] lastCurrencyBytes = new byte[0];

  /** A {@code Ccy} value: the last one's string again when the bytes are the same. */
  private String currencyValue(int start, int end) {
    if (Arrays.equals(buf, start, end, lastCurrencyBytes, 0, lastCurrencyBytes.length)) {
      return lastCurrency;
    }
    String value = keptValue(start, end);
    lastCurrency = value;
    lastCurrencyBytes = Arrays.copyOfRange(buf, start, end);
    return value;
  }

  /** A kept attribute's value: with no whitespace to normalise (no tab, CR or LF in it). */
  private String keptValue(int start, int end) {
    for (int i = start; i < end; i++) {
      byte b = buf[i];
      if (b == '\t' || b == '\n' || b == '\r') {
        throw new OffSubset("whitespace to normalise in an attribute");
      }
    }
    return new String(buf, start, end - start, StandardCharsets.UTF_8);
  }

  /** At {@code </}: the name must close the innermost open element. */
  private int endTag() {
    byte[] expected = open[depth - 1].bytes;
    int i = pos + 2;
    if (i + expected.length >= limit) {
      at(i + expected.length); // NeedMore, or the end of the file
    }
    byte[] b = buf;
    for (byte e : expected) {
      if (b[i++] != e) {
        throw new OffSubset("end tag does not close " + open[depth - 1].string);
      }
    }
    byte after = b[i];
    if (after != '>') { // most end tags end right after the name
      if (NAME_CHAR[after & 0xFF] || after == ':' || after < 0) {
        throw new OffSubset("end tag does not close " + open[depth - 1].string);
      }
      i = skipSpace(i);
      if (at(i) != '>') {
        throw new OffSubset("end tag syntax");
      }
    }
    eventLine = tokenLine;
    consumed(i + 1);
    lastTag = open[--depth];
    lastTagStarted = false;
    name = lastTag.string;
    return XMLStreamConstants.END_ELEMENT;
  }

  /** The hash of the name {@link #nameEnd} read last (as {@link NameTable} computes it). */
  private int nameHash;

  /**
   * At a name's first byte: the index past it, its hash in nameHash. A prefix only in attributes.
   */
  private int nameEnd(int i, boolean attribute) {
    int start = i;
    byte first = at(i);
    if (!isNameStart(first)) {
      throw new OffSubset("name");
    }
    int hash = first;
    i++;
    boolean prefixed = false;
    byte[] b = buf;
    while (true) {
      if (i >= limit) {
        at(i); // NeedMore, or the end of the file
      }
      byte c = b[i];
      if (NAME_CHAR[c & 0xFF]) {
        hash = 31 * hash + c;
        i++;
      } else if (c == ':' && attribute && !prefixed) {
        prefixed = true;
        if (!isNameStart(at(i + 1))) {
          throw new OffSubset("prefixed name");
        }
        hash = 31 * hash + c;
        i++;
      } else if (c < 0 || c == ':') {
        throw new OffSubset("name character"); // non-ASCII names and element prefixes
      } else if (i - start > NameTable.MAX_NAME_BYTES) {
        throw new OffSubset("long name");
      } else {
        nameHash = hash;
        return i;
      }
    }
  }

  // ---- text and comments

  /** At a text's first byte: scans to the next '<'. */
  private int scanText() {
    int i = pos;
    boolean white = true;
    boolean plain = true;
    byte[] b = buf;
    while (true) {
      if (i >= limit) {
        at(i); // EOF inside the root, or NeedMore
      }
      switch (TEXT_CLASS[b[i] & 0xFF]) {
        case PLAIN -> {
          white = false;
          i++;
        }
        case SPACE -> i++;
        case LF -> {
          line++;
          i++;
        }
        case CR -> {
          plain = false;
          i = carriageReturn(i);
        }
        case LT -> {
          eventLine = tokenLine;
          textStart = pos;
          textEnd = i;
          textWhite = white;
          textPlain = plain;
          consumed(i);
          return XMLStreamConstants.CHARACTERS;
        }
        case AMP -> {
          white = false;
          plain = false;
          i = reference(i);
        }
        case BRACKET -> {
          white = false;
          if (at(i + 1) == ']' && at(i + 2) == '>') {
            throw new OffSubset("]]> in text");
          }
          i++;
        }
        case NON_ASCII -> {
          white = false;
          plain = false;
          i = utf8(i);
        }
        default -> throw new OffSubset("control character");
      }
    }
  }

  /** At {@code <!}: a comment, skipped; CDATA and DOCTYPE are outside the subset. */
  private void comment() {
    if (!startsWith(pos, "<!--")) {
      throw new OffSubset("CDATA or DOCTYPE");
    }
    int i = pos + 4;
    while (true) {
      byte b = at(i);
      if (b == '-' && at(i + 1) == '-') {
        if (at(i + 2) != '>') {
          throw new OffSubset("-- in a comment");
        }
        consumed(i + 3);
        return;
      }
      switch (TEXT_CLASS[b & 0xFF]) {
        case PLAIN, SPACE, LT, AMP, BRACKET -> i++;
        case LF -> {
          line++;
          i++;
        }
        case CR -> i = carriageReturn(i);
        case NON_ASCII -> i = utf8(i);
        default -> throw new OffSubset("control character");
      }
    }
  }

  /** At '&': a predefined entity or a character reference; the index past its ';'. */
  private int reference(int i) {
    int end = i + 1;
    while (true) {
      byte b = at(end);
      if (b == ';') {
        break;
      }
      if (end - i > 10 || !(isNameChar(b) || b == '#')) {
        throw new OffSubset("reference");
      }
      end++;
    }
    if (referencedChar(buf, i + 1, end) < 0) {
      throw new OffSubset("entity");
    }
    return end + 1;
  }

  /** The code point a reference names (its bytes from after '&' to before ';'), or -1. */
  private static int referencedChar(byte[] b, int start, int end) {
    String ref = new String(b, start, end - start, StandardCharsets.ISO_8859_1);
    int predefined =
        switch (ref) {
          case "lt" -> '<';
          case "gt" -> '>';
          case "amp" -> '&';
          case "apos" -> '\'';
          case "quot" -> '"';
          default -> -1;
        };
    if (predefined >= 0) {
      return predefined;
    }
    if (ref.length() < 2 || ref.charAt(0) != '#') {
      return -1;
    }
    boolean hex = ref.charAt(1) == 'x';
    String digits = ref.substring(hex ? 2 : 1);
    if (digits.isEmpty() || digits.length() > 7) {
      return -1;
    }
    int code = 0;
    for (int k = 0; k < digits.length(); k++) {
      int digit = Character.digit(digits.charAt(k), hex ? 16 : 10);
      if (digit < 0) {
        return -1;
      }
      code = code * (hex ? 16 : 10) + digit;
    }
    boolean xmlChar =
        code == 0x9
            || code == 0xA
            || code == 0xD
            || (code >= 0x20 && code <= 0xD7FF)
            || (code >= 0xE000 && code <= 0xFFFD)
            || (code >= 0x10000 && code <= 0x10FFFF);
    return xmlChar ? code : -1;
  }

  /** At a CR: one line, whether or not an LF follows. */
  private int carriageReturn(int i) {
    line++;
    if (i + 1 >= limit && !eof) {
      throw new NeedMore(); // is an LF next?
    }
    return i + 1 < limit && buf[i + 1] == '\n' ? i + 2 : i + 1;
  }

  /**
   * At a non-ASCII byte: checks one UTF-8 sequence (shortest form, no surrogates, no U+FFFE/FFFF,
   * which XML does not allow) and returns the index past it.
   */
  private int utf8(int i) {
    int lead = buf[i] & 0xFF;
    int length;
    int min;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
      min = 0x80;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      min = 0x800;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      min = 0x10000;
    } else {
      throw new OffSubset("not UTF-8");
    }
    int code = lead & (0xFF >> (length + 1));
    for (int k = 1; k < length; k++) {
      int b = at(i + k) & 0xFF;
      if ((b & 0xC0) != 0x80) {
        throw new OffSubset("not UTF-8");
      }
      code = (code << 6) | (b & 0x3F);
    }
    if (code < min
        || code > 0x10FFFF
        || (code >= 0xD800 && code <= 0xDFFF)
        || code == 0xFFFE
        || code == 0xFFFF) {
      throw new OffSubset("not an XML character");
    }
    return i + length;
  }

  /** A text with references, CRs or non-ASCII: decoded, references replaced, line ends as LF. */
  private String decodeText(int start, int end) {
    StringBuilder out = new StringBuilder(end - start);
    int run = start;
    int i = start;
    while (i < end) {
      byte b = buf[i];
      if (b == '&') {
        out.append(new String(buf, run, i - run, StandardCharsets.UTF_8));
        int semicolon = i + 1;
        while (buf[semicolon] != ';') {
          semicolon++;
        }
        out.appendCodePoint(referencedChar(buf, i + 1, semicolon));
        i = semicolon + 1;
        run = i;
      } else if (b == '\r') {
        out.append(new String(buf, run, i - run, StandardCharsets.UTF_8)).append('\n');
        i += i + 1 < end && buf[i + 1] == '\n' ? 2 : 1;
        run = i;
      } else {
        i++;
      }
    }
    return out.append(new String(buf, run, end - run, StandardCharsets.UTF_8)).toString();
  }

  // ---- whitespace, names

  private int skipSpace(int i) {
    while (true) {
      if (i >= limit && eof) {
        return i;
      }
      byte b = at(i);
      if (b == ' ' || b == '\t') {
        i++;
      } else if (b == '\n') {
        line++;
        i++;
      } else if (b == '\r') {
        i = carriageReturn(i);
      } else {
        return i;
      }
    }
  }

  private static boolean isSpace(byte b) {
    return b == ' ' || b == '\t' || b == '\n' || b == '\r';
  }

  private static boolean isNameStart(byte b) {
    return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || b == '_';
  }

  private static boolean isNameChar(byte b) {
    return NAME_CHAR[b & 0xFF];
  }

  /** ASCII name characters; names with others (and prefixed element names) leave the subset. */
  private static final boolean[] NAME_CHAR = new boolean[256];

  static {
    for (int c = 0; c < 128; c++) {
      NAME_CHAR[c] =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '_'
              || c == '-'
              || c == '.';
    }
  }

  // ---- the buffer

  /** The byte at {@code i}, or NeedMore; at the end of the file, outside the subset. */
  private byte at(int i) {
    if (i < limit) {
      return buf[i];
    }
    if (eof) {
      throw new OffSubset("end of file");
    }
    throw new NeedMore();
  }

  /** Whether the bytes at {@code i} are {@code chars} (one byte per char); false at EOF. */
  private boolean startsWith(int i, String chars) {
    if (i + chars.length() > limit && eof) {
      return false;
    }
    for (int k = 0; k < chars.length(); k++) {
      if (at(i + k) != (byte) chars.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  /** Moves the token from pos to the buffer's start (growing it when full) and reads more. */
  private void fill() throws IOException {
    if (pos > 0) {
      System.arraycopy(buf, pos, buf, 0, limit - pos);
      limit -= pos;
      pos = 0;
    }
    if (limit == buf.length) {
      if (buf.length >= MAX_TOKEN_BYTES) {
        throw new OffSubset("token longer than " + MAX_TOKEN_BYTES + " bytes");
      }
      buf = Arrays.copyOf(buf, buf.length * 2);
    }
    int n = in.read(buf, limit, buf.length - limit);
    if (n < 0) {
      eof = true;
    } else {
      limit += n;
    }
  }

  /** A name read: its interned string, its bytes, and the names that followed it last time. */
  private static final class Name {
    final String string;
    final byte[] bytes;

    /** Kept in the table (not made afresh past its limit): only such names carry predictions. */
    boolean kept;

    /** The start tag that came right after this name's start tag (its first child) last time. */
    Name afterStart;

    /** The start tag that came right after this name's end tag (its next sibling) last time. */
    Name afterEnd;

    Name(String string, byte[] bytes) {
      this.string = string;
      this.bytes = bytes;
    }
  }

  /**
   * Interned names by their bytes: an open-addressing table; a name is made into a string once per
   * document. Bounded: past {@link #MAX_NAMES} names, new ones are made each time they occur.
   */
  private static final class NameTable {
    static final int MAX_NAME_BYTES = 200;
    private static final int MAX_NAMES = 1_024;
    private final Name[] names = new Name[MAX_NAMES * 2];
    private int count;

    Name get(byte[] buf, int start, int end, int hash) {
      int mask = names.length - 1;
      int length = end - start;
      for (int slot = (hash ^ (hash >>> 16)) & mask; ; slot = (slot + 1) & mask) {
        Name candidate = names[slot];
        if (candidate == null) {
          Name made =
              new Name(
                  new String(buf, start, length, StandardCharsets.ISO_8859_1).intern(),
                  Arrays.copyOfRange(buf, start, end));
          if (count < MAX_NAMES) {
            names[slot] = made;
            made.kept = true;
            count++;
          }
          return made;
        }
        if (same(candidate.bytes, buf, start, length)) {
          return candidate;
        }
      }
    }

    /** Names are a few bytes long: a plain loop beats a vectorised mismatch here. */
    private static boolean same(byte[] candidate, byte[] buf, int start, int length) {
      if (candidate.length != length) {
        return false;
      }
      for (int k = 0; k < length; k++) {
        if (candidate[k] != buf[start + k]) {
          return false;
        }
      }
      return true;
    }
  }
}
