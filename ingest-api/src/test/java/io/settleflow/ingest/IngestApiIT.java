package io.settleflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import io.settleflow.ledger.VaultCard;
import io.settleflow.runtime.Tracing;
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
import java.security.SecureRandom;
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
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.threeten.extra.MutableClock;

/** The API on a real PostgreSQL 17 and a real (Apicurio) schema registry, started once. */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IngestApiIT {
  /** Every response any test received: checked against /openapi.json by the last test. */
  /** The body each exchange's request sent, for the request half of the OpenAPI check. */
  static final java.util.Map<HttpResponse<String>, byte[]> REQUEST_BODIES =
      java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());

  static final java.util.Queue<HttpResponse<String>> EXCHANGES =
      new java.util.concurrent.ConcurrentLinkedQueue<>();

  static final String TOKENIZATION_KEY = "test-only-tokenization-key-0123456789";
  static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
  static final String PAN = "4242424242424242";

  /** Tokens are a keyed MAC of the PAN: every test merchant holds this one in the vault. */
  static final String TOKEN = new CardTokenizer(TOKENIZATION_KEY).tokenize(PAN).token();

  static final String BODY =
      "{\"amount_minor\": 1999, \"currency\": \"EUR\", \"reference\": \"order-17\", \"card_token\": \""
          + TOKEN
          + "\"}";
  static final String CARD_BODY =
      "{\"card\": {\"number\": \"" + PAN + "\", \"exp_month\": 12, \"exp_year\": 2030}}";

  /** Generated per run: no vault key is ever in the repository. */
  static final CardVault VAULT = CardVault.fromConfig(CardVaultTest.newKey(), new SecureRandom());

  /** High enough that no test but the rate-limit one meets the limit. */
  static final IngestApi.Options OPTIONS =
      new IngestApi.Options(PaymentRequestParser.MAX_AMOUNT_MINOR, 1_000_000, 1_000_000);

  static final List<String> MERCHANT_TABLES =
      List.of(
          "accounts",
          "payments",
          "ledger_transactions",
          "ledger_entries",
          "outbox",
          "idempotency_keys");
  static final ObjectMapper JSON = new ObjectMapper();
  static final AtomicInteger MERCHANTS = new AtomicInteger();
  static final PrometheusMeterRegistry METRICS =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  @TempDir static Path dir;
  static LedgerTestDatabase db;
  static SchemaRegistryServer registry;
  static DataSource owner;
  static HikariDataSource app;
  static MerchantAdmin admin;
  static Javalin api;
  static String baseUrl;
  static Tracing tracing;
  static final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeAll
  static void start() {
    db = LedgerTestDatabase.start(dir);
    registry = SchemaRegistryServer.start(dir.resolve("registry"), 0, false);
    owner = db.owner();
    // pooled, as IngestMain runs the API
    HikariConfig pool = new HikariConfig();
    pool.setDataSource(db.app());
    pool.setMaximumPoolSize(8);
    pool.setPoolName("ledger");
    pool.setMetricRegistry(METRICS);
    app = new HikariDataSource(pool);
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    admin = new MerchantAdmin(owner, clock);
    ConfluentWireFormat wire =
        new ConfluentWireFormat(new ConfluentRegistryClient(registry.confluentUrl()));
    // as IngestMain builds it: spans with ids, nothing exported
    tracing = Tracing.autoconfigured("ingest-api-it");
    api =
        IngestApi.create(
                new PaymentLedger(app, clock),
                wire::encode,
                new CardTokenizer(TOKENIZATION_KEY),
                VAULT,
                OPTIONS,
                METRICS,
                clock,
                new InFlightRequests(),
                tracing)
            .start("127.0.0.1", 0);
    baseUrl = "http://127.0.0.1:" + api.port();
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.stop();
    }
    if (tracing != null) {
      tracing.close();
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
    assertThat(created.headers().firstValue("Content-Type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
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
    assertThat(
            rows(
                m.id(),
                "SELECT account_code || ' ' || amount_minor FROM ledger.ledger_entries ORDER BY amount_minor DESC"))
        .containsExactly("card_authorizations 1999", "merchant_pending -1999");
    assertThat(counts(m.id())).containsEntry("ledger_transactions", 1L).containsEntry("outbox", 1L);

    // The outbox row carries the PaymentEvent in Confluent wire format; a fresh client decodes it.
    try (Connection c = owner.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT id, aggregatetype, aggregateid, type, payload FROM ledger.outbox WHERE merchant_id = ?")) {
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

  /**
   * One line per bad request: the change to the valid body (TOO_LARGE: a body over 64 KiB), then
   * the status, code and JSON pointer of the problem. Nothing may be written anywhere, and the same
   * key then works for the fixed request.
   */
  @ParameterizedTest(name = "{0} -> {1} {2} {3}")
  @CsvSource(
      delimiter = '|',
      value = {
        "TOO_LARGE                                              | 413 | body_too_large      | null",
        "\"order-17\", => \"order-17\"                           | 400 | malformed_json      | null",
        "{ => [                                                 | 400 | malformed_json      | null",
        "\"reference\" => \"referenc\"                          | 400 | unknown_field       | /referenc",
        "\"amount_minor\": 1999 => \"amount_minor\": \"1999\"    | 400 | invalid_field       | /amount_minor",
        "\"EUR\" => 978                                         | 400 | invalid_field       | /currency",
        "\"order-17\" => 17                                     | 400 | invalid_field       | /reference",
        "\"currency\": \"EUR\", =>                               | 400 | missing_field       | /currency",
        "\"amount_minor\": 1999 => \"amount_minor\": 0          | 422 | amount_out_of_range | /amount_minor",
        "\"amount_minor\": 1999 => \"amount_minor\": -5         | 422 | amount_out_of_range | /amount_minor",
        "\"amount_minor\": 1999 => \"amount_minor\": 10000000000000 | 422 | amount_out_of_range | /amount_minor",
        "\"amount_minor\": 1999 => \"amount_minor\": 19.99      | 422 | amount_precision    | /amount_minor",
        "\"EUR\" => \"EUX\"                                     | 422 | unknown_currency    | /currency",
        "\"EUR\" => \"XAU\"                                     | 422 | unknown_currency    | /currency",
        "\"order-17\" => LONG_REFERENCE                          | 422 | invalid_value       | /reference",
        "\"order-17\" => \"4242 4242 4242 4242\"                | 422 | pan_not_allowed     | /reference",
        "\"reference\" => \"card\": {\"number\": \"5555-5555-5555-4444\"}, \"reference\" | 422 | pan_not_allowed | /card/number",
        "\"reference\" => \"metadata\": {\"n\": [378282246310005]}, \"reference\" | 422 | pan_not_allowed | /metadata/n/0",
        "TOKEN => tok_unknown                                   | 422 | invalid_card_token  | /card_token",
        "TOKEN => OTHER_MERCHANTS_TOKEN                         | 422 | invalid_card_token  | /card_token",
        "TOKEN => not-a-token                                   | 422 | invalid_card_token  | /card_token",
        "TOKEN => EXPIRED_TOKEN                                 | 422 | card_expired        | /card_token",
      })
  void eachBadRequestIsAProblemWithCodeAndPointerAndNothingIsWritten(
      String change, int status, String code, String pointer) throws Exception {
    Merchant m = newMerchant();
    String body = badBody(m, change);
    assertThat(body).isNotEqualTo(BODY);
    Map<String, Long> vaultBefore = vaultCounts(m.id());

    HttpResponse<String> rejected = post(m.key(), "key-1", body);

    assertThat(rejected.statusCode()).as(rejected.body()).isEqualTo(status);
    assertThat(rejected.headers().firstValue("Content-Type")).hasValue(IngestApi.PROBLEM_JSON);
    JsonNode problem = JSON.readTree(rejected.body());
    assertThat(problem.get("type").asText()).isEqualTo(Problem.TYPE_PREFIX + code);
    assertThat(problem.get("title").asText()).isNotBlank();
    assertThat(problem.get("status").asInt()).isEqualTo(status);
    assertThat(problem.get("detail").asText()).isNotBlank();
    assertThat(problem.get("code").asText()).isEqualTo(code);
    assertThat(String.valueOf(problem.get("pointer").textValue())).isEqualTo(pointer);
    for (String digits :
        List.of("4242424242", "5555555555", "3782822463", "4242 4242", "5555-5555")) {
      assertThat(rejected.body()).doesNotContain(digits);
    }
    assertThat(counts(m.id()).values()).containsOnly(0L);
    assertThat(vaultCounts(m.id())).isEqualTo(vaultBefore);
    // Nothing was stored for the key: the merchant fixes the body and retries with it.
    assertThat(post(m.key(), "key-1", BODY).statusCode()).isEqualTo(201);
  }

  static String badBody(Merchant m, String change) {
    if (change.equals("TOO_LARGE")) {
      return BODY.replace("order-17", "x".repeat(IngestApi.MAX_BODY_BYTES));
    }
    String[] parts = change.split("=>", -1);
    String from = parts[0].trim();
    String to = parts[1].trim();
    if (from.equals("TOKEN")) {
      from = TOKEN;
      to =
          switch (to) {
            case "OTHER_MERCHANTS_TOKEN" ->
                storeCard(newMerchantWithoutCards().id(), "5555555555554444", 12, 2030);
            case "EXPIRED_TOKEN" -> storeCard(m.id(), "378282246310005", 10, 2026);
            default -> to;
          };
    }
    if (to.equals("LONG_REFERENCE")) {
      to = "\"" + "r".repeat(PaymentRequestParser.MAX_REFERENCE_CHARS + 1) + "\"";
    }
    return BODY.replaceFirst(
        java.util.regex.Pattern.quote(from), java.util.regex.Matcher.quoteReplacement(to));
  }

  /** Vault rows by merchant, read as the owner. */
  static Map<String, Long> vaultCounts(String merchant) {
    return Map.of(
        "vault.card",
        rows(merchant, "SELECT count(*) FROM vault.card").stream()
            .mapToLong(Long::parseLong)
            .sum());
  }

  @Test
  void malformedJsonIsA400WithItsOwnCode() throws Exception {
    Merchant m = newMerchant();
    HttpResponse<String> response =
        post(m.key(), "key-1", "{\"card\": {\"number\": \"" + PAN + "\"");

    assertProblem(response, 400, "malformed_json", null);
    assertThat(response.body()).doesNotContain(PAN);
  }

  /**
   * Issue 7: a request's W3C traceparent is continued by the request's span, whose traceparent the
   * outbox row stores (CDC turns it into the Kafka header); a malformed one or none starts a trace.
   */
  @Test
  void theRequestsTraceContextIsContinuedOntoItsOutboxRows() throws Exception {
    Merchant m = newMerchant();
    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    String incoming = "00-" + traceId + "-00f067aa0ba902b7-01";
    String traced =
        created(
            send(
                paymentRequest(m.key(), "trace-1")
                    .header("traceparent", incoming)
                    .header("tracestate", "vendor=abc")
                    .POST(HttpRequest.BodyPublishers.ofString(BODY))));
    String malformed =
        created(
            send(
                paymentRequest(m.key(), "trace-2")
                    .header("traceparent", "00-" + traceId + "-zz-01")
                    .POST(HttpRequest.BodyPublishers.ofString(BODY))));
    String none = created(post(m.key(), "trace-3", BODY));
    HttpResponse<String> capture =
        send(
            HttpRequest.newBuilder(URI.create(baseUrl + "/v1/payments/" + traced + "/capture"))
                .header("Authorization", "Bearer " + m.key())
                .header("Idempotency-Key", "trace-4")
                .header("traceparent", "00-" + "1".repeat(32) + "-" + "2".repeat(16) + "-01")
                .POST(HttpRequest.BodyPublishers.noBody()));
    assertThat(capture.statusCode()).as(capture.body()).isEqualTo(200);

    java.util.Map<String, String> stored = new java.util.HashMap<>();
    for (String row :
        rows(
            m.id(),
            "SELECT aggregateid || ' ' || type || ' ' || coalesce(traceparent, '-') FROM ledger.outbox")) {
      String[] parts = row.split(" ", -1);
      stored.put(parts[0] + " " + parts[1], parts[2]);
    }
    String wellFormed = "00-[0-9a-f]{32}-[0-9a-f]{16}-0[13]";
    assertThat(stored.values()).hasSize(4).allMatch(t -> t.matches(wellFormed));
    String authorized = stored.get(traced + " AUTHORIZED");
    assertThat(Tracing.traceId(authorized)).contains(traceId);
    assertThat(authorized).as("the request's own span, a child").isNotEqualTo(incoming);
    assertThat(Tracing.traceId(stored.get(traced + " CAPTURED"))).contains("1".repeat(32));
    assertThat(Tracing.traceId(stored.get(malformed + " AUTHORIZED")))
        .isPresent()
        .get()
        .isNotEqualTo(traceId);
    assertThat(Tracing.traceId(stored.get(none + " AUTHORIZED")))
        .isPresent()
        .get()
        .isNotEqualTo(traceId)
        .isNotEqualTo(Tracing.traceId(stored.get(malformed + " AUTHORIZED")).orElseThrow());
  }

  private static String created(HttpResponse<String> response) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return JSON.readTree(response.body()).get("id").asText();
  }

  @Test
  void aBodyThatIsNotJsonIsA415() throws Exception {
    Merchant m = newMerchant();
    HttpResponse<String> response =
        send(
            HttpRequest.newBuilder(URI.create(baseUrl + "/v1/payments"))
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
        send(
            paymentRequest(m.key(), "key-2")
                .POST(
                    HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(bytes))));

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
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(baseUrl + "/v1/payments"))
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
  void theCardNumberIsStoredOnlyEncryptedInTheVault() throws Exception {
    Merchant m = newMerchantWithoutCards();
    List<String> pans = List.of(PAN, "5555555555554444", "378282246310005");
    for (int i = 0; i < pans.size(); i++) {
      HttpResponse<String> tokenized =
          tokenize(m.key(), "card-" + i, CARD_BODY.replace(PAN, pans.get(i)));
      assertThat(tokenized.statusCode()).as(tokenized.body()).isEqualTo(201);
      String token = JSON.readTree(tokenized.body()).get("token").asText();
      assertThat(post(m.key(), "key-" + i, BODY.replace(TOKEN, token)).statusCode()).isEqualTo(201);
    }
    // A payment carrying a PAN is refused and stores nothing either.
    assertThat(post(m.key(), "key-x", BODY.replace("\"order-17\"", "\"" + PAN + "\"")).statusCode())
        .isEqualTo(422);

    try (Connection c = owner.getConnection();
        Statement s = c.createStatement()) {
      List<String> tables = new ArrayList<>();
      try (ResultSet rs =
          s.executeQuery(
              "SELECT schemaname || '.' || tablename FROM pg_tables WHERE schemaname IN ('ledger', 'vault')")) {
        while (rs.next()) {
          tables.add(rs.getString(1));
        }
      }
      assertThat(tables)
          .contains("ledger.payments", "ledger.outbox", "ledger.idempotency_keys", "vault.card");
      for (String table : tables) {
        // Whole rows as text: bytea shows as hex, so look for the digits both plain and
        // hex-encoded.
        try (ResultSet rs = s.executeQuery("SELECT t::text FROM " + table + " t")) {
          while (rs.next()) {
            String row = rs.getString(1);
            for (String pan : pans) {
              assertThat(row).as(table).doesNotContain(pan).doesNotContain(hex(pan));
            }
          }
        }
      }
      try (ResultSet rs =
          s.executeQuery(
              "SELECT payload FROM ledger.outbox WHERE merchant_id = '" + m.id() + "'")) {
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
      // The vault holds each card as AES-GCM ciphertext that opens with the key to the PAN.
      List<String> opened = new ArrayList<>();
      try (ResultSet rs =
          s.executeQuery(
              "SELECT token, key_id, nonce, ciphertext, last4, brand, exp_month, exp_year"
                  + " FROM vault.card WHERE merchant_id = '"
                  + m.id()
                  + "'")) {
        while (rs.next()) {
          assertThat(rs.getString("key_id")).isEqualTo(VAULT.currentKeyId());
          opened.add(
              VAULT.open(
                  m.id(),
                  new VaultCard(
                      rs.getString(1),
                      rs.getString(2),
                      rs.getBytes(3),
                      rs.getBytes(4),
                      rs.getString(5),
                      rs.getString(6),
                      rs.getInt(7),
                      rs.getInt(8))));
        }
      }
      assertThat(opened).containsExactlyInAnyOrderElementsOf(pans);
    }
  }

  @Test
  void tokenizeAnswersTokenLast4BrandAndExpiryAndIsIdempotent() throws Exception {
    Merchant m = newMerchantWithoutCards();

    HttpResponse<String> first =
        tokenize(m.key(), "card-1", CARD_BODY.replace(PAN, "4242 4242 4242 4242"));
    HttpResponse<String> replay =
        tokenize(m.key(), "card-1", CARD_BODY.replace(PAN, "4242 4242 4242 4242"));
    HttpResponse<String> reused = tokenize(m.key(), "card-1", CARD_BODY);

    assertThat(first.statusCode()).isEqualTo(201);
    assertThat(JSON.readTree(first.body()))
        .isEqualTo(
            JSON.readTree(
                "{\"token\": \""
                    + TOKEN
                    + "\", \"last4\": \"4242\", \"brand\": \"visa\","
                    + " \"exp_month\": 12, \"exp_year\": 2030}"));
    assertThat(first.body()).doesNotContain(PAN);
    assertThat(replay.statusCode()).isEqualTo(201);
    assertThat(replay.body()).isEqualTo(first.body());
    assertThat(replay.headers().firstValue(IngestApi.IDEMPOTENT_REPLAYED)).hasValue("true");
    assertProblem(reused, 422, "idempotency_key_reused", "Idempotency-Key");
    assertThat(vaultCounts(m.id())).containsEntry("vault.card", 1L);

    // The token pays; the payment shows the vault's last four.
    HttpResponse<String> paid = post(m.key(), "key-1", BODY);
    assertThat(paid.statusCode()).isEqualTo(201);
    assertThat(JSON.readTree(paid.body()).get("card").get("last4").asText()).isEqualTo("4242");
  }

  @ParameterizedTest(name = "{0} -> {1} {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "4242424242424242 => 4242424242424241 | 422 | card_number_invalid | /card/number",
        "4242424242424242 => 4242             | 422 | invalid_value       | /card/number",
        "2030 => 2025                         | 422 | card_expired        | /card/exp_year",
        "\"exp_month\": 12 => \"exp_month\": \"12\" | 400 | invalid_field | /card/exp_month",
        "\"exp_year\" => \"cvc\": 123, \"exp_year\" | 400 | unknown_field | /card/cvc",
      })
  void aBadCardIsRefusedByTokenizeAndNothingIsStored(
      String change, int status, String code, String pointer) throws Exception {
    Merchant m = newMerchantWithoutCards();
    String[] parts = change.split("=>", -1);
    HttpResponse<String> response =
        tokenize(m.key(), "card-1", CARD_BODY.replace(parts[0].trim(), parts[1].trim()));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    JsonNode problem = JSON.readTree(response.body());
    assertThat(problem.get("code").asText()).isEqualTo(code);
    assertThat(problem.get("pointer").asText()).isEqualTo(pointer);
    assertThat(response.body()).doesNotContain("424242424242");
    assertThat(counts(m.id()).values()).containsOnly(0L);
    assertThat(vaultCounts(m.id())).containsEntry("vault.card", 0L);
    assertThat(tokenize(m.key(), "card-1", CARD_BODY).statusCode()).isEqualTo(201);
  }

  @Test
  void theApplicationRoleIsDeniedTheVaultTable() throws Exception {
    Merchant m = newMerchant();
    try (Connection c = app.getConnection();
        Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      s.execute("SELECT set_config('settleflow.merchant_id', '" + m.id() + "', true)");
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> s.executeQuery("SELECT ciphertext FROM vault.card"))
          .isInstanceOfSatisfying(
              SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
      c.rollback();
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
        futures.add(
            pool.submit(
                () -> {
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
    assertThat(responses)
        .filteredOn(r -> r.headers().firstValue(IngestApi.IDEMPOTENT_REPLAYED).isEmpty())
        .hasSize(1);
    assertThat(counts(m.id()))
        .containsEntry("payments", 1L)
        .containsEntry("outbox", 1L)
        .containsEntry("ledger_entries", 2L);
  }

  @Test
  void healthAnswersAndMetricsCountRequestsAndPayments() throws Exception {
    Merchant m = newMerchant();
    post(m.key(), "key-1", BODY);
    get(m.key(), "/v1/payments/" + UUID.randomUUID());

    HttpResponse<String> health =
        send(HttpRequest.newBuilder(URI.create(baseUrl + "/health")).GET());
    HttpResponse<String> metrics =
        send(HttpRequest.newBuilder(URI.create(baseUrl + "/metrics")).GET());

    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(health.body()).get("status").asText()).isEqualTo("UP");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body())
        .contains("payments_authorized_total{currency=\"EUR\"}")
        .containsPattern(
            "http_server_requests_seconds_count\\{method=\"POST\",route=\"/v1/payments\",status=\"201\"\\} [1-9]")
        .containsPattern(
            "http_server_requests_seconds_count\\{method=\"GET\",route=\"/v1/payments/\\{id\\}\",status=\"404\"\\} [1-9]")
        .doesNotContain(PAN);
  }

  @Test
  void anUnreachableRegistryIsA503AndWritesNothingSoTheSameKeyWorksLater() throws Exception {
    Merchant m = newMerchant();
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    Javalin registryDown =
        IngestApi.create(
                new PaymentLedger(app, clock),
                (topic, event) -> {
                  throw new SchemaRegistryException(
                      "schema registry at http://127.0.0.1:1 unreachable");
                },
                new CardTokenizer(TOKENIZATION_KEY),
                VAULT,
                OPTIONS,
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                clock)
            .start("127.0.0.1", 0);
    try {
      HttpResponse<String> response =
          send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + registryDown.port() + "/v1/payments"))
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
    HttpResponse<String> response =
        send(HttpRequest.newBuilder(URI.create(baseUrl + "/v2/nothing")).GET());
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.headers().firstValue("Content-Type")).hasValue(IngestApi.PROBLEM_JSON);
  }

  // --- capture, refund, cancel

  @Test
  void captureRefundAndCancelAnswerThePaymentAndPublishTheirEvents() throws Exception {
    Merchant m = newMerchant();
    String id = authorize(m, "key-1", 1999);
    String other = authorize(m, "key-2", 500);

    HttpResponse<String> captured =
        postTo(m.key(), "cap-1", "/v1/payments/" + id + "/capture", "{\"amount_minor\": 1500}");
    HttpResponse<String> refunded =
        postTo(m.key(), "ref-1", "/v1/payments/" + id + "/refunds", "{\"amount_minor\": 500}");
    HttpResponse<String> refundedRest =
        postTo(m.key(), "ref-2", "/v1/payments/" + id + "/refunds", null);
    HttpResponse<String> cancelled =
        postTo(m.key(), "can-1", "/v1/payments/" + other + "/cancel", null);

    assertThat(captured.statusCode()).as(captured.body()).isEqualTo(200);
    assertThat(amounts(captured)).isEqualTo("CAPTURED 1999/1500/0");
    assertThat(amounts(refunded)).isEqualTo("PARTIALLY_REFUNDED 1999/1500/500");
    assertThat(amounts(refundedRest)).isEqualTo("REFUNDED 1999/1500/1500");
    assertThat(amounts(cancelled)).isEqualTo("CANCELLED 500/0/0");
    assertThat(amounts(get(m.key(), "/v1/payments/" + id))).isEqualTo("REFUNDED 1999/1500/1500");
    assertThat(JSON.readTree(refundedRest.body()).get("card").get("last4").asText())
        .isEqualTo("4242");

    assertThat(
            rows(
                m.id(),
                "SELECT type || ' ' || aggregatetype || ' ' || aggregateid FROM ledger.outbox ORDER BY created_at, type"))
        .containsExactlyInAnyOrder(
            "AUTHORIZED " + Topics.PAYMENTS_AUTHORIZED + " " + id,
            "AUTHORIZED " + Topics.PAYMENTS_AUTHORIZED + " " + other,
            "CAPTURED " + Topics.PAYMENTS_CAPTURED + " " + id,
            "REFUNDED " + Topics.PAYMENTS_REFUNDED + " " + id,
            "REFUNDED " + Topics.PAYMENTS_REFUNDED + " " + id,
            "CANCELLED " + Topics.PAYMENTS_CANCELLED + " " + other);
    ConfluentWireFormat fresh =
        new ConfluentWireFormat(new ConfluentRegistryClient(registry.confluentUrl()));
    assertThat(payloads(m.id(), "REFUNDED"))
        .extracting(b -> fresh.decode(b, PaymentEvent.class))
        .extracting(e -> e.getEventType() + " " + e.getAmountMinor())
        .containsExactlyInAnyOrder("REFUNDED 500", "REFUNDED 1000");
    assertThat(rows(m.id(), "SELECT sum(amount_minor)::text FROM ledger.ledger_entries"))
        .containsExactly("0");
  }

  @Test
  void aMovementReplaysWithTheHeaderAndRejectsAReusedKey() throws Exception {
    Merchant m = newMerchant();
    String id = authorize(m, "key-1", 1999);
    HttpResponse<String> first =
        postTo(m.key(), "cap", "/v1/payments/" + id + "/capture", "{\"amount_minor\": 100}");
    Map<String, Long> before = counts(m.id());

    HttpResponse<String> replay =
        postTo(m.key(), "cap", "/v1/payments/" + id + "/capture", "{\"amount_minor\": 100}");
    HttpResponse<String> otherBody =
        postTo(m.key(), "cap", "/v1/payments/" + id + "/capture", "{\"amount_minor\": 200}");
    HttpResponse<String> otherPath =
        postTo(m.key(), "cap", "/v1/payments/" + id + "/refunds", "{\"amount_minor\": 100}");
    HttpResponse<String> authorizeKey =
        postTo(m.key(), "key-1", "/v1/payments/" + id + "/capture", null);

    assertThat(replay.statusCode()).isEqualTo(200);
    assertThat(replay.body()).isEqualTo(first.body());
    assertThat(replay.headers().firstValue(IngestApi.IDEMPOTENT_REPLAYED)).hasValue("true");
    assertProblem(otherBody, 422, "idempotency_key_reused", "Idempotency-Key");
    assertProblem(otherPath, 422, "idempotency_key_reused", "Idempotency-Key");
    assertProblem(authorizeKey, 422, "idempotency_key_reused", "Idempotency-Key");
    assertThat(counts(m.id())).isEqualTo(before);
  }

  /**
   * One line per illegal movement on a payment of 1999: the movements done before (path:amount),
   * the one tried, then the status, code and field of the problem. Nothing may be written.
   */
  @ParameterizedTest(name = "after [{0}]: {1} {2} -> {3} {4}")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      value = {
        "cancel:-                  | capture | -    | 409 | payment_cancelled         | -",
        "cancel:-                  | refunds | 1    | 409 | payment_cancelled         | -",
        "cancel:-                  | cancel  | -    | 409 | payment_cancelled         | -",
        "-                         | capture | 2000 | 409 | amount_exceeds_authorized | amount_minor",
        "capture:1999              | capture | 1    | 409 | amount_exceeds_authorized | amount_minor",
        "-                         | refunds | 1    | 409 | payment_not_captured      | -",
        "capture:1000              | refunds | 1001 | 409 | amount_exceeds_captured   | amount_minor",
        "capture:1000,refunds:600  | refunds | 401  | 409 | amount_exceeds_captured   | amount_minor",
        "capture:1                 | cancel  | -    | 409 | payment_already_captured  | -",
        "-                         | capture | 0    | 422 | amount_out_of_range       | amount_minor",
        "-                         | refunds | -1   | 422 | amount_out_of_range       | amount_minor",
        "-                         | cancel  | 5    | 400 | unknown_field             | amount_minor",
      })
  void anIllegalMovementIsAProblemWithACodeAndWritesNothing(
      String history, String path, Long amount, int status, String code, String field)
      throws Exception {
    Merchant m = newMerchant();
    String id = authorize(m, "key-1", 1999);
    int step = 0;
    for (String done : history == null ? new String[0] : history.split(",")) {
      String[] parts = done.split(":", -1);
      HttpResponse<String> ok =
          postTo(
              m.key(),
              "setup-" + step++,
              "/v1/payments/" + id + "/" + parts[0],
              parts[1].equals("-") ? null : "{\"amount_minor\": " + parts[1] + "}");
      assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    }
    Map<String, Long> before = counts(m.id());
    String paymentBefore = get(m.key(), "/v1/payments/" + id).body();

    HttpResponse<String> refused =
        postTo(
            m.key(),
            "illegal",
            "/v1/payments/" + id + "/" + path,
            amount == null ? null : "{\"amount_minor\": " + amount + "}");

    assertProblem(refused, status, code, field);
    assertThat(counts(m.id())).isEqualTo(before);
    assertThat(get(m.key(), "/v1/payments/" + id).body()).isEqualTo(paymentBefore);
    assertThat(
            rows(
                m.id(),
                "SELECT idempotency_key FROM ledger.idempotency_keys AND idempotency_key = 'illegal'"))
        .isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"capture", "refunds", "cancel"})
  void aMovementOnAnUnknownOrAnotherMerchantsPaymentIs404AndWritesNothing(String path)
      throws Exception {
    Merchant a = newMerchant();
    Merchant b = newMerchant();
    String id = authorize(a, "key-1", 1999);
    if (path.equals("refunds")) {
      assertThat(postTo(a.key(), "cap", "/v1/payments/" + id + "/capture", null).statusCode())
          .isEqualTo(200);
    }
    Map<String, Long> beforeA = counts(a.id());

    HttpResponse<String> others = postTo(b.key(), "k1", "/v1/payments/" + id + "/" + path, null);
    HttpResponse<String> unknown =
        postTo(b.key(), "k2", "/v1/payments/" + UUID.randomUUID() + "/" + path, null);
    HttpResponse<String> malformed = postTo(b.key(), "k3", "/v1/payments/not-a-uuid/" + path, null);

    assertProblem(others, 404, "not_found", null);
    assertThat(others.body()).isEqualTo(unknown.body()).isEqualTo(malformed.body());
    assertThat(counts(a.id())).isEqualTo(beforeA);
    assertThat(counts(b.id()).values()).containsOnly(0L);
  }

  @Test
  void aMovementWithoutAnIdempotencyKeyOrWithABodyThatIsNotJsonIsRejected() throws Exception {
    Merchant m = newMerchant();
    String id = authorize(m, "key-1", 1999);
    Map<String, Long> before = counts(m.id());

    HttpResponse<String> noKey = postTo(m.key(), null, "/v1/payments/" + id + "/capture", null);
    HttpResponse<String> text =
        send(
            HttpRequest.newBuilder(URI.create(baseUrl + "/v1/payments/" + id + "/capture"))
                .header("Authorization", "Bearer " + m.key())
                .header("Idempotency-Key", "k")
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("{\"amount_minor\": 5}")));

    assertProblem(noKey, 400, "missing_idempotency_key", "Idempotency-Key");
    assertProblem(text, 415, "unsupported_media_type", "Content-Type");
    assertThat(counts(m.id())).isEqualTo(before);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"capture", "refunds"})
  void parallelMovementsOnOnePaymentCannotOverdrawIt(String path) throws Exception {
    Merchant m = newMerchant();
    String id = authorize(m, "key-1", 1000);
    if (path.equals("refunds")) {
      assertThat(postTo(m.key(), "cap", "/v1/payments/" + id + "/capture", null).statusCode())
          .isEqualTo(200);
    }
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<HttpResponse<String>> responses = new ArrayList<>();
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<HttpResponse<String>>> futures = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        String key = "par-" + i;
        futures.add(
            pool.submit(
                () -> {
                  go.await();
                  return postTo(
                      m.key(), key, "/v1/payments/" + id + "/" + path, "{\"amount_minor\": 300}");
                }));
      }
      go.countDown();
      for (Future<HttpResponse<String>> f : futures) {
        responses.add(f.get(60, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }

    String refusal =
        path.equals("capture") ? "amount_exceeds_authorized" : "amount_exceeds_captured";
    assertThat(responses).filteredOn(r -> r.statusCode() == 200).hasSize(3);
    assertThat(responses)
        .filteredOn(r -> r.statusCode() == 409)
        .hasSize(5)
        .allSatisfy(
            r -> assertThat(JSON.readTree(r.body()).get("code").asText()).isEqualTo(refusal));
    JsonNode after = JSON.readTree(get(m.key(), "/v1/payments/" + id).body());
    assertThat(after.get(path.equals("capture") ? "captured_minor" : "refunded_minor").asLong())
        .isEqualTo(900);
    assertThat(rows(m.id(), "SELECT sum(amount_minor)::text FROM ledger.ledger_entries"))
        .containsExactly("0");
  }

  // --- listing, balances, pruning

  @Test
  void paymentsArePagedWithAnOpaqueCursorAndFiltered() throws Exception {
    Merchant m = newMerchant();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add(authorize(m, "key-" + i, 100 + i));
    }
    assertThat(postTo(m.key(), "cap", "/v1/payments/" + ids.get(2) + "/capture", null).statusCode())
        .isEqualTo(200);
    authorize(newMerchant(), "key-x", 100);

    List<String> seen = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      JsonNode page =
          JSON.readTree(
              get(m.key(), "/v1/payments?limit=2" + (cursor == null ? "" : "&cursor=" + cursor))
                  .body());
      page.get("data").forEach(p -> seen.add(p.get("id").asText()));
      cursor = page.get("has_more").asBoolean() ? page.get("next_cursor").asText() : null;
      assertThat(page.get("next_cursor").isNull()).isEqualTo(cursor == null);
      pages++;
    } while (cursor != null);

    // All five share created_at (fixed clock): the id breaks the tie, so no page repeats or skips
    // one.
    assertThat(pages).isEqualTo(3);
    assertThat(seen).hasSize(5).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(ids(get(m.key(), "/v1/payments?status=CAPTURED"))).containsExactly(ids.get(2));
    assertThat(ids(get(m.key(), "/v1/payments?status=AUTHORIZED&limit=100")))
        .hasSize(4)
        .doesNotContain(ids.get(2));
    assertThat(
            ids(
                get(
                    m.key(),
                    "/v1/payments?created_gte=" + NOW + "&created_lt=" + NOW.plusMillis(1))))
        .hasSize(5);
    assertThat(ids(get(m.key(), "/v1/payments?created_lt=" + NOW))).isEmpty();
    assertProblem(get(m.key(), "/v1/payments?limit=101"), 400, "invalid_field", "limit");
    assertProblem(get(m.key(), "/v1/payments?cursor=bogus"), 400, "invalid_cursor", "cursor");
    assertThat(get("sk_nobody", "/v1/payments").statusCode()).isEqualTo(401);
  }

  @Test
  void balancesPerCurrencyComeFromTheLedger() throws Exception {
    Merchant m = newMerchant();
    String eur = authorize(m, "key-1", 1999);
    authorize(m, "key-2", 1);
    String usd =
        JSON.readTree(post(m.key(), "key-3", BODY.replace("\"EUR\"", "\"USD\"")).body())
            .get("id")
            .asText();
    postTo(m.key(), "cap", "/v1/payments/" + eur + "/capture", "{\"amount_minor\": 1000}");
    postTo(m.key(), "ref", "/v1/payments/" + eur + "/refunds", "{\"amount_minor\": 250}");
    postTo(m.key(), "can", "/v1/payments/" + usd + "/cancel", null);

    HttpResponse<String> response = get(m.key(), "/v1/balances");

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode data = JSON.readTree(response.body()).get("data");
    assertThat(data).hasSize(2);
    assertThat(data.get(0).get("currency").asText()).isEqualTo("EUR");
    assertThat(data.get(0).get("pending_minor").asLong()).isEqualTo(999 + 1);
    assertThat(data.get(0).get("payable_minor").asLong()).isEqualTo(750);
    assertThat(data.get(0).get("accounts").get("card_receivables").asLong()).isEqualTo(750);
    assertThat(data.get(1).get("currency").asText()).isEqualTo("USD");
    assertThat(data.get(1).get("pending_minor").asLong()).isZero();
    assertThat(JSON.readTree(get(newMerchant().key(), "/v1/balances").body()).get("data"))
        .isEmpty();
  }

  @Test
  void thePrunerDeletesOnlyKeysOlderThanTheRetentionThroughTheApplicationRole() throws Exception {
    Merchant m = newMerchant();
    authorize(m, "key-1", 100);
    PaymentLedger ledger = new PaymentLedger(app, Clock.fixed(NOW, ZoneOffset.UTC));
    IdempotencyKeyPruner early = pruner(NOW.plus(IngestMain.IDEMPOTENCY_RETENTION), ledger);
    IdempotencyKeyPruner late =
        pruner(NOW.plus(IngestMain.IDEMPOTENCY_RETENTION).plusMillis(1), ledger);

    assertThat(early.runOnce()).isZero();
    assertThat(counts(m.id())).containsEntry("idempotency_keys", 1L);
    assertThat(late.runOnce()).isPositive();
    assertThat(counts(m.id())).containsEntry("idempotency_keys", 0L).containsEntry("payments", 1L);
  }

  @Test
  void movementMetricsAreCountedByRouteTemplate() throws Exception {
    Merchant m = newMerchant();
    String id = authorize(m, "key-1", 1999);
    postTo(m.key(), "cap", "/v1/payments/" + id + "/capture", null);

    String metrics = send(HttpRequest.newBuilder(URI.create(baseUrl + "/metrics")).GET()).body();

    assertThat(metrics)
        .contains("payments_movements_total{currency=\"EUR\",movement=\"capture\"}")
        .containsPattern(
            "http_server_requests_seconds_count\\{method=\"POST\",route=\"/v1/payments/\\{id\\}/capture\",status=\"200\"\\} [1-9]")
        .doesNotContain(id);
  }

  // --- rate limit, health, metrics, shutdown

  @Test
  void aMerchantOverItsRateLimitGets429WithRetryAfterAndOthersAreUnaffected() throws Exception {
    Merchant m = newMerchant();
    Merchant other = newMerchant();
    MutableClock clock = MutableClock.of(NOW, ZoneOffset.UTC);
    Javalin limited =
        startApi(
            new PaymentLedger(app, clock),
            (topic, event) -> new byte[] {0},
            clock,
            new IngestApi.Options(PaymentRequestParser.MAX_AMOUNT_MINOR, 0.5, 2),
            new InFlightRequests());
    String url = "http://127.0.0.1:" + limited.port();
    try {
      assertThat(get(url, m.key(), "/v1/balances").statusCode()).isEqualTo(200);
      assertThat(get(url, m.key(), "/v1/balances").statusCode()).isEqualTo(200);
      HttpResponse<String> refused = get(url, m.key(), "/v1/balances");

      assertProblem(refused, 429, "rate_limited", null);
      // One token per 2 s: the next one is 2 s away.
      assertThat(refused.headers().firstValue("Retry-After")).hasValue("2");
      assertThat(get(url, other.key(), "/v1/balances").statusCode()).isEqualTo(200);
      clock.add(Duration.ofMillis(1_999));
      assertThat(get(url, m.key(), "/v1/balances").statusCode()).isEqualTo(429);
      clock.add(Duration.ofMillis(1));
      assertThat(get(url, m.key(), "/v1/balances").statusCode()).isEqualTo(200);
    } finally {
      limited.stop();
    }
  }

  @Test
  void aRevokedApiKeyStopsWorkingWithinOneSecond() throws Exception {
    Merchant m = newMerchant();
    MutableClock clock = MutableClock.of(NOW, ZoneOffset.UTC);
    Javalin api =
        startApi(
            new PaymentLedger(app, clock),
            (topic, event) -> new byte[] {0},
            clock,
            IngestApi.Options.DEFAULT,
            new InFlightRequests());
    String url = "http://127.0.0.1:" + api.port();
    try {
      assertThat(get(url, m.key(), "/v1/balances").statusCode()).isEqualTo(200);
      admin.revokeApiKeys(m.id());
      // the documented revocation delay: the lookup cached 999 ms ago still answers
      clock.add(Duration.ofMillis(999));
      assertThat(get(url, m.key(), "/v1/balances").statusCode()).isEqualTo(200);
      clock.add(Duration.ofMillis(1));
      assertProblem(get(url, m.key(), "/v1/balances"), 401, "unauthorized", "Authorization");
    } finally {
      api.stop();
    }
  }

  @Test
  void livenessAndReadinessAnswerAndReadinessChecksTheSchema() throws Exception {
    HttpResponse<String> live =
        send(HttpRequest.newBuilder(URI.create(baseUrl + "/health/live")).GET());
    HttpResponse<String> ready =
        send(HttpRequest.newBuilder(URI.create(baseUrl + "/health/ready")).GET());

    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
    assertThat(JSON.readTree(ready.body()).get("status").asText()).isEqualTo("UP");
  }

  @Test
  void metricsHaveRouteTemplatesPaymentOutcomesAndThePool() throws Exception {
    Merchant m = newMerchant();
    post(m.key(), "key-1", BODY);
    post(m.key(), "key-1", BODY);
    post(m.key(), "key-2", BODY.replace("\"EUR\"", "\"EUX\""));

    String metrics = send(HttpRequest.newBuilder(URI.create(baseUrl + "/metrics")).GET()).body();

    assertThat(metrics)
        .containsPattern("payments_outcomes_total\\{outcome=\"authorized\"\\} [1-9]")
        .containsPattern("payments_outcomes_total\\{outcome=\"replayed\"\\} [1-9]")
        .containsPattern("payments_outcomes_total\\{outcome=\"rejected\"\\} [1-9]")
        .containsPattern(
            "http_server_requests_seconds_bucket\\{method=\"POST\",route=\"/v1/payments\",status=\"201\",le=")
        .contains("hikaricp_connections_active{pool=\"ledger\"}")
        .contains("hikaricp_connections_max{pool=\"ledger\"}");
  }

  @Test
  void aRequestInFlightWhenShutdownBeginsCompletesAndIsFullyWrittenWhileNewOnesAreRefused()
      throws Exception {
    Merchant m = newMerchant();
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    ConfluentWireFormat wire =
        new ConfluentWireFormat(new ConfluentRegistryClient(registry.confluentUrl()));
    CountDownLatch insideTransaction = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    HikariConfig poolConfig = new HikariConfig();
    poolConfig.setDataSource(db.app());
    poolConfig.setMaximumPoolSize(2);
    HikariDataSource pool = new HikariDataSource(poolConfig);
    InFlightRequests inFlight = new InFlightRequests();
    // The encoder runs inside the ledger transaction: holding it there holds the request mid-write.
    Javalin server =
        startApi(
            new PaymentLedger(pool, clock),
            (topic, event) -> {
              insideTransaction.countDown();
              try {
                release.await(60, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return wire.encode(topic, event);
            },
            clock,
            OPTIONS,
            inFlight);
    String url = "http://127.0.0.1:" + server.port();
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      Future<HttpResponse<String>> slow =
          threads.submit(
              () ->
                  send(
                      HttpRequest.newBuilder(URI.create(url + "/v1/payments"))
                          .header("Authorization", "Bearer " + m.key())
                          .header("Idempotency-Key", "key-1")
                          .header("Content-Type", "application/json")
                          .POST(HttpRequest.BodyPublishers.ofString(BODY))));
      assertThat(insideTransaction.await(60, TimeUnit.SECONDS)).isTrue();

      Future<?> stopping =
          threads.submit(
              () -> {
                IngestMain.stopGracefully(server, inFlight, Duration.ofSeconds(60), pool);
                return null;
              });
      await().atMost(Duration.ofSeconds(30)).until(inFlight::draining);
      HttpResponse<String> refused = get(url, m.key(), "/v1/balances");
      assertProblem(refused, 503, "shutting_down", null);
      assertThat(stopping.isDone()).isFalse();

      release.countDown();
      HttpResponse<String> completed = slow.get(60, TimeUnit.SECONDS);
      stopping.get(60, TimeUnit.SECONDS);

      assertThat(completed.statusCode()).as(completed.body()).isEqualTo(201);
      assertThat(counts(m.id()))
          .containsEntry("payments", 1L)
          .containsEntry("ledger_entries", 2L)
          .containsEntry("outbox", 1L)
          .containsEntry("idempotency_keys", 1L);
      assertThat(rows(m.id(), "SELECT response_status::text FROM ledger.idempotency_keys"))
          .containsExactly("201");
      assertThat(pool.isClosed()).isTrue();
    } finally {
      release.countDown();
      threads.shutdownNow();
      server.stop();
      pool.close();
    }
  }

  static Javalin startApi(
      PaymentLedger ledger,
      java.util.function.BiFunction<String, PaymentEvent, byte[]> encoder,
      Clock clock,
      IngestApi.Options options,
      InFlightRequests inFlight) {
    return IngestApi.create(
            ledger,
            encoder,
            new CardTokenizer(TOKENIZATION_KEY),
            VAULT,
            options,
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
            clock,
            inFlight)
        .start("127.0.0.1", 0);
  }

  static HttpResponse<String> get(String url, String apiKey, String path) throws Exception {
    return send(
        HttpRequest.newBuilder(URI.create(url + path))
            .header("Authorization", "Bearer " + apiKey)
            .GET());
  }

  // --- the OpenAPI document

  @Test
  void theOpenApiDocumentIsServedAsTheResource() throws Exception {
    HttpResponse<String> served =
        send(HttpRequest.newBuilder(URI.create(baseUrl + IngestApi.OPENAPI_PATH)).GET());

    assertThat(served.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(served.body())).isEqualTo(new OpenApiContract().document());
  }

  /**
   * Runs last: every real response of this class must be what the served document promises, and
   * every request's fate must agree with the document: one it allows is never refused as malformed
   * (400/415), one it forbids never succeeds or fails with a 5xx.
   */
  @Test
  @Order(Integer.MAX_VALUE)
  void everyExchangeOfThisClassConformsToTheOpenApiDocument() throws Exception {
    OpenApiContract contract = new OpenApiContract();
    List<String> problems = new ArrayList<>();
    java.util.Set<String> covered = new java.util.TreeSet<>();
    int allowed = 0;
    int forbidden = 0;
    for (HttpResponse<String> r : EXCHANGES) {
      String path = r.request().uri().getPath();
      if (contract.template(path).isEmpty() && r.statusCode() == 404) {
        continue; // an unknown route: by definition not in the document
      }
      String contentType = r.headers().firstValue("Content-Type").orElse(null);
      problems.addAll(
          contract.check(r.request().method(), path, r.statusCode(), contentType, r.body()));
      covered.add(
          r.request().method() + " " + contract.template(path).orElse(path) + " " + r.statusCode());
      List<String> requestProblems =
          contract.checkRequest(
              r.request().method(),
              path,
              r.request().uri().getRawQuery(),
              r.request().headers().map(),
              REQUEST_BODIES.getOrDefault(r, new byte[0]));
      String code =
          r.statusCode() >= 400 && r.body().startsWith("{")
              ? JSON.readTree(r.body()).path("code").asText(null)
              : null;
      OpenApiContract.disagreement(requestProblems, r.statusCode(), code)
          .ifPresent(
              d ->
                  problems.add(
                      r.request().method()
                          + " "
                          + r.request().uri()
                          + " -> "
                          + r.statusCode()
                          + ": "
                          + d));
      if (requestProblems.isEmpty()) {
        allowed++;
      } else {
        forbidden++;
      }
    }

    assertThat(problems).isEmpty();
    assertThat(allowed).as("requests the document allows").isGreaterThan(50);
    assertThat(forbidden).as("requests the document forbids").isGreaterThan(10);
    assertThat(covered)
        .contains(
            "POST /v1/payments 201",
            "POST /v1/payments 400",
            "POST /v1/payments 413",
            "POST /v1/payments 422",
            "POST /v1/tokenize 201",
            "POST /v1/payments/{id}/capture 200",
            "POST /v1/payments/{id}/refunds 200",
            "POST /v1/payments/{id}/cancel 200",
            "POST /v1/payments/{id}/capture 409",
            "GET /v1/payments 200",
            "GET /v1/payments/{id} 200",
            "GET /v1/payments/{id} 404",
            "GET /v1/balances 200",
            "GET /v1/balances 429",
            "GET /health/ready 200",
            "GET /metrics 200");
  }

  // --- helpers

  record Merchant(String id, String key) {}

  /** A merchant with an API key, holding {@link #PAN} in the vault as {@link #TOKEN}. */
  static Merchant newMerchant() {
    Merchant m = newMerchantWithoutCards();
    storeCard(m.id(), PAN, 12, 2030);
    return m;
  }

  static Merchant newMerchantWithoutCards() {
    String id = "m" + MERCHANTS.incrementAndGet();
    admin.createMerchant(id, "Merchant " + id);
    return new Merchant(id, admin.issueApiKey(id));
  }

  /**
   * Puts a card in the vault as the owner, encrypted like POST /v1/tokenize does, but without an
   * idempotency row, so tests that expect empty merchant tables still see them empty.
   */
  static String storeCard(String merchant, String pan, int expMonth, int expYear) {
    CardToken token = new CardTokenizer(TOKENIZATION_KEY).tokenize(pan);
    VaultCard card =
        VAULT.seal(
            merchant,
            token,
            new CardDetails(pan, expMonth, expYear),
            CardBrand.of(pan).orElse(null));
    try (Connection c = owner.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO vault.card (merchant_id, token, key_id, nonce, ciphertext, last4, brand, exp_month, exp_year,"
                    + " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, now(), now())")) {
      ps.setString(1, merchant);
      ps.setString(2, card.token());
      ps.setString(3, card.keyId());
      ps.setBytes(4, card.nonce());
      ps.setBytes(5, card.ciphertext());
      ps.setString(6, card.last4());
      ps.setString(7, card.brand());
      ps.setInt(8, card.expMonth());
      ps.setInt(9, card.expYear());
      ps.executeUpdate();
      return token.token();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
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

  static HttpResponse<String> tokenize(String apiKey, String idempotencyKey, String body)
      throws Exception {
    return postTo(apiKey, idempotencyKey, IngestApi.TOKENIZE_PATH, body);
  }

  static HttpResponse<String> post(String apiKey, String idempotencyKey, String body)
      throws Exception {
    return send(
        paymentRequest(apiKey, idempotencyKey).POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  /** A payment of amountMinor EUR; returns its id. */
  static String authorize(Merchant m, String idempotencyKey, long amountMinor) throws Exception {
    HttpResponse<String> created =
        post(m.key(), idempotencyKey, BODY.replace("1999", Long.toString(amountMinor)));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    return JSON.readTree(created.body()).get("id").asText();
  }

  /** POST to any path; a null body sends none (and no Content-Type). */
  static HttpResponse<String> postTo(String apiKey, String idempotencyKey, String path, String body)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(baseUrl + path))
            .header("Authorization", "Bearer " + apiKey);
    if (idempotencyKey != null) {
      b.header("Idempotency-Key", idempotencyKey);
    }
    if (body == null) {
      return send(b.POST(HttpRequest.BodyPublishers.noBody()));
    }
    return send(
        b.header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  static String amounts(HttpResponse<String> response) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode p = JSON.readTree(response.body());
    return p.get("status").asText()
        + " "
        + p.get("amount_minor").asLong()
        + "/"
        + p.get("captured_minor").asLong()
        + "/"
        + p.get("refunded_minor").asLong();
  }

  static List<String> ids(HttpResponse<String> response) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    List<String> ids = new ArrayList<>();
    JSON.readTree(response.body()).get("data").forEach(p -> ids.add(p.get("id").asText()));
    return ids;
  }

  static List<byte[]> payloads(String merchant, String type) throws SQLException {
    try (Connection c = owner.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT payload FROM ledger.outbox WHERE merchant_id = ? AND type = ?")) {
      ps.setString(1, merchant);
      ps.setString(2, type);
      List<byte[]> payloads = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          payloads.add(rs.getBytes(1));
        }
      }
      return payloads;
    }
  }

  static IdempotencyKeyPruner pruner(Instant now, PaymentLedger ledger) {
    return new IdempotencyKeyPruner(
        Clock.fixed(now, ZoneOffset.UTC),
        IngestMain.IDEMPOTENCY_RETENTION,
        IngestMain.PRUNE_BATCH_ROWS,
        IngestMain.PRUNE_MAX_BATCHES_PER_RUN,
        ledger::purgeIdempotencyKeys);
  }

  static HttpResponse<String> get(String apiKey, String path) throws Exception {
    return send(
        HttpRequest.newBuilder(URI.create(baseUrl + path))
            .header("Authorization", "Bearer " + apiKey)
            .GET());
  }

  /** Sends, and keeps the exchange for the OpenAPI check that runs last. */
  static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    HttpRequest built = request.timeout(Duration.ofSeconds(30)).build();
    HttpResponse<String> response = http.send(built, HttpResponse.BodyHandlers.ofString());
    REQUEST_BODIES.put(response, bodyOf(built));
    EXCHANGES.add(response);
    return response;
  }

  /** The bytes a request's body publisher sends (publishers here can be subscribed again). */
  static byte[] bodyOf(HttpRequest request) throws Exception {
    if (request.bodyPublisher().isEmpty()) {
      return new byte[0];
    }
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.util.concurrent.CompletableFuture<Void> done =
        new java.util.concurrent.CompletableFuture<>();
    request
        .bodyPublisher()
        .get()
        .subscribe(
            new java.util.concurrent.Flow.Subscriber<java.nio.ByteBuffer>() {
              @Override
              public void onSubscribe(java.util.concurrent.Flow.Subscription s) {
                s.request(Long.MAX_VALUE);
              }

              @Override
              public void onNext(java.nio.ByteBuffer b) {
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                out.write(bytes, 0, bytes.length);
              }

              @Override
              public void onError(Throwable t) {
                done.completeExceptionally(t);
              }

              @Override
              public void onComplete() {
                done.complete(null);
              }
            });
    done.get(10, java.util.concurrent.TimeUnit.SECONDS);
    return out.toByteArray();
  }

  static void assertProblem(HttpResponse<String> response, int status, String code, String field)
      throws Exception {
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
    try (Connection c = owner.getConnection();
        Statement s = c.createStatement()) {
      Map<String, Long> counts = new TreeMap<>();
      for (String table : MERCHANT_TABLES) {
        try (ResultSet rs =
            s.executeQuery(
                "SELECT count(*) FROM ledger."
                    + table
                    + " WHERE merchant_id = '"
                    + merchant
                    + "'")) {
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
    String scoped =
        sql.replaceFirst(
            "FROM ((ledger|vault)\\.\\w+)", "FROM $1 WHERE merchant_id = '" + merchant + "'");
    try (Connection c = owner.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(scoped)) {
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
