package io.settleflow.risk;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Varint encoding for this module's state values (zig-zag longs, length-prefixed UTF-8): small
 * values and no allocation per field beyond the growing buffer. Pure.
 */
final class CompactBytes {
  private CompactBytes() {}

  /** A growing byte buffer. */
  static final class Writer {
    private byte[] bytes;
    private int size;

    /**
     * The last string written and where its encoding (length prefix included) starts: buckets and
     * log entries repeat one currency, copied rather than re-encoded.
     */
    private String lastString;

    private int lastStringAt;
    private int lastStringBytes;

    Writer(int initialCapacity) {
      bytes = new byte[Math.max(16, initialCapacity)];
    }

    Writer writeByte(int b) {
      ensure(1);
      bytes[size++] = (byte) b;
      return this;
    }

    /** Zig-zag varint: small magnitudes of either sign take few bytes. */
    Writer writeLong(long v) {
      return writeUnsigned((v << 1) ^ (v >> 63));
    }

    Writer writeUnsigned(long v) {
      ensure(10);
      while ((v & ~0x7FL) != 0) {
        bytes[size++] = (byte) ((v & 0x7F) | 0x80);
        v >>>= 7;
      }
      bytes[size++] = (byte) v;
      return this;
    }

    Writer writeBytes(byte[] b) {
      writeUnsigned(b.length);
      ensure(b.length);
      System.arraycopy(b, 0, bytes, size, b.length);
      size += b.length;
      return this;
    }

    Writer writeString(String s) {
      if (s.equals(lastString)) {
        ensure(lastStringBytes);
        System.arraycopy(bytes, lastStringAt, bytes, size, lastStringBytes);
        size += lastStringBytes;
        return this;
      }
      int at0 = size;
      writeNewString(s);
      lastString = s;
      lastStringAt = at0;
      lastStringBytes = size - at0;
      return this;
    }

    private void writeNewString(String s) {
      int n = s.length();
      if (n < 0x80) {
        // currency codes and ids are short ASCII: written without an intermediate array
        ensure(n + 1);
        int at = size + 1;
        for (int i = 0; i < n; i++) {
          char c = s.charAt(i);
          if (c >= 0x80) {
            writeBytes(s.getBytes(StandardCharsets.UTF_8));
            return;
          }
          bytes[at++] = (byte) c;
        }
        bytes[size] = (byte) n;
        size = at;
        return;
      }
      writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    byte[] toByteArray() {
      return Arrays.copyOf(bytes, size);
    }

    private void ensure(int more) {
      if (size + more > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
      }
    }
  }

  /** Reads what {@link Writer} wrote; a truncated or malformed value throws. */
  static final class Reader {
    private final byte[] bytes;
    private int position;

    /** The last string read and where its bytes were: a repeated currency is one String. */
    private String lastString;

    private int lastStringAt = -1;
    private int lastStringLength;

    Reader(byte[] bytes) {
      this.bytes = bytes;
    }

    int readByte() {
      require(1);
      return bytes[position++];
    }

    long readLong() {
      long u = readUnsigned();
      return (u >>> 1) ^ -(u & 1);
    }

    long readUnsigned() {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        require(1);
        byte b = bytes[position++];
        v |= (long) (b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
          return v;
        }
      }
      throw new IllegalArgumentException("malformed varint in state value");
    }

    int readLength() {
      long n = readUnsigned();
      if (n < 0 || n > bytes.length - position) {
        throw new IllegalArgumentException("state value: length " + n + " past its end");
      }
      return (int) n;
    }

    byte[] readBytes() {
      int n = readLength();
      byte[] b = Arrays.copyOfRange(bytes, position, position + n);
      position += n;
      return b;
    }

    String readString() {
      int n = readLength();
      String s;
      if (lastString != null && n == lastStringLength && sameAsLast(n)) {
        s = lastString;
      } else {
        s = new String(bytes, position, n, StandardCharsets.UTF_8);
        lastString = s;
        lastStringAt = position;
        lastStringLength = n;
      }
      position += n;
      return s;
    }

    /** A plain loop: currency codes are a few bytes, too short for a vectorized compare. */
    private boolean sameAsLast(int n) {
      for (int i = 0; i < n; i++) {
        if (bytes[position + i] != bytes[lastStringAt + i]) {
          return false;
        }
      }
      return true;
    }

    boolean atEnd() {
      return position == bytes.length;
    }

    private void require(int n) {
      if (position + n > bytes.length) {
        throw new IllegalArgumentException("state value truncated");
      }
    }
  }
}
