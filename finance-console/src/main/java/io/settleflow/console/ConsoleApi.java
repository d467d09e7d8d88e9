package io.settleflow.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.sse.SseClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console's web app as a Javalin app built from its dependencies ({@link ConsoleMain} wires the
 * real ones; tests start it on port 0). Finance users sign in with a username and password and get
 * an HttpOnly, SameSite=Strict session cookie; merchant API keys open nothing here (401). New and
 * changed alerts reach open pages as server-sent events.
 */
public final class ConsoleApi {
  public static final String SESSION_COOKIE = "settleflow_console_session";
  public static final Duration DEFAULT_SESSION_TTL = Duration.ofHours(8);
  public static final String EVENTS_PATH = "/api/events";
  public static final String ALERT_EVENT = "alert";

  /** Request bodies (sign-in forms, actions) above this are refused. */
  public static final int MAX_BODY_BYTES = 16 * 1024;

  /** At most this many browsers are pushed to at once; more get 503. */
  public static final int MAX_LIVE_CLIENTS = 200;

  private static final Logger log = LoggerFactory.getLogger(ConsoleApi.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> PUBLIC_PATHS = Set.of("/login", "/health", "/metrics");
  private static final String USER = "console.user";
  private static final String TOKEN_HASH = "console.tokenHash";

  private final ConsoleStore store;
  private final SecureRandom random;
  private final Clock clock;
  private final Duration sessionTtl;
  private final boolean secureCookie;
  private final String dummyHash;
  private final Set<SseClient> liveClients = new CopyOnWriteArraySet<>();
  private final Counter loginsFailed;
  private final Counter loginsThrottled;
  private final LoginBackoff loginBackoff;
  private final String clientIpHeader;
  private final Counter alertsPushed;
  private final Map<String, String> resources;
  private Javalin app;

  /**
   * Tunables.
   *
   * @param secureCookie mark the cookie Secure (behind TLS in production; off on loopback)
   * @param clientIpHeader the header a trusted proxy puts the client's address in (its first value
   *     counts for sign-in throttling), or null to use the connection's address
   */
  public record Options(Duration sessionTtl, boolean secureCookie, String clientIpHeader) {
    public static final Options DEFAULT = new Options(DEFAULT_SESSION_TTL, false);

    public Options(Duration sessionTtl, boolean secureCookie) {
      this(sessionTtl, secureCookie, null);
    }
  }

  private ConsoleApi(
      ConsoleStore store,
      SecureRandom random,
      Clock clock,
      Options options,
      PrometheusMeterRegistry metrics,
      LoginBackoff loginBackoff) {
    this.store = store;
    this.loginBackoff = loginBackoff;
    this.clientIpHeader = options.clientIpHeader();
    this.random = random;
    this.clock = clock;
    this.sessionTtl = options.sessionTtl();
    this.secureCookie = options.secureCookie();
    // an unknown username costs as much as a wrong password: no user enumeration by timing
    this.dummyHash = new Passwords(random, Passwords.DEFAULT_COST).hash("not-a-real-password!");
    this.loginsFailed =
        Counter.builder("settleflow_console_logins_failed")
            .description("sign-ins refused for an unknown user or a wrong password")
            .register(metrics);
    this.loginsThrottled =
        Counter.builder("settleflow_console_logins_throttled")
            .description("sign-ins refused with 429 while the user or source backs off")
            .register(metrics);
    io.micrometer.core.instrument.Gauge.builder(
            "settleflow_console_login_lockouts", loginBackoff, b -> b.lockedKeys(clock.instant()))
        .description("usernames and source addresses currently locked out of signing in")
        .register(metrics);
    this.alertsPushed = Counter.builder("settleflow_console_alerts_pushed").register(metrics);
    this.resources =
        Map.of(
            "login", resource("login.html"),
            "alerts", resource("alerts.html"),
            "overview", resource("overview.html"),
            "js", resource("console.js"),
            "css", resource("console.css"));
  }

  /**
   * The app, not started.
   *
   * @param ready whether the console can serve (database and alert feed), for {@code /health}
   */
  public static ConsoleApi create(
      ConsoleStore store,
      SecureRandom random,
      Clock clock,
      Options options,
      PrometheusMeterRegistry metrics,
      BooleanSupplier ready) {
    ConsoleApi api = new ConsoleApi(store, random, clock, options, metrics, new LoginBackoff());
    Javalin app =
        Javalin.create(
            config -> {
              config.showJavalinBanner = false;
              config.http.maxRequestSize = MAX_BODY_BYTES;
            });
    app.before(api::authenticate);
    app.exception(ConsoleInputException.class, (e, ctx) -> api.inputError(ctx, e));
    app.get(
        "/health",
        ctx -> {
          boolean up = ready.getAsBoolean();
          ctx.status(up ? 200 : 503)
              .contentType("application/json")
              .result("{\"status\":\"" + (up ? "UP" : "DOWN") + "\"}");
        });
    app.get(
        "/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4").result(metrics.scrape()));
    app.get("/static/console.js", ctx -> api.serve(ctx, "js", "text/javascript"));
    app.get("/static/console.css", ctx -> api.serve(ctx, "css", "text/css"));
    app.get("/login", ctx -> api.loginPage(ctx, ""));
    app.post("/login", api::login);
    app.post("/logout", api::logout);
    app.get("/", ctx -> ctx.redirect("/alerts"));
    app.get("/alerts", ctx -> api.page(ctx, "alerts"));
    app.get("/overview", api::overview);
    app.get("/api/me", ctx -> ctx.json(Map.of("username", (String) ctx.attribute(USER))));
    app.get("/api/alerts", api::listAlerts);
    app.get("/api/alerts.csv", api::exportCsv);
    app.get("/api/alerts/{id}", api::getAlert);
    app.post("/api/alerts/{id}/{action}", api::act);
    app.sse(EVENTS_PATH, api::connect);
    api.app = app;
    return api;
  }

