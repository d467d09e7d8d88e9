package io.settleflow.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.settleflow.avro.MismatchAlert;
import io.settleflow.avro.MismatchKind;
import io.settleflow.avro.ReconDeltas;
import io.settleflow.avro.ReconExplanation;
import io.settleflow.avro.ReconMatch;
import io.settleflow.embedded.KafkaBroker;
import io.settleflow.embedded.SchemaRegistryServer;
import io.settleflow.ledger.LedgerTestDatabase;
import io.settleflow.ledger.MerchantAdmin;
import io.settleflow.schemas.ConfluentRegistryClient;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.Topics;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.postgresql.ds.PGSimpleDataSource;
import org.threeten.extra.MutableClock;

/**
 * The console on real parts, one stack for the class: PostgreSQL 17 migrated by ledger-db (V5), a
 * KRaft broker, the schema registry; alerts published with a transactional producer as the Flink
 * job does; a real headless chromium for the page.
 */
@Tag("integration")
class FinanceConsoleIT {
  static final String USER = "finance.alice";
  static final String PASSWORD = "a-test-only-password";
  static final String CONSOLE_DB_PASSWORD = "test-only-console-role-password";
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final Duration WAIT = Duration.ofSeconds(60);
  static final Instant DETECTED = Instant.parse("2026-03-01T09:00:00Z");
  static final ObjectMapper JSON = new ObjectMapper();

  /** Only merchant hooli's alerts book themselves, so the other tests' alerts stay open. */
  static final String AUTO_POLICY =
      "{\"version\": 1, \"merchants\": {\"hooli\": {\"FEE_DEVIATION\": {\"EUR\": 500},"
          + " \"AMOUNT_MISMATCH\": {\"EUR\": 5}}}}";

