package io.settleflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.settleflow.avro.PaymentEvent;
import io.settleflow.avro.PaymentEventType;
import io.settleflow.embedded.SchemaRegistryServer;
import io.settleflow.ledger.LedgerTestDatabase;
import io.settleflow.ledger.MerchantAdmin;
import io.settleflow.ledger.PaymentLedger;
import io.settleflow.schemas.ConfluentRegistryClient;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.SchemaRegistryException;
import io.settleflow.schemas.Topics;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The API on a real PostgreSQL 17 and a real (Apicurio) schema registry, started once. */
@Tag("integration")
class IngestApiIT {
  static final String TOKENIZATION_KEY = "test-only-tokenization-key-0123456789";
  static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
  static final String PAN = "4242424242424242";
  static final String BODY =
      "{\"amount_minor\": 1999, \"currency\": \"EUR\", \"reference\": \"order-17\","
          + " \"card\": {\"number\": \"" + PAN + "\", \"exp_month\": 12, \"exp_year\": 2030}}";
  static final List<String> MERCHANT_TABLES =
      List.of("accounts", "payments", "ledger_transactions", "ledger_entries", "outbox", "idempotency_keys");
  static final ObjectMapper JSON = new ObjectMapper();
  static final AtomicInteger MERCHANTS = new AtomicInteger();

