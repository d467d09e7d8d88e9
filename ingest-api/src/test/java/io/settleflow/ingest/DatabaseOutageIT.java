package io.settleflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.settleflow.embedded.PostgresServer;
import io.settleflow.ledger.LedgerSchema;
import io.settleflow.ledger.LedgerTestDatabase;
import io.settleflow.ledger.MerchantAdmin;
import io.settleflow.ledger.PaymentLedger;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.InMemorySchemaRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL goes down under a running API (issue 10): payments are answered 503 {@code
 * database_unavailable} with {@code Retry-After} within a second, nothing is half-written, and the
 * API serves again by itself once the database is back, with the pool as {@link IngestMain}
 * configures it.
 */
@Tag("integration")
class DatabaseOutageIT {
  static final String TOKENIZATION_KEY = "test-only-tokenization-key-0123456789";
  static final String CARD_BODY =
      "{\"card\": {\"number\": \"4242424242424242\", \"exp_month\": 12, \"exp_year\": 2035}}";

  /** Issue 10: "answers 503 with Retry-After within a second". */
  static final Duration MAX_ANSWER = Duration.ofSeconds(1);

  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  static final String APP_PASSWORD = "test-only-app-role-password";

  @TempDir static Path dir;
  static PostgresServer postgres;
  static PostgresServer restarted;
  static HikariDataSource pool;
  static Javalin api;
  static String baseUrl;
  static String apiKey;

  @BeforeAll
  static void start() {
    // Kept data (unlike LedgerTestDatabase), so the restarted server finds the ledger again.
    postgres = PostgresServer.start(dir.resolve("pg"), 0, true, dir.resolve("pg.log"));
    postgres.createDatabaseIfMissing(LedgerTestDatabase.DATABASE);
    LedgerSchema.migrate(postgres.superuser(LedgerTestDatabase.DATABASE));
    LedgerSchema.setAppRolePassword(postgres.superuser(LedgerTestDatabase.DATABASE), APP_PASSWORD);
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    pool =
        new HikariDataSource(
            IngestMain.ledgerPool(
                postgres.jdbcUrl(LedgerTestDatabase.DATABASE),
                LedgerSchema.APP_ROLE,
                APP_PASSWORD,
                4,
                metrics));
    MerchantAdmin admin =
        new MerchantAdmin(postgres.superuser(LedgerTestDatabase.DATABASE), Clock.systemUTC());
    admin.createMerchant("outage", "Outage merchant");
    apiKey = admin.issueApiKey("outage");
    ConfluentWireFormat wire = new ConfluentWireFormat(new InMemorySchemaRegistry());
    api =
        IngestApi.create(
                new PaymentLedger(pool, Clock.systemUTC()),
                wire::encode,
                new CardTokenizer(TOKENIZATION_KEY),
                CardVault.fromConfig(CardVaultTest.newKey(), new SecureRandom()),
                IngestApi.Options.DEFAULT,
                metrics,
                Clock.systemUTC())
            .start("127.0.0.1", 0);
    baseUrl = "http://127.0.0.1:" + api.port();
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.stop();
    }
    if (pool != null) {
      pool.close();
    }
    if (restarted != null) {
      restarted.close(); // the first server was closed when it was stopped
    } else if (postgres != null) {
      postgres.close();
    }
  }

  @Test
  void paymentsAreRefusedQuicklyWhileTheDatabaseIsDownAndServedAgainWhenItIsBack()
      throws Exception {
    HttpResponse<String> tokenized = post("/v1/tokenize", "card-1", CARD_BODY);
    assertThat(tokenized.statusCode()).isEqualTo(201);
    String body =
        "{\"amount_minor\": 1999, \"currency\": \"EUR\", \"card_token\": \""
            + JSON.readTree(tokenized.body()).get("token").asText()
            + "\"}";
    assertThat(post("/v1/payments", "before", body).statusCode()).isEqualTo(201);

    int port = postgres.port();
    postgres.stopImmediately();

    // The first request finds a pooled connection that is now dead; the next ones find none and
    // wait for the pool's connection timeout. Each is answered 503 in time, none hangs.
    for (int attempt = 0; attempt < 3; attempt++) {
      long start = System.nanoTime();
      HttpResponse<String> refused = post("/v1/payments", "during", body);
      Duration took = Duration.ofNanos(System.nanoTime() - start);

      assertThat(refused.statusCode()).as("attempt %d: %s", attempt, refused.body()).isEqualTo(503);
      JsonNode problem = JSON.readTree(refused.body());
      assertThat(problem.get("code").asText()).isEqualTo("database_unavailable");
      assertThat(refused.headers().firstValue("Retry-After")).contains("1");
      assertThat(refused.headers().firstValue("Content-Type"))
          .hasValueSatisfying(t -> assertThat(t).startsWith(IngestApi.PROBLEM_JSON));
      assertThat(took).as("attempt %d answered after %s", attempt, took).isLessThan(MAX_ANSWER);
    }
    HttpResponse<String> health = get("/health");
    assertThat(health.statusCode()).isEqualTo(503);

    restarted =
        PostgresServer.start(dir.resolve("pg"), port, true, dir.resolve("pg-restarted.log"));

    // No restart of the API: the pool reconnects, and the key of the refused request was never
    // stored (its transaction never committed), so the merchant's retry with it succeeds.
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> assertThat(post("/v1/payments", "during", body).statusCode()).isEqualTo(201));
    assertThat(get("/health").statusCode()).isEqualTo(200);
    // Exactly the two committed payments, each with its key and balanced entries; nothing else.
    assertThat(count("SELECT count(*) FROM ledger.payments")).isEqualTo(2);
    assertThat(count("SELECT count(*) FROM ledger.ledger_entries")).isEqualTo(4);
    assertThat(count("SELECT count(*) FROM ledger.outbox")).isEqualTo(2);
    assertThat(
            count(
                "SELECT count(*) FROM ledger.idempotency_keys WHERE idempotency_key IN"
                    + " ('before', 'during') AND response_status = 201"))
        .isEqualTo(2);
  }

  static long count(String sql) throws Exception {
    try (Connection c = restarted.superuser(LedgerTestDatabase.DATABASE).getConnection();
        PreparedStatement ps = c.prepareStatement(sql);
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  static HttpResponse<String> post(String path, String idempotencyKey, String body)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(baseUrl + path))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + apiKey)
            .header("Idempotency-Key", idempotencyKey)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