  public Javalin javalin() {
    return app;
  }

  /** Browsers currently listening for alerts. */
  public int liveClients() {
    return liveClients.size();
  }

  /** Pushes the alert as it now stands to every open page. */
  public void publish(Alert alert) {
    String json = toJson(AlertView.of(alert, List.of()));
    List<SseClient> gone = new java.util.ArrayList<>();
    for (SseClient client : liveClients) {
      try {
        client.sendEvent(ALERT_EVENT, json);
      } catch (RuntimeException e) {
        log.debug("dropping a live client that cannot be written to", e);
        gone.add(client);
      }
    }
    gone.forEach(liveClients::remove);
    alertsPushed.increment();
  }

  private void authenticate(Context ctx) {
    String path = ctx.path();
    if (PUBLIC_PATHS.contains(path) || path.startsWith("/static/")) {
      return;
    }
    // A merchant's API key is never a way in, whatever else the request carries.
    if (ctx.header("Authorization") != null || ctx.header("X-Api-Key") != null) {
      refuse(ctx, "merchant API keys cannot open the finance console; sign in at /login");
      return;
    }
    String token = ctx.cookie(SESSION_COOKIE);
    Optional<String> user = Optional.empty();
    byte[] hash = null;
    if (SessionTokens.wellFormed(token)) {
      hash = SessionTokens.hash(token);
      user = store.sessionUser(hash);
    }
    if (user.isEmpty()) {
      if (path.startsWith("/api/")) {
        refuse(ctx, "sign in at /login");
      } else {
        ctx.redirect("/login");
        ctx.skipRemainingHandlers();
      }
      return;
    }
    ctx.attribute(USER, user.get());
    ctx.attribute(TOKEN_HASH, hash);
  }

