package io.settleflow.feeds;

import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * The pull events the camt parser reads (StAX's event codes and the little of {@link
 * XMLStreamReader} it asks): implemented over Woodstox ({@link #of}) and by {@link Utf8XmlCursor},
 * which reads the plain UTF-8 subset real statement files use at a fraction of the cost.
 */
interface XmlCursor {
  /** The next event: an {@link XMLStreamConstants} code. */
  int next() throws XMLStreamException;

  boolean hasNext() throws XMLStreamException;

  /**
   * The local name of the current element (start or end) or entity reference, {@link
   * String#intern() interned}: names are compared by identity.
   */
  String localName();

  /** The namespace of the current start element, "" for none. */
  String namespaceUri();

  /** The line the current event starts on, from 1. */
  int line();

  /** The value of the current start element's unprefixed attribute {@code name}, or null. */
  String attribute(String name);

  /** The current text event's length in chars. */
  int textLength();

  /** Whether the current text event is XML whitespace only. */
  boolean isWhiteSpace();

  /** The current text event's text. */
  String text();

  void close() throws XMLStreamException;

  /** Woodstox's (or any StAX) reader as a cursor. */
  static XmlCursor of(XMLStreamReader reader) {
    return new XmlCursor() {
      @Override
      public int next() throws XMLStreamException {
        return reader.next();
      }

      @Override
      public boolean hasNext() throws XMLStreamException {
        return reader.hasNext();
      }

      @Override
      public String localName() {
        return reader.getLocalName();
      }

      @Override
      public String namespaceUri() {
        String namespace = reader.getNamespaceURI();
        return namespace == null ? "" : namespace;
      }

      @Override
      public int line() {
        return reader.getLocation().getLineNumber();
      }

      @Override
      public String attribute(String name) {
        return reader.getAttributeCount() == 0 ? null : reader.getAttributeValue(null, name);
      }

      @Override
      public int textLength() {
        return reader.getTextLength();
      }

      @Override
      public boolean isWhiteSpace() {
        return reader.isWhiteSpace();
      }

      @Override
      public String text() {
        return reader.getText();
      }

      @Override
      public void close() throws XMLStreamException {
        reader.close();
      }
    };
  }
}
