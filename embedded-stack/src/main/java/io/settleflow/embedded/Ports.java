package io.settleflow.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** Loopback ports. */
public final class Ports {
  public static final String LOOPBACK = "127.0.0.1";

  /** 127.0.0.1 itself, never a name lookup (which could pick ::1 or another interface). */
  public static InetAddress loopback() {
    try {
      return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException("a 4-byte address is always valid", e);
    }
  }

  /** A port free on loopback right now (tests; races are possible but rare). */
  public static int free() {
    try (ServerSocket socket = new ServerSocket(0, 1, loopback())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
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
