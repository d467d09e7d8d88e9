package io.settleflow.feeds;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;

/** The deterministic ids of settlement files and records, so a re-import repeats them. */
public final class SettlementIds {
  /** Lowercase hex SHA-256 of the file's bytes. */
  public static String fileId(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (NoSuchAlgorithmException e) {
      // Every Java platform must ship SHA-256.
      throw new IllegalStateException(e);
    }
  }

  /**
   * Name-based UUID of {@code source + ":" + settlementId}: the same line imported again, from the
   * same or a corrected file, carries the same event id, so downstream dedupe drops it.
   */
  public static String eventId(String source, String settlementId) {
    // UUID.nameUUIDFromBytes, but with one MD5 per thread instead of a provider lookup per call
    // (that lookup was ~10 % of parsing a CSV line; cloning a prototype still ~8 %). Same bits:
    // version 3, IETF variant. digest() resets the instance for the next call.
    byte[] md5 = MD5.get().digest((source + ":" + settlementId).getBytes(StandardCharsets.UTF_8));
    md5[6] = (byte) ((md5[6] & 0x0f) | 0x30);
    md5[8] = (byte) ((md5[8] & 0x3f) | 0x80);
    ByteBuffer bits = ByteBuffer.wrap(md5);
    return new UUID(bits.getLong(), bits.getLong()).toString();
  }

  private static final ThreadLocal<MessageDigest> MD5 =
      ThreadLocal.withInitial(SettlementIds::newMd5);

  private static MessageDigest newMd5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e); // every Java platform ships MD5
    }
  }

  /** Longest settlement_id built from a file's own references; longer ones end in a digest. */
  public static final int MAX_SETTLEMENT_ID_CHARS = 255;

  /** Hex characters of SHA-256 used where an entry has no reference of its own. */
  public static final int CONTENT_KEY_HEX_CHARS = 16;

  /**
   * A short digest of an entry's own fields (amount, date, references ...), for entries whose file
   * gives them no id: the same entry in a re-export of the file gets the same key.
   */
  public static String contentKey(String... parts) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (String part : parts) {
        sha.update(String.valueOf(part).getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0x1f); // unit separator: ("ab","c") and ("a","bc") differ
      }
      return HexFormat.of().formatHex(sha.digest()).substring(0, CONTENT_KEY_HEX_CHARS);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code id} itself when short enough for a Kafka key and join key, else a prefix + digest. */
  public static String bounded(String id) {
    if (id.length() <= MAX_SETTLEMENT_ID_CHARS) {
      return id;
    }
    int keep = MAX_SETTLEMENT_ID_CHARS - CONTENT_KEY_HEX_CHARS - 1;
    return id.substring(0, keep) + "~" + contentKey(id);
  }

  private SettlementIds() {}
}