  private static void refuse(Context ctx, String message) {
    ctx.status(401)
        .header("WWW-Authenticate", "Cookie realm=\"finance console\"")
        .json(Map.of("error", "unauthorized", "message", message));
    ctx.skipRemainingHandlers();
  }

  private void login(Context ctx) {
    String username = Optional.ofNullable(ctx.formParam("username")).orElse("").strip();
    String password = Optional.ofNullable(ctx.formParam("password")).orElse("");
    String source = clientAddress(ctx);
    Optional<Duration> wait = loginBackoff.retryAfter(username, source, clock.instant());
    if (wait.isPresent()) {
      loginsThrottled.increment();
      long seconds = Math.max(1, (wait.get().toMillis() + 999) / 1000);
      ctx.status(429).header("Retry-After", Long.toString(seconds));
      loginPage(ctx, "Too many failed sign-ins. Try again in " + seconds + " s.");
      return;
    }
    Optional<String> stored =
        Passwords.USERNAME.matcher(username).matches()
            ? store.passwordHash(username)
            : Optional.empty();
    boolean ok = Passwords.matches(password, stored.orElse(dummyHash)) && stored.isPresent();
    if (!ok) {
      loginsFailed.increment();
      loginBackoff.failed(username, source, clock.instant());
      ctx.status(401);
      loginPage(ctx, "Unknown user or wrong password.");
      return;
    }
    loginBackoff.succeeded(username);
    String token = SessionTokens.newToken(random);
    store.createSession(SessionTokens.hash(token), username, clock.instant().plus(sessionTtl));
    ctx.header("Set-Cookie", cookie(token, sessionTtl.toSeconds()));
    ctx.redirect("/alerts", io.javalin.http.HttpStatus.SEE_OTHER);
  }

  private String clientAddress(Context ctx) {
    String forwarded = clientIpHeader == null ? null : ctx.header(clientIpHeader);
    if (forwarded != null && !forwarded.isBlank()) {
      return forwarded.split(",", -1)[0].strip();
    }
    return ctx.ip();
  }

  private void logout(Context ctx) {
    byte[] hash = ctx.attribute(TOKEN_HASH);
    if (hash != null) {
      store.deleteSession(hash);
    }
    ctx.header("Set-Cookie", cookie("", 0));
    ctx.redirect("/login", io.javalin.http.HttpStatus.SEE_OTHER);
  }

  private String cookie(String value, long maxAgeSeconds) {
    return SESSION_COOKIE
        + "="
        + value
        + "; Path=/; Max-Age="
        + maxAgeSeconds
        + "; HttpOnly; SameSite=Strict"
        + (secureCookie ? "; Secure" : "");
  }

  private void loginPage(Context ctx, String error) {
    ctx.contentType("text/html; charset=utf-8")
        .result(resources.get("login").replace("{{error}}", SvgBarChart.escape(error)));
  }

  private void page(Context ctx, String name) {
    ctx.contentType("text/html; charset=utf-8")
        .result(
            resources
                .get(name)
                .replace("{{user}}", SvgBarChart.escape((String) ctx.attribute(USER))));
  }

  private void serve(Context ctx, String name, String type) {
    ctx.contentType(type + "; charset=utf-8").result(resources.get(name));
  }

  private void overview(Context ctx) {
    String html =
        resources
            .get("overview")
            .replace("{{user}}", SvgBarChart.escape((String) ctx.attribute(USER)))
            .replace("{{matchRates}}", OverviewCharts.matchRates(store.matchRates()))
            .replace("{{openByKind}}", OverviewCharts.openByKind(store.openByKind()))
            .replace(
                "{{openByAge}}", OverviewCharts.openByAge(store.openDetectedAt(), clock.instant()));
    ctx.contentType("text/html; charset=utf-8").result(html);
  }

  private void listAlerts(Context ctx) {
    AlertFilter filter = AlertFilter.parse(ctx::queryParam);
    List<AlertView> views =
        store.list(filter).stream().map(a -> AlertView.of(a, List.of())).toList();
    ctx.contentType("application/json").result(toJson(views));
  }

