package io.settleflow.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/** Loopback ports. */
public final class Ports {
  public static final String LOOPBACK = "127.0.0.1";

  private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

  /** 127.0.0.1 itself, never a name lookup (which could pick ::1 or another interface). */
  public static InetAddress loopback() {
    try {
      return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException("a 4-byte address is always valid", e);
    }
  }

  /**
   * A port free on loopback right now, for a server started a moment later. Chosen below the
   * kernel's ephemeral range: a port from {@code bind(0)} comes from that range, where any outgoing
   * connection (a Kafka or JDBC client of the stack starting meanwhile) can take it before the
   * server binds it — CI saw a service fail with "Address already in use" that way. Below the range
   * only another listener could, and the port is picked at random among thousands.
   */
  public static int free() {
    int[] range = candidateRange(ephemeralRange());
    return freeIn(range[0], range[1]);
  }

  /** A bindable port in [low, high) picked at random; one from the kernel if 200 tries fail. */
  static int freeIn(int low, int high) {
    for (int attempt = 0; attempt < 200; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(low, high);
      if (bindable(port)) {
        return port;
      }
    }
    try (ServerSocket socket = new ServerSocket(0, 1, loopback())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Where {@link #free()} picks from, [low, high): below the ephemeral range's start, from 10000
   * on; where the range starts too low for that (or is unknown), the ports under IANA's dynamic
   * range (49152) above the Linux default's start.
   */
  static int[] candidateRange(int[] ephemeral) {
    if (ephemeral != null && ephemeral[0] >= 12_000) {
      return new int[] {10_000, ephemeral[0]};
    }
    return new int[] {10_000, 32_768};
  }

  /** The kernel's ephemeral port range (Linux), or null where it cannot be read. */
  static int[] ephemeralRange() {
    try {
      String[] parts =
          Files.readString(EPHEMERAL_RANGE, StandardCharsets.US_ASCII).trim().split("\\s+", -1);
      return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static boolean bindable(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress(loopback(), port), 1);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether something listens on loopback:port. */
  public static boolean listening(int port) {
    try (Socket ignored = new Socket(loopback(), port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private Ports() {}
}