  @TempDir static Path dir;
  static LedgerTestDatabase db;
  static KafkaBroker kafka;
  static SchemaRegistryServer registry;
  static ConfluentWireFormat wire;
  static ConsoleStore store;
  static ConsoleApi api;
  static KafkaAlertFeed feed;
  static KafkaProducer<String, byte[]> producer;
  static String base;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void startStack() {
    db = LedgerTestDatabase.start(dir.resolve("db"));
    ConsoleSchema.setRolePassword(db.owner(), CONSOLE_DB_PASSWORD);
    PGSimpleDataSource console = new PGSimpleDataSource();
    console.setURL(db.server().jdbcUrl(LedgerTestDatabase.DATABASE));
    console.setUser(ConsoleStore.ROLE);
    console.setPassword(CONSOLE_DB_PASSWORD);
    kafka = KafkaBroker.start(dir.resolve("kafka"), 0, 0, "384m");
    kafka.createTopics(List.of(Topics.RECON_MISMATCHES, Topics.RECON_MATCHES), 3, Set.of());
    registry = SchemaRegistryServer.start(dir.resolve("registry"), 0, false);
    wire = new ConfluentWireFormat(new ConfluentRegistryClient(registry.confluentUrl()));

    store = new ConsoleStore(console, Clock.systemUTC());
    assertThat(store.schemaReady()).isTrue();
    store.addUser(USER, new Passwords(new SecureRandom(), 4).hash(PASSWORD));
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    api =
        ConsoleApi.create(
            store,
            new SecureRandom(),
            Clock.systemUTC(),
            ConsoleApi.Options.DEFAULT,
            metrics,
            () -> feed != null && feed.healthy());
    feed =
        KafkaAlertFeed.start(
            kafka.bootstrapServers(),
            "console-it",
            wire,
            store,
            api::publish,
            AutoCompensation.parse(AUTO_POLICY),
            Clock.systemUTC());
    ConsoleMetrics.register(metrics, store, feed, api, Clock.systemUTC());
    api.javalin().start("127.0.0.1", 0);
    base = "http://127.0.0.1:" + api.javalin().port();

    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "console-it-" + UUID.randomUUID());
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    producer.initTransactions();
  }

  @AfterAll
  static void stopStack() {
    if (producer != null) producer.close();
    if (feed != null) feed.close();
    if (api != null) api.javalin().stop();
    if (registry != null) registry.close();
    if (kafka != null) kafka.close();
    if (db != null) db.close();
  }

  static MismatchAlert.Builder alert(String id) {
    return MismatchAlert.newBuilder()
        .setEventId(id)
        .setKind(MismatchKind.AMOUNT_MISMATCH)
        .setPaymentId("pay-" + id)
        .setMerchantId("acme")
        .setSettlementId("set-" + id)
        .setSource("adyen")
        .setExpectedAmountMinor(10_000L)
        .setActualAmountMinor(9_900L)
        .setCurrency("EUR")
        .setRule("amount@1")
        .setDetail("settled 99.00 for 100.00")
        .setDetectedAt(DETECTED);
  }

  /** One Kafka transaction, committed or aborted, as the reconciliation job writes. */
  static void publish(boolean commit, String topic, String key, SpecificRecord... records) {
    producer.beginTransaction();
    for (SpecificRecord r : records) {
      var unused = producer.send(new ProducerRecord<>(topic, key, wire.encode(topic, r)));
    }
    if (commit) {
      producer.commitTransaction();
    } else {
      producer.flush();
      producer.abortTransaction();
    }
  }

  static void publishAlert(MismatchAlert a) {
    publish(true, Topics.RECON_MISMATCHES, a.getEventId(), a);
  }

  static List<String[]> auditRows(String alertId) throws Exception {
    List<String[]> rows = new ArrayList<>();
    try (Connection c = db.owner().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT action, actor, coalesce(note, ''), status_after FROM finance.alert_audit"
                    + " WHERE alert_id = ? ORDER BY audit_id")) {
      ps.setString(1, alertId);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rows.add(
              new String[] {rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)});
        }
      }
    }
    return rows;
  }

  static String signIn() throws Exception {
    HttpResponse<String> r =
        post("/login", form(USER, PASSWORD), null, "application/x-www-form-urlencoded");
    assertThat(r.statusCode()).isEqualTo(303);
    String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(setCookie).contains("HttpOnly").contains("SameSite=Strict");
    return setCookie.substring(0, setCookie.indexOf(';'));
  }

  static String form(String user, String password) {
    return "username="
        + URLEncoder.encode(user, StandardCharsets.UTF_8)
        + "&password="
        + URLEncoder.encode(password, StandardCharsets.UTF_8);
  }

  static HttpResponse<String> get(String path, String cookie, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).GET();
    if (cookie != null) b.header("Cookie", cookie);
    if (headers.length > 0) b.headers(headers);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> post(String path, String body, String cookie, String type)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .header("Content-Type", type);
    if (cookie != null) b.header("Cookie", cookie);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void committedAlertsAreStoredOnceAndReplaysAndAbortsChangeNothing() throws Exception {
    publish(false, Topics.RECON_MISMATCHES, "aborted-1", alert("aborted-1").build());
    publishAlert(alert("replayed-1").build());
    publishAlert(alert("replayed-1").build());
    // a marker after both: once it is stored, everything before it has been read
    publishAlert(alert("marker-1").build());
    await().atMost(WAIT).until(() -> store.find("marker-1").isPresent());

    assertThat(store.find("aborted-1")).isEmpty();
    assertThat(store.find("replayed-1")).isPresent();
    assertThat(auditRows("replayed-1")).hasSize(1);
    assertThat(auditRows("replayed-1").get(0)[0]).isEqualTo("RECEIVED");
    Alert stored = store.find("replayed-1").orElseThrow();
    assertThat(stored.status()).isEqualTo(AlertStatus.OPEN);
    assertThat(stored.severity()).isEqualTo(AlertSeverity.LOW);
    assertThat(stored.differenceMinor()).isEqualTo(-100L);
  }

  @Test
  void signInIsSeparateFromMerchantApiKeys() throws Exception {
    new MerchantAdmin(db.owner(), Clock.systemUTC()).createMerchant("acme", "Acme");
    String merchantKey = new MerchantAdmin(db.owner(), Clock.systemUTC()).issueApiKey("acme");

    assertThat(get("/api/alerts", null).statusCode()).isEqualTo(401);
    assertThat(get("/api/alerts", null, "Authorization", "Bearer " + merchantKey).statusCode())
        .isEqualTo(401);
    assertThat(get("/api/alerts.csv", null, "Authorization", "Bearer " + merchantKey).statusCode())
        .isEqualTo(401);
    assertThat(get("/alerts", null, "Authorization", "Bearer " + merchantKey).statusCode())
        .isEqualTo(401);
    HttpResponse<String> page = get("/alerts", null);
    assertThat(page.statusCode()).isEqualTo(302);
    assertThat(page.headers().firstValue("Location")).hasValue("/login");

    HttpResponse<String> wrong =
        post("/login", form(USER, "not-the-password"), null, "application/x-www-form-urlencoded");
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.headers().firstValue("Set-Cookie")).isEmpty();
    assertThat(
            post("/login", form("nobody", PASSWORD), null, "application/x-www-form-urlencoded")
                .statusCode())
        .isEqualTo(401);

    String cookie = signIn();
    assertThat(get("/api/alerts", cookie).statusCode()).isEqualTo(200);
    assertThat(get("/api/me", cookie).body()).contains(USER);
    // a session does not make a merchant key acceptable
    assertThat(get("/api/alerts", cookie, "Authorization", "Bearer " + merchantKey).statusCode())
        .isEqualTo(401);
    assertThat(get("/health", null).statusCode()).isEqualTo(200);
    assertThat(get("/metrics", null).body())
        .contains("settleflow_console_open_alerts")
        .contains("settleflow_console_oldest_open_alert_age_seconds")
        .contains("settleflow_console_alerts_stored_total");

    HttpResponse<String> out = post("/logout", "", cookie, "application/x-www-form-urlencoded");
    assertThat(out.statusCode()).isEqualTo(303);
    assertThat(get("/api/alerts", cookie).statusCode()).isEqualTo(401);
  }

  @Test
  void filtersExportAndActionsWriteTheAuditTrail() throws Exception {
    Instant now = Instant.now();
    store.recordAlert(
        Alert.fromMismatch(alert("work-1").setMerchantId("globex").build(), now), new byte[1]);
    store.recordAlert(
        Alert.fromMismatch(
            alert("work-2")
                .setMerchantId("globex")
                .setKind(MismatchKind.ORPHAN_SETTLEMENT)
                .setSource("stripe")
                .setCurrency("JPY")
                .setExpectedAmountMinor(null)
                .setActualAmountMinor(5_000L)
                .setDetail("=HYPERLINK(\"x\")")
                .build(),
            now),
        new byte[1]);
    String cookie = signIn();

    JsonNode list = JSON.readTree(get("/api/alerts?merchant=globex", cookie).body());
    assertThat(list).hasSize(2);
    JsonNode orphans =
        JSON.readTree(get("/api/alerts?merchant=globex&kind=ORPHAN_SETTLEMENT", cookie).body());
    assertThat(orphans).hasSize(1);
    assertThat(orphans.get(0).get("actual").asText()).isEqualTo("5000 JPY");
    assertThat(orphans.get(0).get("processor").asText()).isEqualTo("stripe");
    assertThat(JSON.readTree(get("/api/alerts?merchant=globex&severity=HIGH", cookie).body()))
        .isEmpty();
    HttpResponse<String> bad = get("/api/alerts?severity=URGENT", cookie);
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(bad.body()).get("field").asText()).isEqualTo("severity");

    HttpResponse<String> csv = get("/api/alerts.csv?merchant=globex&processor=stripe", cookie);
    assertThat(csv.headers().firstValue("Content-Type").orElse("")).startsWith("text/csv");
    assertThat(csv.body().split("\r\n", -1)).hasSize(3);
    assertThat(csv.body()).contains(",JPY,,5000,,").contains("\"'=HYPERLINK(\"\"x\"\")\"");

    String json = "application/json";
    assertThat(post("/api/alerts/work-1/acknowledge", "{}", cookie, json).statusCode())
        .isEqualTo(200);
    assertThat(post("/api/alerts/work-1/acknowledge", "{}", cookie, json).statusCode())
        .isEqualTo(409);
    assertThat(
            post("/api/alerts/work-1/assign", "{\"assignee\":\"bob\"}", cookie, json).statusCode())
        .isEqualTo(200);
    HttpResponse<String> noNote = post("/api/alerts/work-1/resolve", "{}", cookie, json);
    assertThat(noNote.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(noNote.body()).get("field").asText()).isEqualTo("note");
    // a form post (what a cross-site page could send) is refused
    assertThat(
            post(
                    "/api/alerts/work-1/resolve",
                    "note=x",
                    cookie,
                    "application/x-www-form-urlencoded")
                .statusCode())
        .isEqualTo(415);
    assertThat(post("/api/alerts/nope/resolve", "{\"note\":\"x\"}", cookie, json).statusCode())
        .isEqualTo(404);
    HttpResponse<String> resolved =
        post("/api/alerts/work-1/resolve", "{\"note\":\"short-paid fee, booked\"}", cookie, json);
    assertThat(resolved.statusCode()).isEqualTo(200);
    JsonNode view = JSON.readTree(resolved.body());
    assertThat(view.get("status").asText()).isEqualTo("RESOLVED");
    assertThat(view.get("assignee").asText()).isEqualTo("bob");
    assertThat(view.get("audit")).hasSize(4);
    assertThat(
            post("/api/alerts/work-1/assign", "{\"assignee\":\"eve\"}", cookie, json).statusCode())
        .isEqualTo(409);

    List<String[]> audit = auditRows("work-1");
    assertThat(audit.stream().map(r -> r[0] + "/" + r[1] + "/" + r[3]).toList())
        .containsExactly(
            "RECEIVED/reconciliation/OPEN",
            "ACKNOWLEDGE/" + USER + "/ACKNOWLEDGED",
            "ASSIGN/" + USER + "/ACKNOWLEDGED",
            "RESOLVE/" + USER + "/RESOLVED");
    assertThat(audit.get(3)[2]).isEqualTo("short-paid fee, booked");
    // the trail is append-only, even for the owner
    try (Connection c = db.owner().getConnection()) {
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> c.createStatement().executeUpdate("DELETE FROM finance.alert_audit"))
          .hasMessageContaining("append-only");
    }
  }

  @Test
  void resolvingAnAmountMismatchBooksTheDifferenceOnceBalanced() throws Exception {
    UUID payment = UUID.randomUUID();
    try (Connection c = db.owner().getConnection();
        PreparedStatement m =
            c.prepareStatement(
                "INSERT INTO ledger.merchants (merchant_id, name) VALUES ('umbrella', 'Umbrella')"
                    + " ON CONFLICT DO NOTHING");
        PreparedStatement p =
            c.prepareStatement(
                "INSERT INTO ledger.payments (merchant_id, payment_id, status, amount_minor,"
                    + " captured_minor, currency, created_at, updated_at)"
                    + " VALUES ('umbrella', ?, 'CAPTURED', 10000, 10000, 'EUR', now(), now())")) {
      m.executeUpdate();
      p.setObject(1, payment);
      p.executeUpdate();
    }
    Instant now = Instant.now();
    store.recordAlert(
        Alert.fromMismatch(
            alert("comp-1").setMerchantId("umbrella").setPaymentId(payment.toString()).build(),
            now),
        new byte[1]);
    store.recordAlert(
        Alert.fromMismatch(
            alert("comp-2")
                .setMerchantId("umbrella")
                .setKind(MismatchKind.ORPHAN_SETTLEMENT)
                .setPaymentId(null)
                .build(),
            now),
        new byte[1]);
    String cookie = signIn();
    String json = "application/json";

    HttpResponse<String> orphan =
        post(
            "/api/alerts/comp-2/resolve",
            "{\"note\":\"x\",\"book_difference\":true}",
            cookie,
            json);
    assertThat(orphan.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(orphan.body()).get("field").asText()).isEqualTo("book_difference");
    assertThat(store.find("comp-2").orElseThrow().status()).isEqualTo(AlertStatus.OPEN);

    HttpResponse<String> booked =
        post(
            "/api/alerts/comp-1/resolve",
            "{\"note\":\"processor short-paid\",\"book_difference\":true}",
            cookie,
            json);
    assertThat(booked.statusCode()).isEqualTo(200);
    UUID tx = Compensation.txId("comp-1");
    assertThat(JSON.readTree(booked.body()).get("compensationTxId").asText())
        .isEqualTo(tx.toString());
    assertThat(
            post(
                    "/api/alerts/comp-1/resolve",
                    "{\"note\":\"again\",\"book_difference\":true}",
                    cookie,
                    json)
                .statusCode())
        .isEqualTo(409);

    List<String> entries = new ArrayList<>();
    try (Connection c = db.owner().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT e.account_code, e.amount_minor, t.kind, t.payment_id"
                    + " FROM ledger.ledger_entries e JOIN ledger.ledger_transactions t"
                    + " USING (merchant_id, tx_id) WHERE e.merchant_id = 'umbrella' AND e.tx_id = ?"
                    + " ORDER BY e.entry_id")) {
      ps.setObject(1, tx);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          assertThat(rs.getString(3)).isEqualTo("ADJUSTMENT");
          assertThat(rs.getObject(4)).isEqualTo(payment);
          entries.add(rs.getString(1) + " " + rs.getLong(2));
        }
      }
    }
    assertThat(entries).containsExactly("reconciliation_differences 100", "card_receivables -100");
    List<String[]> audit = auditRows("comp-1");
    assertThat(audit.get(audit.size() - 1)[2])
        .startsWith("processor short-paid [booked -1.00 EUR")
        .contains(tx.toString());
  }

  @Test
  void overviewDrawsMatchRatesFromBothTopics() throws Exception {
    ReconMatch match =
        ReconMatch.newBuilder()
            .setEventId("match-1")
            .setPaymentId("pay-m1")
            .setMerchantId("acme")
            .setSettlementId("set-m1")
            .setSource("worldpay")
            .setAmountMinor(500)
            .setCurrency("EUR")
            .setRule("exact@1")
            .setMatchedAt(DETECTED)
            .build();
    publish(true, Topics.RECON_MATCHES, "pay-m1", match);
    publish(true, Topics.RECON_MATCHES, "pay-m1", match);
    publishAlert(alert("wp-1").setSource("worldpay").build());
    await().atMost(WAIT).until(() -> store.find("wp-1").isPresent());
    await()
        .atMost(WAIT)
        .until(
            () ->
                store.matchRates().stream()
                    .anyMatch(r -> r.processor().equals("worldpay") && r.matched() == 1));
    String cookie = signIn();
    String page = get("/overview", cookie).body();
    assertThat(page).contains("worldpay 2026-03-01").contains("50.0 % (1/2)");
    assertThat(page).contains("Open mismatches by kind").contains("Open mismatches by age");
  }

  @Test
  void serverSentEventsCarryNewAlerts() throws Exception {
    String cookie = signIn();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(base + ConsoleApi.EVENTS_PATH))
            .version(HttpClient.Version.HTTP_1_1)
            .header("Accept", "text/event-stream")
            .header("Cookie", cookie)
            .GET()
            .build();
    HttpResponse<InputStream> response =
        http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(200);
    List<String> lines = new CopyOnWriteArrayList<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  lines.add(line);
                }
              } catch (java.io.IOException e) {
                // the test closes the stream
              }
            },
            "sse-reader");
    reader.setDaemon(true);
    reader.start();
    await()
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(lines).anyMatch(l -> l.equals("event: ready")));
    publishAlert(alert("sse-1").build());
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> assertThat(lines).anyMatch(l -> l.startsWith("data:") && l.contains("sse-1")));
    response.body().close();
  }

  @Test
  void aFinanceUserWatchesAnAlertArriveAndResolvesItInTheBrowser() throws Exception {
    Assumptions.assumeTrue(
        Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "needs Debian's chromium and chromium-driver (.ci/run installs them)");
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER.toFile())
            .usingAnyFreePort()
            .build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--user-data-dir=" + Files.createTempDirectory(dir, "chromium"));
    WebDriver browser = new ChromeDriver(service, options);
    try {
      browser.get(base + "/alerts");
      assertThat(browser.getCurrentUrl()).endsWith("/login");
      browser.findElement(By.id("username")).sendKeys(USER);
      browser.findElement(By.id("password")).sendKeys(PASSWORD);
      browser.findElement(By.id("sign-in")).click();
      await()
          .atMost(WAIT)
          .ignoreExceptions()
          .until(() -> browser.getCurrentUrl().endsWith("/alerts"));
      await()
          .atMost(WAIT)
          .ignoreExceptions()
          .until(() -> browser.findElement(By.id("live")).getText().equals("live"));
      JavascriptExecutor js = (JavascriptExecutor) browser;
      js.executeScript("window.sameDocument = 'not reloaded';");

      publishAlert(alert("browser-1").setMerchantId("initech").build());

      By row = By.id("alert-browser-1");
      await().atMost(WAIT).ignoreExceptions().until(() -> !browser.findElements(row).isEmpty());
      assertThat(js.executeScript("return window.sameDocument;")).isEqualTo("not reloaded");
      WebElement tr = browser.findElement(row);
      assertThat(tr.findElement(By.className("col-expected")).getText()).isEqualTo("100.00 EUR");
      assertThat(tr.findElement(By.className("col-actual")).getText()).isEqualTo("99.00 EUR");
      assertThat(tr.findElement(By.className("col-status")).getText()).isEqualTo("OPEN");

      tr.click();
      await()
          .atMost(WAIT)
          .ignoreExceptions()
          .until(() -> browser.findElement(By.id("detail-alert")).getText().equals("browser-1"));
      browser.findElement(By.id("note")).sendKeys("processor fee, booked to differences");
      browser.findElement(By.id("btn-resolve")).click();
      await()
          .atMost(WAIT)
          .ignoreExceptions()
          .until(
              () ->
                  browser
                      .findElement(By.cssSelector("#alert-browser-1 .col-status"))
                      .getText()
                      .equals("RESOLVED"));
      await()
          .atMost(WAIT)
          .ignoreExceptions()
          .until(
              () ->
                  browser.findElements(By.cssSelector("#audit li[data-action='RESOLVE']")).size()
                      == 1);
      assertThat(js.executeScript("return window.sameDocument;")).isEqualTo("not reloaded");
    } finally {
      browser.quit();
    }

    List<String[]> audit = auditRows("browser-1");
    assertThat(audit).hasSize(2);
    assertThat(audit.get(1))
        .containsExactly("RESOLVE", USER, "processor fee, booked to differences", "RESOLVED");
  }

  static UUID ledgerPayment(String merchant) throws Exception {
    UUID payment = UUID.randomUUID();
    try (Connection c = db.owner().getConnection();
        PreparedStatement m =
            c.prepareStatement(
                "INSERT INTO ledger.merchants (merchant_id, name) VALUES (?, ?)"
                    + " ON CONFLICT DO NOTHING");
        PreparedStatement p =
            c.prepareStatement(
                "INSERT INTO ledger.payments (merchant_id, payment_id, status, amount_minor,"
                    + " captured_minor, currency, created_at, updated_at)"
                    + " VALUES (?, ?, 'CAPTURED', 10000, 10000, 'EUR', now(), now())")) {
      m.setString(1, merchant);
      m.setString(2, merchant);
      m.executeUpdate();
      p.setString(1, merchant);
      p.setObject(2, payment);
      p.executeUpdate();
    }
    return payment;
  }

  static List<String> bookedEntries(String merchant, UUID tx) throws Exception {
    List<String> entries = new ArrayList<>();
    try (Connection c = db.owner().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT e.account_code, e.amount_minor, t.kind"
                    + " FROM ledger.ledger_entries e JOIN ledger.ledger_transactions t"
                    + " USING (merchant_id, tx_id) WHERE e.merchant_id = ? AND e.tx_id = ?"
                    + " ORDER BY e.entry_id")) {
      ps.setString(1, merchant);
      ps.setObject(2, tx);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          entries.add(rs.getString(3) + " " + rs.getString(1) + " " + rs.getLong(2));
        }
      }
    }
    return entries;
  }

  static MismatchAlert feeDeviation(String id, String payment, long feeDeltaMinor) {
    return alert(id)
        .setKind(MismatchKind.FEE_DEVIATION)
        .setMerchantId("hooli")
        .setPaymentId(payment)
        .setActualAmountMinor(10_000L)
        .setRule("fee-schedule@1")
        .setDetail("fee 290 vs 250")
        .setExplanation(
            ReconExplanation.newBuilder()
                .setCriteria(List.of())
                .setDeltas(ReconDeltas.newBuilder().setFeeMinor(feeDeltaMinor).build())
                .build())
        .build();
  }

  @Test
  void configuredFeeDeviationsBookThemselvesOnceAcrossReplays() throws Exception {
    UUID payment = ledgerPayment("hooli");
    MismatchAlert fee = feeDeviation("auto-fee-1", payment.toString(), 40);
    publishAlert(fee);
    publishAlert(fee); // redelivered, as after a crash before the offset commit
    publishAlert(feeDeviation("auto-fee-over", payment.toString(), 501));
    publishAlert(feeDeviation("auto-fee-no-payment", UUID.randomUUID().toString(), 40));
    publishAlert(alert("auto-marker").setMerchantId("hooli").build());
    await().atMost(WAIT).until(() -> store.find("auto-marker").isPresent());

    UUID tx = Compensation.txId("auto-fee-1");
    Alert booked = store.find("auto-fee-1").orElseThrow();
    assertThat(booked.status()).isEqualTo(AlertStatus.RESOLVED);
    assertThat(booked.compensationTxId()).isEqualTo(tx.toString());
    assertThat(bookedEntries("hooli", tx))
        .containsExactly("ADJUSTMENT fees_difference 40", "ADJUSTMENT card_receivables -40");
    List<String[]> audit = auditRows("auto-fee-1");
    assertThat(audit.stream().map(r -> r[0] + "/" + r[1] + "/" + r[3]).toList())
        .containsExactly(
            "RECEIVED/reconciliation/OPEN", "RESOLVE/system:auto-compensation/RESOLVED");
    assertThat(audit.get(1)[2])
        .startsWith("compensated automatically: fee delta 0.40 EUR within the threshold 5.00 EUR")
        .contains("fees_difference")
        .contains(tx.toString());

    // a replay straight into the store (a restarted console reading from an old offset)
    assertThat(
            store.receiveAlert(
                Alert.fromMismatch(fee, Instant.now()),
                new byte[1],
                AutoCompensation.decide(
                    AutoCompensation.parse(AUTO_POLICY),
                    Alert.fromMismatch(fee, Instant.now()),
                    40L)))
        .isEmpty();
    assertThat(bookedEntries("hooli", tx)).hasSize(2);
    assertThat(auditRows("auto-fee-1")).hasSize(2);
    // and finance cannot book it a second time by hand
    assertThat(
            post(
                    "/api/alerts/auto-fee-1/resolve",
                    "{\"note\":\"again\",\"book_difference\":true}",
                    signIn(),
                    "application/json")
                .statusCode())
        .isEqualTo(409);

    // over the threshold: left open, the reason on its RECEIVED row, nothing booked
    Alert over = store.find("auto-fee-over").orElseThrow();
    assertThat(over.status()).isEqualTo(AlertStatus.OPEN);
    assertThat(over.compensationTxId()).isNull();
    assertThat(auditRows("auto-fee-over").get(0)[2])
        .isEqualTo(
            "auto-compensation not applied: fee delta 5.01 EUR is over the threshold 5.00 EUR"
                + " for hooli");
    assertThat(bookedEntries("hooli", Compensation.txId("auto-fee-over"))).isEmpty();
    // the ledger refuses (no such payment): left open with the reason, nothing half-booked
    Alert orphaned = store.find("auto-fee-no-payment").orElseThrow();
    assertThat(orphaned.status()).isEqualTo(AlertStatus.OPEN);
    assertThat(auditRows("auto-fee-no-payment")).hasSize(1);
    assertThat(auditRows("auto-fee-no-payment").get(0)[2])
        .startsWith("auto-compensation not applied: book_difference: payment")
        .endsWith("is not in the ledger");
    assertThat(bookedEntries("hooli", Compensation.txId("auto-fee-no-payment"))).isEmpty();
    assertThat(get("/metrics", null).body())
        .contains("settleflow_console_alerts_auto_compensated_total 1.0");
  }

  @Test
  void failedSignInsBackOffWithRetryAfterThatGrows() throws Exception {
    String user = "finance.throttled";
    String password = "another-test-only-password";
    store.addUser(user, new Passwords(new SecureRandom(), 4).hash(password));
    MutableClock clock = MutableClock.of(Instant.now(), java.time.ZoneOffset.UTC);
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ConsoleApi throttled =
        ConsoleApi.create(
            store, new SecureRandom(), clock, ConsoleApi.Options.DEFAULT, metrics, () -> true);
    throttled.javalin().start("127.0.0.1", 0);
    String url = "http://127.0.0.1:" + throttled.javalin().port() + "/login";
    try {
      java.util.function.Function<String, HttpResponse<String>> login =
          pw -> {
            try {
              return http.send(
                  HttpRequest.newBuilder(URI.create(url))
                      .POST(HttpRequest.BodyPublishers.ofString(form(user, pw)))
                      .header("Content-Type", "application/x-www-form-urlencoded")
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          };
      for (int i = 0; i < 5; i++) {
        assertThat(login.apply("wrong-password-" + i).statusCode()).isEqualTo(401);
      }
      // locked: even the right password waits, and says how long
      HttpResponse<String> locked = login.apply(password);
      assertThat(locked.statusCode()).isEqualTo(429);
      assertThat(locked.headers().firstValue("Retry-After")).hasValue("30");
      assertThat(locked.headers().firstValue("Set-Cookie")).isEmpty();
      assertThat(locked.body()).contains("Too many failed sign-ins");

      clock.add(Duration.ofSeconds(31));
      assertThat(login.apply("wrong-again").statusCode()).isEqualTo(401);
      assertThat(login.apply(password).headers().firstValue("Retry-After")).hasValue("60");

      clock.add(Duration.ofSeconds(61));
      assertThat(login.apply(password).statusCode()).isEqualTo(303);
      assertThat(metrics.scrape())
          .contains("settleflow_console_logins_failed_total 6.0")
          .contains("settleflow_console_logins_throttled_total 2.0")
          .contains("settleflow_console_login_lockouts 0.0");
    } finally {
      throttled.javalin().stop();
    }
  }
}
