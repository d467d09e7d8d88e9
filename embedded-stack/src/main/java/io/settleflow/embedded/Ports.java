package io.settleflow.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** Loopback ports. */
public final class Ports {
  public static final String LOOPBACK = "127.0.0.1";

  /** A port free on loopback right now (tests; races are possible but rare). */
  public static int free() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether something listens on loopback:port. */
  public static boolean listening(int port) {
    try (Socket ignored = new Socket(LOOPBACK, port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private Ports() {}
}