  @TempDir static Path dir;
  static LedgerTestDatabase db;
  static SchemaRegistryServer registry;
  static DataSource owner;
  static HikariDataSource app;
  static MerchantAdmin admin;
  static Javalin api;
  static String baseUrl;
  static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeAll
  static void start() {
    db = LedgerTestDatabase.start(dir);
    registry = SchemaRegistryServer.start(dir.resolve("registry"), 0, false);
    owner = db.owner();
    // pooled, as IngestMain runs the API
    HikariConfig pool = new HikariConfig();
    pool.setDataSource(db.app());
    pool.setMaximumPoolSize(8);
    app = new HikariDataSource(pool);
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    admin = new MerchantAdmin(owner, clock);
    ConfluentWireFormat wire = new ConfluentWireFormat(new ConfluentRegistryClient(registry.confluentUrl()));
    api =
        IngestApi.create(
                new PaymentLedger(app, clock),
                event -> wire.encode(Topics.PAYMENTS_AUTHORIZED, event),
                new CardTokenizer(TOKENIZATION_KEY),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                clock)
            .start("127.0.0.1", 0);
    baseUrl = "http://127.0.0.1:" + api.port();
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.stop();
    }
    if (app != null) {
      app.close();
    }
    if (registry != null) {
      registry.close();
    }
    if (db != null) {
      db.close();
    }
  }

  @Test
  void aPaymentIsCreatedBalancedAndItsOutboxEventDecodes() throws Exception {
    Merchant m = newMerchant();

    HttpResponse<String> created = post(m.key(), "key-1", BODY);

    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(created.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
    assertThat(created.headers().firstValue(IngestApi.IDEMPOTENT_REPLAYED)).isEmpty();
    JsonNode body = JSON.readTree(created.body());
    String id = body.get("id").asText();
    assertThat(UUID.fromString(id).toString()).isEqualTo(id);
    assertThat(body.get("status").asText()).isEqualTo("AUTHORIZED");
    assertThat(body.get("amount_minor").asLong()).isEqualTo(1999);
    assertThat(body.get("currency").asText()).isEqualTo("EUR");
    assertThat(body.get("reference").asText()).isEqualTo("order-17");
    assertThat(body.get("card").get("last4").asText()).isEqualTo("4242");
    String token = body.get("card").get("token").asText();
    assertThat(token).isEqualTo(new CardTokenizer(TOKENIZATION_KEY).tokenize(PAN).token());
    assertThat(body.get("created_at").asText()).isEqualTo(NOW.toString());

    // The ledger is balanced: one AUTHORIZE transaction whose entries sum to zero.
    assertThat(rows(m.id(), "SELECT account_code || ' ' || amount_minor FROM ledger.ledger_entries ORDER BY amount_minor DESC"))
        .containsExactly("card_authorizations 1999", "merchant_pending -1999");
    assertThat(counts(m.id())).containsEntry("ledger_transactions", 1L).containsEntry("outbox", 1L);

    // The outbox row carries the PaymentEvent in Confluent wire format; a fresh client decodes it.
    try (Connection c = owner.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT id, aggregatetype, aggregateid, type, payload FROM ledger.outbox WHERE merchant_id = ?")) {
      ps.setString(1, m.id());
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString("aggregatetype")).isEqualTo(Topics.PAYMENTS_AUTHORIZED);
        assertThat(rs.getString("aggregateid")).isEqualTo(id);
        assertThat(rs.getString("type")).isEqualTo("AUTHORIZED");
        PaymentEvent event =
            new ConfluentWireFormat(new ConfluentRegistryClient(registry.confluentUrl()))
                .decode(rs.getBytes("payload"), PaymentEvent.class);
        assertThat(event)
            .isEqualTo(
                PaymentEvent.newBuilder()
                    .setEventId(rs.getObject("id", UUID.class).toString())
                    .setEventType(PaymentEventType.AUTHORIZED)
                    .setPaymentId(id)
                    .setMerchantId(m.id())
                    .setAmountMinor(1999)
                    .setCurrency("EUR")
                    .setReference("order-17")
                    .setCardToken(token)
                    .setCardLast4("4242")
                    .setOccurredAt(NOW)
                    .build());
      }
    }

    HttpResponse<String> fetched = get(m.key(), "/v1/payments/" + id);
    assertThat(fetched.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(fetched.body())).isEqualTo(body);
  }

  @Test
  void aReplayReturnsTheSameBodyWithTheReplayHeaderAndWritesNothing() throws Exception {
    Merchant m = newMerchant();
    HttpResponse<String> first = post(m.key(), "key-1", BODY);
    Map<String, Long> before = counts(m.id());

    HttpResponse<String> replay = post(m.key(), "key-1", BODY);

    assertThat(replay.statusCode()).isEqualTo(201);
    assertThat(replay.body()).isEqualTo(first.body());
    assertThat(replay.headers().firstValue(IngestApi.IDEMPOTENT_REPLAYED)).hasValue("true");
    assertThat(counts(m.id())).isEqualTo(before).containsEntry("payments", 1L);
  }

  @Test
  void replayWithDifferentBodyIsRejected() throws Exception {
    Merchant m = newMerchant();
    post(m.key(), "key-1", BODY);
    Map<String, Long> before = counts(m.id());

    HttpResponse<String> reused = post(m.key(), "key-1", BODY.replace("1999", "2999"));

    assertProblem(reused, 422, "idempotency_key_reused", "Idempotency-Key");
    assertThat(counts(m.id())).isEqualTo(before);
  }

  @ParameterizedTest(name = "[{index}] Idempotency-Key of {0} characters")
  @CsvSource({"0, missing_idempotency_key", "256, invalid_idempotency_key"})
  void aMissingOrOverlongIdempotencyKeyIsRejected(int length, String code) throws Exception {
    Merchant m = newMerchant();
    HttpResponse<String> response = post(m.key(), length == 0 ? null : "k".repeat(length), BODY);

    assertProblem(response, 400, code, "Idempotency-Key");
    assertThat(counts(m.id()).values()).containsOnly(0L);
  }

  @Test
  void anIdempotencyKeyOfTheMaximumLengthIsAccepted() throws Exception {
    assertThat(post(newMerchant().key(), "k".repeat(255), BODY).statusCode()).isEqualTo(201);
  }

  /** One line per bad field: the change to the valid body, then the field the problem names. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "\"amount_minor\": 1999 => \"amount_minor\": 0          | amount_minor",
        "\"amount_minor\": 1999 => \"amount_minor\": 19.99      | amount_minor",
        "\"amount_minor\": 1999 => \"amount_minor\": 10000000000000 | amount_minor",
        "\"EUR\" => \"EUX\"                                     | currency",
        "\"order-17\" => 17                                     | reference",
        "\"4242424242424242\" => \"4242424242424241\"           | card.number",
        "\"4242424242424242\" => \"42424242\"                   | card.number",
        "\"exp_month\": 12 => \"exp_month\": 13                 | card.exp_month",
        "\"exp_year\": 2030 => \"exp_year\": 2025               | card.exp_year",
        "\"reference\" => \"referenc\"                          | referenc",
      })
  void eachBadFieldIsRejectedByNameAndNothingIsWritten(String change, String field) throws Exception {
    Merchant m = newMerchant();
    String[] parts = change.split("=>");
    String body = BODY.replace(parts[0].trim(), parts[1].trim());
    assertThat(body).isNotEqualTo(BODY);

    HttpResponse<String> rejected = post(m.key(), "key-1", body);

    assertThat(rejected.statusCode()).isEqualTo(400);
    assertThat(rejected.headers().firstValue("Content-Type")).hasValue(IngestApi.PROBLEM_JSON);
    assertThat(JSON.readTree(rejected.body()).get("field").asText()).isEqualTo(field);
    assertThat(rejected.body()).doesNotContain(PAN);
    assertThat(counts(m.id()).values()).containsOnly(0L);
    // Nothing was stored for the key: the merchant fixes the body and retries with it.
    assertThat(post(m.key(), "key-1", BODY).statusCode()).isEqualTo(201);
  }

  @Test
  void malformedJsonIsA400WithItsOwnCode() throws Exception {
    Merchant m = newMerchant();
    HttpResponse<String> response = post(m.key(), "key-1", "{\"card\": {\"number\": \"" + PAN + "\"");

    assertProblem(response, 400, "malformed_json", null);
    assertThat(response.body()).doesNotContain(PAN);
  }

  @Test
  void aBodyThatIsNotJsonIsA415() throws Exception {
    Merchant m = newMerchant();
    HttpResponse<String> response =
        send(HttpRequest.newBuilder(URI.create(baseUrl + "/v1/payments"))
            .header("Authorization", "Bearer " + m.key())
            .header("Idempotency-Key", "key-1")
            .header("Content-Type", "text/plain")
            .POST(HttpRequest.BodyPublishers.ofString(BODY)));

    assertProblem(response, 415, "unsupported_media_type", "Content-Type");
  }

  @Test
  void aBodyOverTheLimitIsA413WithOrWithoutContentLength() throws Exception {
    Merchant m = newMerchant();
    String huge = BODY.replace("order-17", "x".repeat(IngestApi.MAX_BODY_BYTES));
    byte[] bytes = huge.getBytes(StandardCharsets.UTF_8);

    HttpResponse<String> declared = post(m.key(), "key-1", huge);
    HttpResponse<String> chunked =
        send(paymentRequest(m.key(), "key-2")
            .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes))));

    assertProblem(declared, 413, "body_too_large", null);
    assertProblem(chunked, 413, "body_too_large", null);
    assertThat(counts(m.id()).values()).containsOnly(0L);
  }

  @ParameterizedTest(name = "[{index}] Authorization: {0}")
  @CsvSource({"''", "Bearer", "Bearer sk_unknown", "Basic dXNlcjpwYXNz", "Bearer sk_REVOKED"})
  void anUnknownOrMissingApiKeyIsA401(String authorization) throws Exception {
    Merchant m = newMerchant();
    String header = authorization;
    if (header.contains("REVOKED")) {
      Merchant revoked = newMerchant();
      admin.revokeApiKeys(revoked.id());
      header = "Bearer " + revoked.key();
    }
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + "/v1/payments"))
        .header("Idempotency-Key", "key-1")
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(BODY));
    if (!header.isEmpty()) {
      request.header("Authorization", header);
    }

    HttpResponse<String> response = send(request);

    assertProblem(response, 401, "unauthorized", "Authorization");
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
    assertThat(counts(m.id()).values()).containsOnly(0L);
  }

  @Test
  void aMerchantCannotSeeAnotherMerchantsPayment() throws Exception {
    Merchant a = newMerchant();
    Merchant b = newMerchant();
    String id = JSON.readTree(post(a.key(), "key-1", BODY).body()).get("id").asText();

    assertThat(get(a.key(), "/v1/payments/" + id).statusCode()).isEqualTo(200);
    HttpResponse<String> other = get(b.key(), "/v1/payments/" + id);
    HttpResponse<String> unknown = get(b.key(), "/v1/payments/" + UUID.randomUUID());
    HttpResponse<String> malformed = get(b.key(), "/v1/payments/not-a-uuid");

    assertProblem(other, 404, "not_found", null);
    // Someone else's payment and a payment that never existed answer identically.
    assertThat(other.body()).isEqualTo(unknown.body()).isEqualTo(malformed.body());
    assertThat(get(b.key(), "/v1/payments/" + id).statusCode()).isEqualTo(404);
    assertThat(get("sk_nobody", "/v1/payments/" + id).statusCode()).isEqualTo(401);
  }

  @Test
  void theCardNumberIsStoredNowhere() throws Exception {
    Merchant m = newMerchant();
    List<String> pans = List.of(PAN, "5555555555554444", "378282246310005");
    for (int i = 0; i < pans.size(); i++) {
      assertThat(post(m.key(), "key-" + i, BODY.replace(PAN, pans.get(i))).statusCode()).isEqualTo(201);
    }
    // A rejected request with a PAN in it stores nothing either.
    assertThat(post(m.key(), "key-x", BODY.replace("\"EUR\"", "\"EUX\"")).statusCode()).isEqualTo(400);

    try (Connection c = owner.getConnection(); Statement s = c.createStatement()) {
      List<String> tables = new ArrayList<>();
      try (ResultSet rs = s.executeQuery("SELECT tablename FROM pg_tables WHERE schemaname = 'ledger'")) {
        while (rs.next()) {
          tables.add(rs.getString(1));
        }
      }
      assertThat(tables).contains("payments", "outbox", "idempotency_keys");
      for (String table : tables) {
        // Whole rows as text: bytea shows as hex, so look for the digits both plain and hex-encoded.
        try (ResultSet rs = s.executeQuery("SELECT t::text FROM ledger." + table + " t")) {
          while (rs.next()) {
            String row = rs.getString(1);
            for (String pan : pans) {
              assertThat(row).as(table).doesNotContain(pan).doesNotContain(hex(pan));
            }
          }
        }
      }
      try (ResultSet rs = s.executeQuery("SELECT payload FROM ledger.outbox WHERE merchant_id = '" + m.id() + "'")) {
        int events = 0;
        while (rs.next()) {
          String raw = new String(rs.getBytes(1), StandardCharsets.ISO_8859_1);
          for (String pan : pans) {
            assertThat(raw).doesNotContain(pan);
          }
          events++;
        }
        assertThat(events).isEqualTo(pans.size());
      }
      try (ResultSet rs = s.executeQuery("SELECT response_body FROM ledger.idempotency_keys WHERE merchant_id = '" + m.id() + "'")) {
        int responses = 0;
        while (rs.next()) {
          assertThat(rs.getString(1)).contains("\"last4\"");
          for (String pan : pans) {
            assertThat(rs.getString(1)).doesNotContain(pan);
          }
          responses++;
        }
        assertThat(responses).isEqualTo(pans.size());
      }
    }
  }

  @Test
  void concurrentIdenticalRequestsWithOneKeyCreateExactlyOnePayment() throws Exception {
    Merchant m = newMerchant();
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<HttpResponse<String>> responses = new ArrayList<>();
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<HttpResponse<String>>> futures = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        futures.add(pool.submit(() -> {
          go.await();
          return post(m.key(), "same-key", BODY);
        }));
      }
      go.countDown();
      for (Future<HttpResponse<String>> f : futures) {
        responses.add(f.get(60, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(responses).extracting(HttpResponse::statusCode).containsOnly(201);
    assertThat(responses).extracting(HttpResponse::body).containsOnly(responses.get(0).body());
    assertThat(responses).filteredOn(r -> r.headers().firstValue(IngestApi.IDEMPOTENT_REPLAYED).isEmpty()).hasSize(1);
    assertThat(counts(m.id())).containsEntry("payments", 1L).containsEntry("outbox", 1L).containsEntry("ledger_entries", 2L);
  }

  @Test
  void healthAnswersAndMetricsCountRequestsAndPayments() throws Exception {
    Merchant m = newMerchant();
    post(m.key(), "key-1", BODY);
    get(m.key(), "/v1/payments/" + UUID.randomUUID());

    HttpResponse<String> health = send(HttpRequest.newBuilder(URI.create(baseUrl + "/health")).GET());
    HttpResponse<String> metrics = send(HttpRequest.newBuilder(URI.create(baseUrl + "/metrics")).GET());

    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(health.body()).get("status").asText()).isEqualTo("UP");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body())
        .contains("payments_authorized_total{currency=\"EUR\"}")
        .containsPattern("http_server_requests_seconds_count\\{method=\"POST\",route=\"/v1/payments\",status=\"201\"\\} [1-9]")
        .containsPattern("http_server_requests_seconds_count\\{method=\"GET\",route=\"/v1/payments/\\{id\\}\",status=\"404\"\\} [1-9]")
        .doesNotContain(PAN);
  }

  @Test
  void anUnreachableRegistryIsA503AndWritesNothingSoTheSameKeyWorksLater() throws Exception {
    Merchant m = newMerchant();
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    Javalin registryDown =
        IngestApi.create(
                new PaymentLedger(app, clock),
                event -> {
                  throw new SchemaRegistryException("schema registry at http://127.0.0.1:1 unreachable");
                },
                new CardTokenizer(TOKENIZATION_KEY),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                clock)
            .start("127.0.0.1", 0);
    try {
      HttpResponse<String> response =
          send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + registryDown.port() + "/v1/payments"))
              .header("Authorization", "Bearer " + m.key())
              .header("Idempotency-Key", "key-1")
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(BODY)));

      assertProblem(response, 503, "dependency_unavailable", null);
      assertThat(counts(m.id()).values()).containsOnly(0L);
    } finally {
      registryDown.stop();
    }
    assertThat(post(m.key(), "key-1", BODY).statusCode()).isEqualTo(201);
  }

  @Test
  void anUnknownRouteIsAProblemToo() throws Exception {
    HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(baseUrl + "/v2/nothing")).GET());
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.headers().firstValue("Content-Type")).hasValue(IngestApi.PROBLEM_JSON);
  }

  // --- helpers

  record Merchant(String id, String key) {}

  static Merchant newMerchant() {
    String id = "m" + MERCHANTS.incrementAndGet();
    admin.createMerchant(id, "Merchant " + id);
    return new Merchant(id, admin.issueApiKey(id));
  }

  static HttpRequest.Builder paymentRequest(String apiKey, String idempotencyKey) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(baseUrl + "/v1/payments"))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + apiKey)
            .header("Content-Type", "application/json");
    if (idempotencyKey != null) {
      b.header("Idempotency-Key", idempotencyKey);
    }
    return b;
  }

  static HttpResponse<String> post(String apiKey, String idempotencyKey, String body) throws Exception {
    return send(paymentRequest(apiKey, idempotencyKey).POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  static HttpResponse<String> get(String apiKey, String path) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).header("Authorization", "Bearer " + apiKey).GET());
  }

  static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static void assertProblem(HttpResponse<String> response, int status, String code, String field) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValue(IngestApi.PROBLEM_JSON);
    JsonNode problem = JSON.readTree(response.body());
    assertThat(problem.get("status").asInt()).isEqualTo(status);
    assertThat(problem.get("code").asText()).isEqualTo(code);
    assertThat(problem.get("type").asText()).endsWith(code);
    assertThat(problem.get("title").asText()).isNotBlank();
    assertThat(problem.get("detail").asText()).isNotBlank();
    if (field == null) {
      assertThat(problem.get("field").isNull()).isTrue();
    } else {
      assertThat(problem.get("field").asText()).isEqualTo(field);
    }
  }

  static String hex(String s) {
    return HexFormat.of().formatHex(s.getBytes(StandardCharsets.US_ASCII));
  }

  static Map<String, Long> counts(String merchant) {
    try (Connection c = owner.getConnection(); Statement s = c.createStatement()) {
      Map<String, Long> counts = new TreeMap<>();
      for (String table : MERCHANT_TABLES) {
        try (ResultSet rs = s.executeQuery("SELECT count(*) FROM ledger." + table + " WHERE merchant_id = '" + merchant + "'")) {
          rs.next();
          counts.put(table, rs.getLong(1));
        }
      }
      return counts;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static List<String> rows(String merchant, String sql) {
    String scoped = sql.replaceFirst("FROM (ledger\\.\\w+)", "FROM $1 WHERE merchant_id = '" + merchant + "'");
    try (Connection c = owner.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(scoped)) {
      List<String> rows = new ArrayList<>();
      while (rs.next()) {
        rows.add(rs.getString(1));
      }
      return rows;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
