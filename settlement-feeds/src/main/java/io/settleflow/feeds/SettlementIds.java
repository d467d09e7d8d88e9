package io.settleflow.feeds;

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
   * Name-based UUID of {@code source + ":" + settlementId}: the same line imported again, from
   * the same or a corrected file, carries the same event id, so downstream dedupe drops it.
   */
  public static String eventId(String source, String settlementId) {
    return UUID.nameUUIDFromBytes((source + ":" + settlementId).getBytes(StandardCharsets.UTF_8))
        .toString();
  }

  private SettlementIds() {}
}
