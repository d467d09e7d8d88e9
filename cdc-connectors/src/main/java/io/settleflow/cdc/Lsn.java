package io.settleflow.cdc;

/** PostgreSQL log sequence numbers ({@code 16/B374D848}) as unsigned 64-bit positions. Pure. */
public final class Lsn {
  private Lsn() {}

  /** Parses PostgreSQL's text form: two hex halves, high/low 32 bits. */
  public static long parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("LSN is null");
    }
    int slash = text.indexOf('/');
    if (slash < 1 || slash == text.length() - 1 || slash > 8 || text.length() - slash - 1 > 8) {
      throw new IllegalArgumentException("not an LSN: '" + text + "'");
    }
    try {
      long high = Long.parseLong(text.substring(0, slash), 16);
      long low = Long.parseLong(text.substring(slash + 1), 16);
      return (high << 32) | low;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not an LSN: '" + text + "'", e);
    }
  }

  public static String format(long lsn) {
    return Long.toHexString(lsn >>> 32).toUpperCase(java.util.Locale.ROOT)
        + "/"
        + Long.toHexString(lsn & 0xFFFF_FFFFL).toUpperCase(java.util.Locale.ROOT);
  }

  /**
   * Bytes from {@code from} to {@code to}; 0 when {@code to} is not ahead (a slot never runs ahead
   * of the WAL).
   */
  public static long bytesBetween(long from, long to) {
    return Long.compareUnsigned(to, from) > 0 ? to - from : 0;
  }

  /** Whether {@code a} is at or before {@code b}; LSNs are unsigned. */
  public static boolean atOrBefore(long a, long b) {
    return Long.compareUnsigned(a, b) <= 0;
  }
}
