package io.settleflow.risk;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.settleflow.avro.RiskDecision;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.SchemaRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Interactive queries over the risk engine's state stores:
 *
 * <ul>
 *   <li>{@code GET /risk/merchants/{id}/features}: the merchant's windows, open exposure and refund
 *       counts now (the clock's time, on the event-time stores);
 *   <li>{@code GET /risk/payments/{id}/decision}: the latest decision for the payment.
 * </ul>
 *
 * A merchant owned by another instance (Streams metadata, {@code application.server}) is fetched
 * from it once and relayed; while the owner is unknown (rebalancing) the answer is 503 with
 * Retry-After. Decisions are kept by the scoring task of the payment's merchant, so a payment id
 * not in this instance's stores is asked of every other instance once. JDK HttpServer, like the
 * MetricsServer.
 */
public final class RiskQueryServer implements AutoCloseable {
  /**
   * Marks a forwarded request: the receiver answers from its own stores or 503, never forwards
   * again.
   */
  static final String FORWARDED_HEADER = "X-Settleflow-Forwarded";

  static final Duration FORWARD_TIMEOUT = Duration.ofSeconds(5);
  static final int MAX_ID_CHARS = PaymentEventValidator.MAX_ID_CHARS;
  private static final int THREADS = 4;
  private static final Pattern FEATURES = Pattern.compile("/risk/merchants/([^/]+)/features");
  private static final Pattern DECISION = Pattern.compile("/risk/payments/([^/]+)/decision");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final ExecutorService executor;
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(FORWARD_TIMEOUT).build();
  private volatile Backend backend;

  private record Backend(
      KafkaStreams streams,
      HostInfo self,
      RiskConfig config,
      ConfluentWireFormat wire,
      Clock clock) {}

  private RiskQueryServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Listens now (so the port is known for {@code application.server}); answers 503 until {@link
   * #attach}.
   */
  public static RiskQueryServer start(String host, int port) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 16);
    ExecutorService executor = Executors.newFixedThreadPool(THREADS);
    server.setExecutor(executor);
    RiskQueryServer q = new RiskQueryServer(server, executor);
    server.createContext("/risk/", q::handle);
    server.start();
    return q;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /**
   * @param self this instance as other instances reach it; equals its {@code application.server}
   */
  public void attach(
      KafkaStreams streams,
      HostInfo self,
      RiskConfig config,
      SchemaRegistry registry,
      Clock clock) {
    backend = new Backend(streams, self, config, new ConfluentWireFormat(registry), clock);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!"GET".equals(exchange.getRequestMethod())) {
        send(exchange, 405, error("only GET"));
        return;
      }
      String path = exchange.getRequestURI().getRawPath();
      Matcher features = FEATURES.matcher(path);
      Matcher decision = DECISION.matcher(path);
      if (features.matches()) {
        featuresQuery(exchange, decode(features.group(1)));
      } else if (decision.matches()) {
        decisionQuery(exchange, decode(decision.group(1)));
      } else {
        send(exchange, 404, error("no such resource"));
      }
    } catch (RuntimeException e) {
      // a store closed by a rebalance mid-request: the caller retries
      send(exchange, 503, error("state not available: " + e.getClass().getSimpleName()));
    }
  }

  /** The backend when the id is acceptable and the client is up; otherwise answers and null. */
  private Backend ready(HttpExchange exchange, String id) throws IOException {
    Backend b = backend;
    if (id.isEmpty() || id.length() > MAX_ID_CHARS) {
      send(exchange, 400, error("id must be 1 to " + MAX_ID_CHARS + " characters"));
      return null;
    }
    if (b == null
        || !(b.streams.state() == KafkaStreams.State.RUNNING
            || b.streams.state() == KafkaStreams.State.REBALANCING)) {
      send(exchange, 503, error("not running"));
      return null;
    }
    return b;
  }

  /**
   * Decisions live in the scoring tasks, which are partitioned by merchant, so the owner of a
   * payment id is not known: this instance's stores are asked first, then every other instance once
   * (forwarded requests answer from their own stores only).
   */
  private void decisionQuery(HttpExchange exchange, String paymentId) throws IOException {
    Backend b = ready(exchange, paymentId);
    if (b == null) {
      return;
    }
    ObjectNode local = decision(b, paymentId);
    if (local != null) {
      local.put("served_by", b.self.host() + ":" + b.self.port());
      send(exchange, 200, local);
      return;
    }
    boolean rebalancing = b.streams.state() == KafkaStreams.State.REBALANCING;
    if (exchange.getRequestHeaders().containsKey(FORWARDED_HEADER)) {
      send(exchange, rebalancing ? 503 : 404, error("no decision for this payment here"));
      return;
    }
    boolean unanswered = rebalancing;
    for (StreamsMetadata other : b.streams.streamsMetadataForStore(RiskTopology.DECISIONS_STORE)) {
      if (other.hostInfo().equals(b.self)) {
        continue;
      }
      HttpResponse<byte[]> answer = ask(other.hostInfo(), exchange.getRequestURI().getRawPath());
      if (answer != null && answer.statusCode() == 200) {
        relay(exchange, answer);
        return;
      }
      unanswered |= answer == null || answer.statusCode() != 404;
    }
    if (unanswered) {
      send(exchange, 503, error("an instance did not answer (rebalancing or unreachable)"));
    } else {
      send(exchange, 404, error("no decision for this payment within the retention"));
    }
  }

  private void featuresQuery(HttpExchange exchange, String id) throws IOException {
    String store = RiskTopology.HISTORY_STORE;
    Backend b = ready(exchange, id);
    if (b == null) {
      return;
    }
    KeyQueryMetadata owner = b.streams.queryMetadataForKey(store, id, new StringSerializer());
    if (owner == null || owner.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
      send(exchange, 503, error("owner of the key not known yet (rebalancing)"));
      return;
    }
    if (!owner.activeHost().equals(b.self)) {
      if (exchange.getRequestHeaders().containsKey(FORWARDED_HEADER)) {
        send(exchange, 503, error("not the owner of this key (metadata changing)"));
        return;
      }
      forward(exchange, owner.activeHost());
      return;
    }
    ObjectNode body = features(b, id, owner.partition());
    body.put("served_by", b.self.host() + ":" + b.self.port());
    send(exchange, 200, body);
  }

  private ObjectNode features(Backend b, String merchantId, int partition) {
    ReadOnlyKeyValueStore<String, byte[]> histories =
        b.streams.store(
            StoreQueryParameters.<ReadOnlyKeyValueStore<String, byte[]>>fromNameAndType(
                    RiskTopology.HISTORY_STORE, QueryableStoreTypes.keyValueStore())
                .withPartition(partition));
    byte[] stored = histories.get(FeatureState.merchantKey(merchantId));
    long now = b.clock.millis();
    FeatureState.MerchantSnapshot s =
        new FeatureState(b.config)
            .snapshot(stored == null ? null : EntityHistory.decode(stored), now);
    ObjectNode body = JSON.createObjectNode();
    body.put("merchant_id", merchantId);
    body.put("as_of", Instant.ofEpochMilli(now).toString());
    ObjectNode windows = body.putObject("windows");
    for (FeatureWindow w : FeatureWindow.values()) {
      ActivityBucket bucket = s.windows().get(w);
      ObjectNode n = windows.putObject(w.suffix());
      n.put("count", bucket.count());
      ObjectNode sums = n.putObject("sum_minor");
      bucket.byCurrency().entrySet().stream()
          .sorted(Map.Entry.comparingByKey())
          .forEach(e -> sums.put(e.getKey(), e.getValue().sumMinor()));
    }
    ObjectNode exposure = body.putObject("open_exposure_minor");
    s.openExposure().byCurrency().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> exposure.put(e.getKey(), Math.max(0, e.getValue().sumMinor())));
    body.put("exposure_limit_minor", b.config.exposureLimitMinor());
    body.put("captures_24h", s.captures24h());
    body.put("refunds_24h", s.refunds24h());
    return body;
  }

  /** The latest decision in this instance's active decision stores, or null. */
  private ObjectNode decision(Backend b, String paymentId) {
    ReadOnlyWindowStore<String, byte[]> store =
        b.streams.store(
            StoreQueryParameters.fromNameAndType(
                RiskTopology.DECISIONS_STORE, QueryableStoreTypes.<String, byte[]>windowStore()));
    byte[] latest = null;
    try (WindowStoreIterator<byte[]> it =
        store.backwardFetch(paymentId, Instant.EPOCH, Instant.ofEpochMilli(Long.MAX_VALUE / 2))) {
      if (it.hasNext()) {
        latest = it.next().value;
      }
    }
    if (latest == null) {
      return null;
    }
    RiskDecision d = b.wire.decode(latest, RiskDecision.class);
    ObjectNode body = JSON.createObjectNode();
    body.put("payment_id", d.getPaymentId());
    body.put("merchant_id", d.getMerchantId());
    body.put("event_id", d.getEventId());
    body.put("source_event_id", d.getSourceEventId());
    body.put("amount_minor", d.getAmountMinor());
    body.put("currency", d.getCurrency());
    body.put("score", d.getScore());
    body.put("outcome", d.getOutcome().name());
    strings(body.putArray("reasons"), d.getReasons());
    strings(body.putArray("rule_versions"), d.getRuleVersions());
    strings(body.putArray("shadow_reasons"), d.getShadowReasons());
    body.put("decided_at", d.getDecidedAt().toString());
    return body;
  }

  private static void strings(ArrayNode array, java.util.List<? extends CharSequence> values) {
    values.forEach(v -> array.add(v.toString()));
  }

  private void forward(HttpExchange exchange, HostInfo owner) throws IOException {
    HttpResponse<byte[]> answer = ask(owner, exchange.getRequestURI().getRawPath());
    if (answer == null) {
      send(exchange, 503, error("owner " + owner.host() + ":" + owner.port() + " unreachable"));
    } else {
      relay(exchange, answer);
    }
  }

  /** The other instance's answer to a forwarded GET of {@code path}, or null if unreachable. */
  private HttpResponse<byte[]> ask(HostInfo other, String path) {
    URI uri = URI.create("http://" + other.host() + ":" + other.port() + path);
    try {
      return client.send(
          HttpRequest.newBuilder(uri)
              .timeout(FORWARD_TIMEOUT)
              .header(FORWARDED_HEADER, "1")
              .GET()
              .build(),
          HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private static void relay(HttpExchange exchange, HttpResponse<byte[]> answer) throws IOException {
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    if (answer.statusCode() == 503) {
      exchange.getResponseHeaders().add("Retry-After", "1");
    }
    exchange.sendResponseHeaders(
        answer.statusCode(), answer.body().length == 0 ? -1 : answer.body().length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(answer.body());
    }
  }

  private static String decode(String raw) {
    return URLDecoder.decode(raw, StandardCharsets.UTF_8);
  }

  /** For building request paths in clients and tests. */
  static String encode(String id) {
    return URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static ObjectNode error(String message) {
    return JSON.createObjectNode().put("error", message);
  }

  private static void send(HttpExchange exchange, int status, ObjectNode body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    if (status == 503) {
      exchange.getResponseHeaders().add("Retry-After", "1");
    }
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
