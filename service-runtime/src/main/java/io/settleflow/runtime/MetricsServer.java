package io.settleflow.runtime;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * {@code GET /metrics} (Prometheus text) and {@code GET /health} for services that have no web
 * framework of their own. Built on the JDK's HttpServer so it cannot clash with the Jetty versions
 * that Debezium, Flink or Javalin bring.
 */
public final class MetricsServer implements AutoCloseable {
  private final HttpServer server;
  private final PrometheusMeterRegistry registry;

  private MetricsServer(HttpServer server, PrometheusMeterRegistry registry) {
    this.server = server;
    this.registry = registry;
  }

  /**
   * Starts on {@code host:port} (port 0 picks a free one).
   *
   * @param health answers whether the service is healthy now, with a one-line reason
   */
  public static MetricsServer start(String host, int port, Supplier<Health> health)
      throws IOException {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 16);
    server.createContext(
        "/metrics",
        exchange -> respond(exchange, 200, "text/plain; version=0.0.4", registry.scrape()));
    server.createContext(
        "/health",
        exchange -> {
          Health h = health.get();
          String body =
              "{\"status\":\""
                  + (h.up() ? "UP" : "DOWN")
                  + "\",\"detail\":\""
                  + h.detail().replace("\"", "'")
                  + "\"}";
          respond(exchange, h.up() ? 200 : 503, "application/json", body);
        });
    server.setExecutor(Executors.newFixedThreadPool(2, daemonThreads()));
    server.start();
    return new MetricsServer(server, registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private static void respond(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static java.util.concurrent.ThreadFactory daemonThreads() {
    return r -> {
      Thread t = new Thread(r, "metrics-http");
      t.setDaemon(true);
      return t;
    };
  }

  /** A health answer. */
  public record Health(boolean up, String detail) {
    public static Health up(String detail) {
      return new Health(true, detail);
    }

    public static Health down(String detail) {
      return new Health(false, detail);
    }
  }
}