  private void exportCsv(Context ctx) {
    AlertFilter filter = AlertFilter.parse(ctx::queryParam);
    if (ctx.queryParam("limit") == null) {
      filter = filter.withLimit(AlertFilter.MAX_LIMIT);
    }
    StringBuilder csv = new StringBuilder(AlertCsv.header());
    for (Alert a : store.list(filter)) {
      csv.append(AlertCsv.line(a));
    }
    ctx.contentType("text/csv; charset=utf-8")
        .header("Content-Disposition", "attachment; filename=\"mismatch-alerts.csv\"")
        .result(csv.toString());
  }

  private void getAlert(Context ctx) {
    String id = ctx.pathParam("id");
    Optional<Alert> alert = store.find(id);
    if (alert.isEmpty()) {
      notFound(ctx, id);
      return;
    }
    ctx.contentType("application/json").result(toJson(AlertView.of(alert.get(), store.audit(id))));
  }

  private void act(Context ctx) {
    String id = ctx.pathParam("id");
    AlertAction action;
    try {
      action = AlertAction.valueOf(ctx.pathParam("action").toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw ConsoleInputException.invalid("action", "must be acknowledge, assign or resolve");
    }
    // JSON only: a cross-site form cannot send it without the browser asking first (CSRF).
    String type = ctx.contentType();
    if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
      ctx.status(415).json(Map.of("error", "unsupported_media_type", "message", "send JSON"));
      return;
    }
    JsonNode body;
    try {
      body = ctx.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(ctx.body());
    } catch (JsonProcessingException e) {
      throw ConsoleInputException.invalid("body", "is not JSON");
    }
    if (!body.isObject()) {
      throw ConsoleInputException.invalid("body", "must be a JSON object");
    }
    JsonNode book = body.get(Compensation.FIELD);
    if (book != null && !book.isNull() && !book.isBoolean()) {
      throw ConsoleInputException.invalid(Compensation.FIELD, "must be true or false");
    }
    Optional<Alert> after =
        store.act(
            id,
            action,
            ctx.attribute(USER),
            text(body, "assignee"),
            text(body, "note"),
            book != null && book.asBoolean(false));
    if (after.isEmpty()) {
      notFound(ctx, id);
      return;
    }
    publish(after.get());
    ctx.contentType("application/json").result(toJson(AlertView.of(after.get(), store.audit(id))));
  }

  private static String text(JsonNode body, String field) {
    JsonNode node = body.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isTextual()) {
      throw ConsoleInputException.invalid(field, "must be a string");
    }
    return node.asText();
  }

  private void connect(SseClient client) {
    if (liveClients.size() >= MAX_LIVE_CLIENTS) {
      client.ctx().status(503);
      client.close();
      return;
    }
    client.keepAlive();
    client.onClose(() -> liveClients.remove(client));
    liveClients.add(client);
    // the page shows "live" once this arrives, so nothing published after it can be missed
    client.sendEvent("ready", "{\"user\":\"" + client.ctx().attribute(USER) + "\"}");
  }

  private static void notFound(Context ctx, String id) {
    ctx.status(404).json(Map.of("error", "not_found", "message", "no alert " + id));
  }

  private void inputError(Context ctx, ConsoleInputException e) {
    ctx.status(e.isConflict() ? 409 : 400)
        .json(
            Map.of(
                "error",
                e.isConflict() ? "conflict" : "invalid",
                "field",
                e.field(),
                "message",
                e.getMessage()));
  }

  private static String toJson(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot render JSON", e);
    }
  }

  private static String resource(String name) {
    try (InputStream in =
        ConsoleApi.class.getClassLoader().getResourceAsStream("console/" + name)) {
      if (in == null) {
        throw new IllegalStateException("console/" + name + " is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
