package io.settleflow.feeds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.settleflow.schemas.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.ToLongFunction;

/**
 * How far earlier imports of a file got. The importer commits a file's entries in Kafka
 * transactions, each together with a marker on {@link Topics#SETTLEMENTS_IMPORTS} (compacted; key
 * {@link #key}, value {@link #value}) saying how many entries, in file order, are committed. A
 * marker is visible exactly when its entries are, so a re-import (or a resumed crashed import)
 * skips exactly the committed entries.
 */
public interface ImportMarkers {
  /** Entries of the import {@code key} committed so far, in file order; 0 when never imported. */
  long committedEntries(String key);

  /**
   * Entries committed of every import whose key starts with {@code keyPrefix} ({@link #key} of a
   * source and format with an empty file id), read once: the importer reads them while it hashes
   * the file, before the file id (the key's last part) is known. The default asks {@link
   * #committedEntries} per key.
   */
  default ToLongFunction<String> committedEntriesByKey(String keyPrefix) {
    return this::committedEntries;
  }

  /** No earlier imports are known: every entry is published. */
  ImportMarkers NONE = key -> 0;

  /**
   * The import's identity: source, format and file fingerprint. The format is part of it because
   * entries and their positions depend on it: a file first read as the wrong format must not make
   * its re-import with the right one skip entries.
   */
  static String key(String source, String format, String fileId) {
    return source + ":" + format + ":" + fileId;
  }

  /** The marker value: UTF-8 JSON {file, source, format, file_id, entries, done}. */
  static byte[] value(
      String fileName, String source, String format, String fileId, long entries, boolean done) {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("file", fileName);
    node.put("source", source);
    node.put("format", format);
    node.put("file_id", fileId);
    node.put("entries", entries);
    node.put("done", done);
    return node.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The {@code entries} of a marker value; 0 for a tombstone or a value this code did not write.
   */
  static long entriesOf(byte[] value) {
    if (value == null) {
      return 0; // a tombstone forgets the import: the next one publishes everything again
    }
    try {
      JsonNode node = Json.MAPPER.readTree(value);
      return node == null ? 0 : Math.max(0, node.path("entries").asLong(0));
    } catch (IOException e) {
      return 0;
    }
  }

  /** Shared mapper (thread-safe once configured). */
  final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}
  }
}
