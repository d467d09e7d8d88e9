package io.settleflow.deploy.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * The benchmark's load generator: one blocking HTTP/1.1 keep-alive connection per client thread,
 * the request written in one piece, the response read in the same thread. java.net.http's client
 * hands every request between several threads; on a loaded 2-core machine each hand-off waits in
 * the run queue, and that was measured against the API (a load generator like wrk does not do
 * that). Only what the benchmark needs: Content-Length or chunked bodies, reconnect after close.
 */
final class KeepAliveHttpClient implements AutoCloseable {
  private static final int TIMEOUT_MS = 30_000;

  private final URI base;
  private Socket socket;
  private OutputStream out;
  private InputStream in;

  KeepAliveHttpClient(URI base) {
    this.base = base;
  }

  /** POSTs the body and returns the status; the response body is read and dropped. */
  int post(String path, Map<String, String> headers, byte[] body) throws IOException {
    StringBuilder head = new StringBuilder(256);
    head.append("POST ").append(path).append(" HTTP/1.1\r\n");
    head.append("Host: ").append(base.getHost()).append(':').append(base.getPort()).append("\r\n");
    headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
    head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
    byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
    byte[] request = new byte[headBytes.length + body.length];
    System.arraycopy(headBytes, 0, request, 0, headBytes.length);
    System.arraycopy(body, 0, request, headBytes.length, body.length);
    if (socket == null) {
      connect();
    }
    try {
      out.write(request);
      out.flush();
      return readResponse();
    } catch (IOException e) {
      // a keep-alive connection the server closed while idle: one retry on a new one
      close();
      connect();
      out.write(request);
      out.flush();
      return readResponse();
    }
  }

  private void connect() throws IOException {
    socket = new Socket();
    socket.setTcpNoDelay(true);
    socket.setSoTimeout(TIMEOUT_MS);
    socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), TIMEOUT_MS);
    out = socket.getOutputStream();
    in = new BufferedInputStream(socket.getInputStream(), 8192);
  }

  private int readResponse() throws IOException {
    String status = line();
    if (!status.startsWith("HTTP/1.1 ") || status.length() < 12) {
      throw new IOException("not an HTTP/1.1 response: " + status);
    }
    int code = Integer.parseInt(status.substring(9, 12));
    long length = -1;
    boolean chunked = false;
    boolean close = false;
    for (String header = line(); !header.isEmpty(); header = line()) {
      String lower = header.toLowerCase(Locale.ROOT);
      if (lower.startsWith("content-length:")) {
        length = Long.parseLong(lower.substring(15).trim());
      } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
        chunked = true;
      } else if (lower.startsWith("connection:") && lower.contains("close")) {
        close = true;
      }
    }
    if (chunked) {
      for (long size = Long.parseLong(line().split(";", 2)[0].trim(), 16);
          size > 0;
          size = Long.parseLong(line().split(";", 2)[0].trim(), 16)) {
        skip(size);
        line();
      }
      while (!line().isEmpty()) {
        // trailers
      }
    } else if (length > 0) {
      skip(length);
    }
    if (close) {
      close();
    }
    return code;
  }

  private void skip(long n) throws IOException {
    for (long left = n; left > 0; ) {
      long skipped = in.skip(left);
      if (skipped <= 0) {
        if (in.read() < 0) {
          throw new IOException("connection closed inside a response body");
        }
        skipped = 1;
      }
      left -= skipped;
    }
  }

  private String line() throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream(64);
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new IOException("connection closed inside a response");
      }
      if (b != '\r') {
        buf.write(b);
      }
    }
    return buf.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() {
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException e) {
        // a connection we are dropping anyway: nothing to recover, the next post() reconnects
      }
      socket = null;
    }
  }
}
