package io.settleflow.ingest;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.settleflow.avro.PaymentEvent;
import io.settleflow.ledger.ApiKeys;
import io.settleflow.ledger.AuthorizeRequest;
import io.settleflow.ledger.AuthorizeResult;
import io.settleflow.ledger.LedgerException;
import io.settleflow.ledger.MovementRequest;
import io.settleflow.ledger.MovementResult;
import io.settleflow.ledger.Payment;
import io.settleflow.ledger.PaymentLedger;
import io.settleflow.ledger.PaymentLifecycle;
import io.settleflow.ledger.PaymentMovement;
import io.settleflow.ledger.PaymentQuery;
import io.settleflow.ledger.StoredResponse;
import io.settleflow.ledger.TokenizeRequest;
import io.settleflow.ledger.TokenizeResult;
import io.settleflow.runtime.Tracing;
import io.settleflow.schemas.SchemaRegistryException;
import io.settleflow.schemas.Topics;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.BiFunction;
import org.eclipse.jetty.servlet.FilterHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API as a Javalin app built from its dependencies; {@link IngestMain} wires the real ones
 * and tests start it on port 0. A card number is accepted only by {@link #tokenize}, which encrypts
 * it into the vault; payments carry the token, and a PAN anywhere in their body is 422.
 */
public final class IngestApi {
  public static final String PAYMENTS_PATH = "/v1/payments";
  public static final String BALANCES_PATH = "/v1/balances";
  public static final String TOKENIZE_PATH = "/v1/tokenize";
  public static final String OPENAPI_PATH = "/openapi.json";

  /** The OpenAPI 3.1 document served at {@link #OPENAPI_PATH}, a resource of this module. */
  public static final String OPENAPI_RESOURCE = "openapi.json";

  /** Bodies above this are refused (413) before they are parsed (issue 4: 64 KiB). */
  public static final int MAX_BODY_BYTES = 64 * 1024;

  /**
   * A refused body up to this size is read to its end before the 413, so the client finishes
   * sending and reads the answer instead of a connection reset.
   */
  static final int DRAIN_REFUSED_BODY_BYTES = 1024 * 1024;

  public static final String IDEMPOTENCY_KEY = "Idempotency-Key";
  public static final String IDEMPOTENT_REPLAYED = "Idempotent-Replayed";
  public static final String PROBLEM_JSON = "application/problem+json";
  public static final String JSON = "application/json";

  private static final Logger log = LoggerFactory.getLogger(IngestApi.class);
  private static final String BEARER = "bearer ";

  /** The request's server span, from the before-handler until the request logger ends it. */
  private static final String SPAN_ATTRIBUTE = "settleflow.span";

  private static String openApiDocument() {
    try (InputStream in = IngestApi.class.getClassLoader().getResourceAsStream(OPENAPI_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(OPENAPI_RESOURCE + " is missing from the classpath");
      }
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private final PaymentLedger ledger;
  private final BiFunction<String, PaymentEvent, byte[]> encoder;
  private final CardTokenizer tokenizer;
  private final CardVault vault;
  private final Options options;
  private final PrometheusMeterRegistry metrics;
  private final Clock clock;
  private final MerchantRateLimiter rateLimiter;
  private final InFlightRequests inFlight;
  private final Tracing tracing;
  private final ApiKeyCache apiKeys = new ApiKeyCache();

  /**
   * Tunables of the API.
   *
   * @param maxAmountMinor the largest amount one payment or movement may have (422 above)
   */
  public record Options(long maxAmountMinor, double rateLimitPerSecond, int rateLimitBurst) {
    public static final double DEFAULT_RATE_LIMIT_PER_SECOND = 200;
    public static final int DEFAULT_RATE_LIMIT_BURST = 400;
    public static final Options DEFAULT =
        new Options(
            PaymentRequestParser.MAX_AMOUNT_MINOR,
            DEFAULT_RATE_LIMIT_PER_SECOND,
            DEFAULT_RATE_LIMIT_BURST);

    public Options {
      if (maxAmountMinor < 1 || maxAmountMinor > PaymentRequestParser.MAX_AMOUNT_MINOR) {
        throw new IllegalArgumentException(
            "maxAmountMinor must be 1.." + PaymentRequestParser.MAX_AMOUNT_MINOR);
      }
      if (!(rateLimitPerSecond > 0) || rateLimitBurst < 1) {
        throw new IllegalArgumentException("rate limit must be > 0 per second with a burst ≥ 1");
      }
    }
  }

  private IngestApi(
      PaymentLedger ledger,
      BiFunction<String, PaymentEvent, byte[]> encoder,
      CardTokenizer tokenizer,
      CardVault vault,
      Options options,
      PrometheusMeterRegistry metrics,
      Clock clock,
      InFlightRequests inFlight,
      Tracing tracing) {
    this.ledger = ledger;
    this.encoder = encoder;
    this.tokenizer = tokenizer;
    this.vault = vault;
    this.options = options;
    this.metrics = metrics;
    this.clock = clock;
    this.rateLimiter =
        new MerchantRateLimiter(options.rateLimitPerSecond(), options.rateLimitBurst(), clock);
    this.inFlight = inFlight;
    this.tracing = tracing;
  }

  /**
   * The app, not started.
   *
   * @param encoder turns (topic, outbox event) into Confluent-wire bytes for that topic's subject
   */
  public static Javalin create(
      PaymentLedger ledger,
      BiFunction<String, PaymentEvent, byte[]> encoder,
      CardTokenizer tokenizer,
      CardVault vault,
      Options options,
      PrometheusMeterRegistry metrics,
      Clock clock) {
    return create(
        ledger, encoder, tokenizer, vault, options, metrics, clock, new InFlightRequests());
  }

  /**
   * The app, not started, counting its requests in {@code inFlight}: {@link InFlightRequests#drain}
   * then refuses new ones (503) and waits for the others, before the caller stops the server and
   * closes the pool.
   */
  public static Javalin create(
      PaymentLedger ledger,
      BiFunction<String, PaymentEvent, byte[]> encoder,
      CardTokenizer tokenizer,
      CardVault vault,
      Options options,
      PrometheusMeterRegistry metrics,
      Clock clock,
      InFlightRequests inFlight) {
    return create(
        ledger,
        encoder,
        tokenizer,
        vault,
        options,
        metrics,
        clock,
        inFlight,
        Tracing.processWide());
  }

  /**
   * The app, not started, with a server span per request under the request's W3C {@code
   * traceparent} / {@code tracestate} (a new trace without one, or with a malformed one); the
   * outbox row of a payment or movement carries that span's {@code traceparent}.
   */
  public static Javalin create(
      PaymentLedger ledger,
      BiFunction<String, PaymentEvent, byte[]> encoder,
      CardTokenizer tokenizer,
      CardVault vault,
      Options options,
      PrometheusMeterRegistry metrics,
      Clock clock,
      InFlightRequests inFlight,
      Tracing tracing) {
    IngestApi api =
        new IngestApi(
            ledger, encoder, tokenizer, vault, options, metrics, clock, inFlight, tracing);
    Javalin app =
        Javalin.create(
            config -> {
              config.showJavalinBanner = false;
              config.http.maxRequestSize = MAX_BODY_BYTES;
              config.requestLogger.http(api::recordRequest);
              // Outside Javalin, so a request counts until its response is on the wire.
              config.jetty.modifyServletContextHandler(
                  handler ->
                      handler.addFilter(
                          new FilterHolder(api.inFlightFilter()),
                          "/*",
                          EnumSet.of(DispatcherType.REQUEST)));
            });
    app.before(api::startSpan);
    app.after(api::recordOutcome);
    app.post(TOKENIZE_PATH, api::tokenize);
    app.post(PAYMENTS_PATH, api::createPayment);
    app.get(PAYMENTS_PATH, api::listPayments);
    app.get(PAYMENTS_PATH + "/{id}", api::getPayment);
    app.post(PAYMENTS_PATH + "/{id}/capture", ctx -> api.movePayment(ctx, PaymentMovement.CAPTURE));
    app.post(PAYMENTS_PATH + "/{id}/refunds", ctx -> api.movePayment(ctx, PaymentMovement.REFUND));
    app.post(PAYMENTS_PATH + "/{id}/cancel", ctx -> api.movePayment(ctx, PaymentMovement.CANCEL));
    app.get(BALANCES_PATH, api::balances);
    String openApi = openApiDocument();
    app.get(OPENAPI_PATH, ctx -> ctx.contentType(JSON).result(openApi));
    app.get("/health", api::health);
    app.get("/health/live", ctx -> ctx.contentType(JSON).result("{\"status\":\"UP\"}"));
    app.get("/health/ready", api::ready);
    app.get(
        "/metrics",
        ctx ->
            ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape()));
    app.exception(ProblemException.class, (e, ctx) -> respond(ctx, e.problem()));
    app.exception(
        HttpResponseException.class,
        (e, ctx) ->
            respond(
                ctx,
                new Problem(
                    e.getStatus(), "http_" + e.getStatus(), e.getMessage(), e.getMessage(), null)));
    app.exception(
        SchemaRegistryException.class,
        (e, ctx) -> {
          log.warn(
              "schema registry unavailable on {} {}: {}",
              ctx.method(),
              ctx.endpointHandlerPath(),
              e.getMessage());
          ctx.header("Retry-After", "1");
          respond(
              ctx,
              new Problem(
                  503,
                  "dependency_unavailable",
                  "Service unavailable",
                  "the schema registry is unavailable; retry with the same Idempotency-Key",
                  null));
        });
    app.exception(
        LedgerException.class,
        (e, ctx) -> {
          if (e.databaseUnavailable()) {
            log.warn(
                "database unavailable on {} {}: {}",
                ctx.method(),
                ctx.endpointHandlerPath(),
                e.getMessage());
            ctx.header("Retry-After", "1");
            respond(
                ctx,
                new Problem(
                    503,
                    "database_unavailable",
                    "Service unavailable",
                    "the ledger database is unavailable; retry with the same Idempotency-Key",
                    null));
          } else {
            log.error("ledger failure on {} {}", ctx.method(), ctx.endpointHandlerPath(), e);
            respond(
                ctx,
                new Problem(
                    500,
                    "internal_error",
                    "Internal error",
                    "an unexpected error occurred; retry with the same Idempotency-Key",
                    null));
          }
        });
    app.exception(
        Exception.class,
        (e, ctx) -> {
          // Logged without the request: its body may hold a card number.
          log.error("unexpected failure on {} {}", ctx.method(), ctx.endpointHandlerPath(), e);
          respond(
              ctx,
              new Problem(
                  500,
                  "internal_error",
                  "Internal error",
                  "an unexpected error occurred; retry with the same Idempotency-Key",
                  null));
        });
    return app;
  }

  private void createPayment(Context ctx) {
    String merchantId = authenticate(ctx);
    requireJsonBody(ctx);
    String idempotencyKey = idempotencyKey(ctx);
    byte[] body = readBody(ctx);
    PaymentRequest request = PaymentRequestParser.parse(body, options.maxAmountMinor());
    AuthorizeResult result =
        ledger.authorize(
            new AuthorizeRequest(
                merchantId,
                idempotencyKey,
                tokenizer.requestFingerprint(ctx.method().name(), ctx.path(), body),
                request.amountMinor(),
                request.currency(),
                request.reference(),
                request.cardToken(),
                traceparent(ctx)),
            event -> encoder.apply(Topics.PAYMENTS_AUTHORIZED, event),
            payment -> new StoredResponse(201, PaymentJson.payment(payment)));
    if (result instanceof AuthorizeResult.Created created) {
      Counter.builder("payments.authorized")
          .description("Payments authorized and committed to the ledger")
          .tag("currency", created.payment().currency())
          .register(metrics)
          .increment();
      ctx.status(created.response().status()).contentType(JSON).result(created.response().body());
    } else if (result instanceof AuthorizeResult.Replayed replayed) {
      replay(ctx, replayed.response());
    } else if (result instanceof AuthorizeResult.KeyReusedWithDifferentRequest) {
      throw keyReused();
    } else if (result instanceof AuthorizeResult.UnknownCardToken) {
      throw PaymentRequestParser.invalidCardToken().toException();
    } else if (result instanceof AuthorizeResult.CardExpired expired) {
      throw Problem.body(
              422,
              "card_expired",
              "Card expired",
              "the card behind card_token expired in "
                  + YearMonth.of(expired.expYear(), expired.expMonth())
                  + "; tokenize the renewed card",
              "card_token")
          .toException();
    } else {
      throw keyInFlight();
    }
  }

  /**
   * Stores a card in the vault and answers its token. The PAN exists only in this method: it is
   * encrypted here and only the token, last four, brand and expiry leave.
   */
  private void tokenize(Context ctx) {
    String merchantId = authenticate(ctx);
    requireJsonBody(ctx);
    String idempotencyKey = idempotencyKey(ctx);
    byte[] body = readBody(ctx);
    CardDetails card = TokenizeRequestParser.parse(body, YearMonth.now(clock));
    CardToken token = tokenizer.tokenize(card.number());
    String brand = CardBrand.of(card.number()).orElse(null);
    TokenizeResult result =
        ledger.tokenize(
            new TokenizeRequest(
                merchantId,
                idempotencyKey,
                tokenizer.requestFingerprint(ctx.method().name(), ctx.path(), body),
                vault.seal(merchantId, token, card, brand)),
            stored -> new StoredResponse(201, PaymentJson.token(stored)));
    if (result instanceof TokenizeResult.Stored stored) {
      metrics.counter("cards.tokenized").increment();
      ctx.status(stored.response().status()).contentType(JSON).result(stored.response().body());
    } else if (result instanceof TokenizeResult.Replayed replayed) {
      replay(ctx, replayed.response());
    } else if (result instanceof TokenizeResult.KeyReusedWithDifferentRequest) {
      throw keyReused();
    } else {
      throw keyInFlight();
    }
  }

  /**
   * Capture, refund or cancel: the same key handling as authorize, 409 with a code when refused.
   */
  private void movePayment(Context ctx, PaymentMovement movement) {
    String merchantId = authenticate(ctx);
    String idempotencyKey = idempotencyKey(ctx);
    byte[] body = readBody(ctx);
    if (!MovementRequestParser.isBlank(body)) {
      requireJsonBody(ctx);
    }
    OptionalLong amountMinor =
        MovementRequestParser.parse(
            body, movement != PaymentMovement.CANCEL, options.maxAmountMinor());
    UUID paymentId = parseUuid(ctx.pathParam("id")).orElseThrow(IngestApi::notFound);
    MovementResult result =
        ledger.move(
            new MovementRequest(
                merchantId,
                idempotencyKey,
                tokenizer.requestFingerprint(ctx.method().name(), ctx.path(), body),
                paymentId,
                movement,
                amountMinor,
                traceparent(ctx)),
            encoder,
            payment -> new StoredResponse(200, PaymentJson.payment(payment)));
    if (result instanceof MovementResult.Applied applied) {
      Counter.builder("payments.movements")
          .description("Captures, refunds and cancels committed to the ledger")
          .tag("movement", movement.name().toLowerCase(Locale.ROOT))
          .tag("currency", applied.payment().currency())
          .register(metrics)
          .increment();
      ctx.status(applied.response().status()).contentType(JSON).result(applied.response().body());
    } else if (result instanceof MovementResult.Replayed replayed) {
      replay(ctx, replayed.response());
    } else if (result instanceof MovementResult.KeyReusedWithDifferentRequest) {
      throw keyReused();
    } else if (result instanceof MovementResult.InFlight) {
      throw keyInFlight();
    } else if (result instanceof MovementResult.NotFound) {
      throw notFound();
    } else if (result instanceof MovementResult.Refused refused) {
      boolean aboutAmount =
          refused.code().equals(PaymentLifecycle.AMOUNT_EXCEEDS_AUTHORIZED)
              || refused.code().equals(PaymentLifecycle.AMOUNT_EXCEEDS_CAPTURED);
      throw new Problem(
              409,
              refused.code(),
              "Not allowed in the payment's state",
              refused.detail(),
              aboutAmount ? "amount_minor" : null,
              aboutAmount ? "/amount_minor" : null)
          .toException();
    } else {
      throw new Problem(
              409,
              "payment_busy",
              "Payment busy",
              "other requests on this payment are still running; retry with the same Idempotency-Key",
              null)
          .toException();
    }
  }

  private void listPayments(Context ctx) {
    String merchantId = authenticate(ctx);
    PaymentQuery query = PaymentListParams.parse(merchantId, ctx.queryParamMap());
    ctx.contentType(JSON).result(PaymentJson.page(ledger.listPayments(query)));
  }

  private void balances(Context ctx) {
    String merchantId = authenticate(ctx);
    ctx.contentType(JSON).result(PaymentJson.balances(ledger.balances(merchantId)));
  }

  private static ProblemException keyReused() {
    return new Problem(
            422,
            "idempotency_key_reused",
            "Idempotency key reused",
            "this Idempotency-Key was used with a different request",
            IDEMPOTENCY_KEY)
        .toException();
  }

  private static ProblemException keyInFlight() {
    return new Problem(
            409,
            "idempotency_key_in_flight",
            "Request in progress",
            "a request with this Idempotency-Key is still being processed; retry later",
            IDEMPOTENCY_KEY)
        .toException();
  }

  private static ProblemException notFound() {
    return new Problem(404, "not_found", "Not found", "no such payment", null).toException();
  }

  private void getPayment(Context ctx) {
    String merchantId = authenticate(ctx);
    Optional<Payment> payment =
        parseUuid(ctx.pathParam("id")).flatMap(id -> ledger.findPayment(merchantId, id));
    // Unknown, malformed and other merchants' ids all look the same: existence is not revealed.
    Payment found = payment.orElseThrow(IngestApi::notFound);
    ctx.contentType(JSON).result(PaymentJson.payment(found));
  }

  /**
   * Counts each request in {@link #inFlight} from arrival until its response is flushed; once
   * draining, answers 503 {@code shutting_down} (with {@code Connection: close}) instead.
   */
  private Filter inFlightFilter() {
    return (request, response, chain) -> {
      if (!inFlight.enter()) {
        HttpServletResponse res = (HttpServletResponse) response;
        res.setStatus(503);
        res.setHeader("Connection", "close");
        res.setHeader("Retry-After", "1");
        res.setContentType(PROBLEM_JSON);
        res.getOutputStream()
            .write(
                PaymentJson.problem(
                        new Problem(
                            503,
                            "shutting_down",
                            "Service unavailable",
                            "this instance is shutting down; retry",
                            null))
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return;
      }
      try {
        chain.doFilter(request, response);
        // Completes the response (the last chunk too) before the request stops counting: a
        // drain that ends now must not let Jetty stop under a half-sent body.
        try {
          response.getOutputStream().close();
        } catch (IllegalStateException usedWriter) {
          response.getWriter().close();
        }
      } finally {
        inFlight.exit();
      }
    };
  }

  /** Outcomes of POST /v1/payments, for payment_success_rate: every answer counts once. */
  private void recordOutcome(Context ctx) {
    if (ctx.method() != io.javalin.http.HandlerType.POST || !PAYMENTS_PATH.equals(ctx.path())) {
      return;
    }
    int status = ctx.statusCode();
    String outcome =
        status == 201
            ? ("true".equals(ctx.res().getHeader(IDEMPOTENT_REPLAYED)) ? "replayed" : "authorized")
            : status == 429 ? "rate_limited" : status < 500 ? "rejected" : "failed";
    Counter.builder("payments.outcomes")
        .description(
            "Answers to POST /v1/payments by outcome: authorized, replayed, rejected, rate_limited, failed")
        .tag("outcome", outcome)
        .register(metrics)
        .increment();
  }

  /** Ready when the database answers and has the migrations this code needs, and not draining. */
  private void ready(Context ctx) {
    boolean db = ledger.databaseAnswers();
    boolean schema = db && ledger.schemaAtLeast(PaymentLedger.SCHEMA_VERSION);
    boolean up = schema && !inFlight.draining();
    String detail =
        !db
            ? "database does not answer"
            : !schema
                ? "database schema is older than V" + PaymentLedger.SCHEMA_VERSION
                : "draining";
    ctx.status(up ? 200 : 503)
        .contentType(JSON)
        .result(up ? "{\"status\":\"UP\"}" : "{\"status\":\"DOWN\",\"detail\":\"" + detail + "\"}");
  }

  private void health(Context ctx) {
    boolean up = ledger.databaseAnswers();
    ctx.status(up ? 200 : 503)
        .contentType(JSON)
        .result(
            up
                ? "{\"status\":\"UP\"}"
                : "{\"status\":\"DOWN\",\"detail\":\"database does not answer\"}");
  }

  private String authenticate(Context ctx) {
    String header = ctx.header("Authorization");
    if (header == null
        || header.length() <= BEARER.length()
        || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      throw unauthorized("send Authorization: Bearer <api key>");
    }
    String key = header.substring(BEARER.length()).trim();
    if (key.isEmpty() || key.length() > ApiKeys.MAX_KEY_CHARS) {
      throw unauthorized("unknown API key");
    }
    String merchantId = merchantForKey(ApiKeys.hash(key));
    TokenBucket.Decision decision = rateLimiter.take(merchantId);
    if (!decision.allowed()) {
      // Whole seconds, rounded up: a client waiting that long finds a token.
      long seconds = Math.max(1, (decision.retryAfter().toMillis() + 999) / 1000);
      ctx.header("Retry-After", Long.toString(seconds));
      throw new Problem(
              429,
              "rate_limited",
              "Too many requests",
              "this merchant's request rate is above its limit; retry after " + seconds + " s",
              null)
          .toException();
    }
    return merchantId;
  }

  /** The key's merchant, from the cache (answers under 1 s old) or the database. */
  private String merchantForKey(byte[] keyHash) {
    Instant now = clock.instant();
    Optional<String> cached = apiKeys.merchant(keyHash, now);
    if (cached.isPresent()) {
      return cached.get();
    }
    String merchantId =
        ledger.authenticate(keyHash).orElseThrow(() -> unauthorized("unknown API key"));
    apiKeys.remember(keyHash, merchantId, now);
    return merchantId;
  }

  private static ProblemException unauthorized(String detail) {
    return new Problem(401, "unauthorized", "Unauthorized", detail, "Authorization").toException();
  }

  private static void requireJsonBody(Context ctx) {
    String type = ctx.contentType();
    String mediaType = type == null ? "" : type.split(";", 2)[0].trim();
    if (!mediaType.equalsIgnoreCase(JSON)) {
      throw new Problem(
              415,
              "unsupported_media_type",
              "Unsupported media type",
              "send the body as " + JSON,
              "Content-Type")
          .toException();
    }
  }

  private static String idempotencyKey(Context ctx) {
    String key = ctx.header(IDEMPOTENCY_KEY);
    if (key == null || key.isEmpty() || key.length() > AuthorizeRequest.MAX_IDEMPOTENCY_KEY_CHARS) {
      throw new Problem(
              400,
              key == null || key.isEmpty() ? "missing_idempotency_key" : "invalid_idempotency_key",
              "Idempotency-Key required",
              "send an Idempotency-Key header of 1 to "
                  + AuthorizeRequest.MAX_IDEMPOTENCY_KEY_CHARS
                  + " characters",
              IDEMPOTENCY_KEY)
          .toException();
    }
    return key;
  }

  /**
   * Reads at most the limit, whatever Content-Length claims (chunked bodies have none). A refused
   * body up to {@link #DRAIN_REFUSED_BODY_BYTES} is read to its end first: a server that answers
   * and closes while the client is still sending resets the connection, and the client then sees
   * the reset instead of the 413 (IngestApiIT failed so in CI, 2026-11-26). Larger declared bodies
   * are refused unread, their connection closed.
   */
  private static byte[] readBody(Context ctx) {
    long declared = ctx.req().getContentLengthLong();
    try (InputStream in = ctx.req().getInputStream()) {
      if (declared > MAX_BODY_BYTES) {
        if (declared <= DRAIN_REFUSED_BODY_BYTES) {
          discardRest(in);
        }
        throw tooLarge();
      }
      byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
      if (body.length > MAX_BODY_BYTES) {
        discardRest(in);
        throw tooLarge();
      }
      return body;
    } catch (IOException e) {
      throw new Problem(
              400, "unreadable_body", "Unreadable body", "the body could not be read", null)
          .toException();
    }
  }

  /**
   * Reads and drops what is left of a refused body, at most {@link #DRAIN_REFUSED_BODY_BYTES} (a
   * bounded skip to the end of the stream; {@code InputStream.skip} may stop early and {@code
   * skipNBytes} fails at the end). A client that gives up meanwhile still gets the 413 attempt.
   */
  private static void discardRest(InputStream in) {
    byte[] buffer = new byte[8192];
    long left = DRAIN_REFUSED_BODY_BYTES;
    try {
      int n;
      while (left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) >= 0) {
        left -= n;
      }
    } catch (IOException e) {
      // the client stopped sending: the 413 is still the answer
    }
  }

  private static ProblemException tooLarge() {
    return new Problem(
            413,
            "body_too_large",
            "Body too large",
            "the body must be at most " + MAX_BODY_BYTES + " bytes",
            null)
        .toException();
  }

  private static Optional<UUID> parseUuid(String raw) {
    try {
      UUID id = UUID.fromString(raw);
      // UUID.fromString accepts short forms like "1-2-3-4-5"; only the canonical one names a
      // payment.
      return id.toString().equalsIgnoreCase(raw) ? Optional.of(id) : Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static void respond(Context ctx, Problem problem) {
    ctx.status(problem.status()).contentType(PROBLEM_JSON).result(PaymentJson.problem(problem));
    if (problem.status() == 401) {
      ctx.header("WWW-Authenticate", "Bearer");
    }
  }

  /** A server span per request, under the caller's trace context when it sent a valid one. */
  private void startSpan(Context ctx) {
    ctx.attribute(
        SPAN_ATTRIBUTE,
        tracing.startSpan(
            "HTTP " + ctx.method().name(), SpanKind.SERVER, tracing.extract(ctx::header)));
  }

  /** The request span's {@code traceparent}, for the outbox row; null when it has none. */
  private String traceparent(Context ctx) {
    Span span = ctx.attribute(SPAN_ATTRIBUTE);
    return span == null
        ? null
        : tracing.traceparent(io.opentelemetry.context.Context.root().with(span)).orElse(null);
  }

  /** Names the span by its route template (as the metric below) and ends it. */
  private static void endSpan(Context ctx, String route) {
    Span span = ctx.attribute(SPAN_ATTRIBUTE);
    if (span == null) {
      return;
    }
    int status = ctx.statusCode();
    span.updateName(ctx.method().name() + " " + route);
    span.setAttribute("http.request.method", ctx.method().name());
    span.setAttribute("http.route", route);
    span.setAttribute("http.response.status_code", status);
    if (status >= 500) {
      span.setStatus(StatusCode.ERROR);
    }
    span.end();
  }

  private void recordRequest(Context ctx, Float executionMs) {
    // Route templates, never raw paths: payment ids would make the metric unbounded.
    String route = ctx.handlerType() == HandlerType.BEFORE ? "" : ctx.endpointHandlerPath();
    endSpan(ctx, route == null || route.isEmpty() ? "unmatched" : route);
    Timer.builder("http.server.requests")
        .description("HTTP requests by route and status")
        .tag("method", ctx.method().name())
        .tag("route", route == null || route.isEmpty() ? "unmatched" : route)
        .tag("status", Integer.toString(ctx.statusCode()))
        .publishPercentileHistogram()
        .register(metrics)
        .record(Duration.ofNanos((long) (executionMs * 1_000_000)));
  }

  /** Answers a retried POST with the response stored for its idempotency key. */
  private void replay(Context ctx, StoredResponse stored) {
    metrics.counter("payments.idempotent.replays").increment();
    ctx.header(IDEMPOTENT_REPLAYED, "true");
    ctx.status(stored.status()).contentType(JSON).result(stored.body());
  }
}
