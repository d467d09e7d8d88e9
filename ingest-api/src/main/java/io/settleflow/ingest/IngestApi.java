package io.settleflow.ingest;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.settleflow.avro.PaymentEvent;
import io.settleflow.ledger.ApiKeys;
import io.settleflow.ledger.AuthorizeRequest;
import io.settleflow.ledger.AuthorizeResult;
import io.settleflow.ledger.MovementRequest;
import io.settleflow.ledger.MovementResult;
import io.settleflow.ledger.Payment;
import io.settleflow.ledger.PaymentLedger;
import io.settleflow.ledger.PaymentLifecycle;
import io.settleflow.ledger.LedgerException;
import io.settleflow.ledger.PaymentMovement;
import io.settleflow.ledger.PaymentQuery;
import io.settleflow.ledger.StoredResponse;
import io.settleflow.schemas.SchemaRegistryException;
import io.settleflow.schemas.Topics;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.YearMonth;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API as a Javalin app built from its dependencies; {@link IngestMain} wires the real
 * ones and tests start it on port 0. The card number never leaves {@link #createPayment}: it is
 * tokenized there and only the token and last four digits go on.
 */
public final class IngestApi {
  public static final String PAYMENTS_PATH = "/v1/payments";
  public static final String BALANCES_PATH = "/v1/balances";
  /** Bodies above this are refused (413) before they are parsed. */
  public static final int MAX_BODY_BYTES = 16 * 1024;
  public static final String IDEMPOTENCY_KEY = "Idempotency-Key";
  public static final String IDEMPOTENT_REPLAYED = "Idempotent-Replayed";
  public static final String PROBLEM_JSON = "application/problem+json";
  public static final String JSON = "application/json";

  private static final Logger log = LoggerFactory.getLogger(IngestApi.class);
  private static final String BEARER = "bearer ";

  private final PaymentLedger ledger;
  private final BiFunction<String, PaymentEvent, byte[]> encoder;
  private final CardTokenizer tokenizer;
  private final PrometheusMeterRegistry metrics;
  private final Clock clock;

  private IngestApi(
      PaymentLedger ledger,
      BiFunction<String, PaymentEvent, byte[]> encoder,
      CardTokenizer tokenizer,
      PrometheusMeterRegistry metrics,
      Clock clock) {
    this.ledger = ledger;
    this.encoder = encoder;
    this.tokenizer = tokenizer;
    this.metrics = metrics;
    this.clock = clock;
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
      PrometheusMeterRegistry metrics,
      Clock clock) {
    IngestApi api = new IngestApi(ledger, encoder, tokenizer, metrics, clock);
    Javalin app =
        Javalin.create(
            config -> {
              config.showJavalinBanner = false;
              config.http.maxRequestSize = MAX_BODY_BYTES;
              config.requestLogger.http(api::recordRequest);
            });
    app.post(PAYMENTS_PATH, api::createPayment);
    app.get(PAYMENTS_PATH, api::listPayments);
    app.get(PAYMENTS_PATH + "/{id}", api::getPayment);
    app.post(PAYMENTS_PATH + "/{id}/capture", ctx -> api.movePayment(ctx, PaymentMovement.CAPTURE));
    app.post(PAYMENTS_PATH + "/{id}/refunds", ctx -> api.movePayment(ctx, PaymentMovement.REFUND));
    app.post(PAYMENTS_PATH + "/{id}/cancel", ctx -> api.movePayment(ctx, PaymentMovement.CANCEL));
    app.get(BALANCES_PATH, api::balances);
    app.get("/health", api::health);
    app.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape()));
    app.exception(ProblemException.class, (e, ctx) -> respond(ctx, e.problem()));
    app.exception(
        HttpResponseException.class,
        (e, ctx) -> respond(ctx, new Problem(e.getStatus(), "http_" + e.getStatus(), e.getMessage(), e.getMessage(), null)));
    app.exception(
        SchemaRegistryException.class,
        (e, ctx) -> {
          log.warn("schema registry unavailable on {} {}: {}", ctx.method(), ctx.endpointHandlerPath(), e.getMessage());
          ctx.header("Retry-After", "1");
          respond(ctx, new Problem(503, "dependency_unavailable", "Service unavailable", "the schema registry is unavailable; retry with the same Idempotency-Key", null));
        });
    app.exception(
        LedgerException.class,
        (e, ctx) -> {
          if (e.databaseUnavailable()) {
            log.warn("database unavailable on {} {}: {}", ctx.method(), ctx.endpointHandlerPath(), e.getMessage());
            ctx.header("Retry-After", "1");
            respond(ctx, new Problem(503, "database_unavailable", "Service unavailable", "the ledger database is unavailable; retry with the same Idempotency-Key", null));
          } else {
            log.error("ledger failure on {} {}", ctx.method(), ctx.endpointHandlerPath(), e);
            respond(ctx, new Problem(500, "internal_error", "Internal error", "an unexpected error occurred; retry with the same Idempotency-Key", null));
          }
        });
    app.exception(
        Exception.class,
        (e, ctx) -> {
          // Logged without the request: its body may hold a card number.
          log.error("unexpected failure on {} {}", ctx.method(), ctx.endpointHandlerPath(), e);
          respond(ctx, new Problem(500, "internal_error", "Internal error", "an unexpected error occurred; retry with the same Idempotency-Key", null));
        });
    return app;
  }

  private void createPayment(Context ctx) {
    String merchantId = authenticate(ctx);
    requireJsonBody(ctx);
    String idempotencyKey = idempotencyKey(ctx);
    byte[] body = readBody(ctx);
    PaymentRequest request = PaymentRequestParser.parse(body, YearMonth.now(clock));
    CardToken card = tokenizer.tokenize(request.cardNumber());
    AuthorizeResult result =
        ledger.authorize(
            new AuthorizeRequest(
                merchantId,
                idempotencyKey,
                tokenizer.requestFingerprint(ctx.method().name(), ctx.path(), body),
                request.amountMinor(),
                request.currency(),
                request.reference(),
                card.token(),
                card.last4()),
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
      metrics.counter("payments.idempotent.replays").increment();
      ctx.header(IDEMPOTENT_REPLAYED, "true");
      ctx.status(replayed.response().status()).contentType(JSON).result(replayed.response().body());
    } else if (result instanceof AuthorizeResult.KeyReusedWithDifferentRequest) {
      throw keyReused();
    } else {
      throw keyInFlight();
    }
  }

  /** Capture, refund or cancel: the same key handling as authorize, 409 with a code when refused. */
  private void movePayment(Context ctx, PaymentMovement movement) {
    String merchantId = authenticate(ctx);
    String idempotencyKey = idempotencyKey(ctx);
    byte[] body = readBody(ctx);
    if (!MovementRequestParser.isBlank(body)) {
      requireJsonBody(ctx);
    }
    OptionalLong amountMinor = MovementRequestParser.parse(body, movement != PaymentMovement.CANCEL);
    UUID paymentId = parseUuid(ctx.pathParam("id")).orElseThrow(IngestApi::notFound);
    MovementResult result =
        ledger.move(
            new MovementRequest(
                merchantId,
                idempotencyKey,
                tokenizer.requestFingerprint(ctx.method().name(), ctx.path(), body),
                paymentId,
                movement,
                amountMinor),
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
      metrics.counter("payments.idempotent.replays").increment();
      ctx.header(IDEMPOTENT_REPLAYED, "true");
      ctx.status(replayed.response().status()).contentType(JSON).result(replayed.response().body());
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
      throw new Problem(409, refused.code(), "Not allowed in the payment's state", refused.detail(),
              aboutAmount ? "amount_minor" : null)
          .toException();
    } else {
      throw new Problem(409, "payment_busy", "Payment busy",
              "other requests on this payment are still running; retry with the same Idempotency-Key", null)
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
    return new Problem(422, "idempotency_key_reused", "Idempotency key reused",
            "this Idempotency-Key was used with a different request", IDEMPOTENCY_KEY)
        .toException();
  }

  private static ProblemException keyInFlight() {
    return new Problem(409, "idempotency_key_in_flight", "Request in progress",
            "a request with this Idempotency-Key is still being processed; retry later", IDEMPOTENCY_KEY)
        .toException();
  }

  private static ProblemException notFound() {
    return new Problem(404, "not_found", "Not found", "no such payment", null).toException();
  }

  private void getPayment(Context ctx) {
    String merchantId = authenticate(ctx);
    Optional<Payment> payment = parseUuid(ctx.pathParam("id")).flatMap(id -> ledger.findPayment(merchantId, id));
    // Unknown, malformed and other merchants' ids all look the same: existence is not revealed.
    Payment found = payment.orElseThrow(IngestApi::notFound);
    ctx.contentType(JSON).result(PaymentJson.payment(found));
  }

  private void health(Context ctx) {
    boolean up = ledger.databaseAnswers();
    ctx.status(up ? 200 : 503)
        .contentType(JSON)
        .result(up ? "{\"status\":\"UP\"}" : "{\"status\":\"DOWN\",\"detail\":\"database does not answer\"}");
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
    return ledger.authenticate(ApiKeys.hash(key)).orElseThrow(() -> unauthorized("unknown API key"));
  }

  private static ProblemException unauthorized(String detail) {
    return new Problem(401, "unauthorized", "Unauthorized", detail, "Authorization").toException();
  }

  private static void requireJsonBody(Context ctx) {
    String type = ctx.contentType();
    String mediaType = type == null ? "" : type.split(";", 2)[0].trim();
    if (!mediaType.equalsIgnoreCase(JSON)) {
      throw new Problem(415, "unsupported_media_type", "Unsupported media type", "send the body as " + JSON, "Content-Type")
          .toException();
    }
  }

  private static String idempotencyKey(Context ctx) {
    String key = ctx.header(IDEMPOTENCY_KEY);
    if (key == null || key.isEmpty() || key.length() > AuthorizeRequest.MAX_IDEMPOTENCY_KEY_CHARS) {
      throw new Problem(400, key == null || key.isEmpty() ? "missing_idempotency_key" : "invalid_idempotency_key",
              "Idempotency-Key required",
              "send an Idempotency-Key header of 1 to " + AuthorizeRequest.MAX_IDEMPOTENCY_KEY_CHARS + " characters",
              IDEMPOTENCY_KEY)
          .toException();
    }
    return key;
  }

  /** Reads at most the limit, whatever Content-Length claims (chunked bodies have none). */
  private static byte[] readBody(Context ctx) {
    if (ctx.req().getContentLengthLong() > MAX_BODY_BYTES) {
      throw tooLarge();
    }
    try (InputStream in = ctx.req().getInputStream()) {
      byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
      if (body.length > MAX_BODY_BYTES) {
        throw tooLarge();
      }
      return body;
    } catch (IOException e) {
      throw new Problem(400, "unreadable_body", "Unreadable body", "the body could not be read", null).toException();
    }
  }

  private static ProblemException tooLarge() {
    return new Problem(413, "body_too_large", "Body too large", "the body must be at most " + MAX_BODY_BYTES + " bytes", null)
        .toException();
  }

  private static Optional<UUID> parseUuid(String raw) {
    try {
      UUID id = UUID.fromString(raw);
      // UUID.fromString accepts short forms like "1-2-3-4-5"; only the canonical one names a payment.
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

  private void recordRequest(Context ctx, Float executionMs) {
    // Route templates, never raw paths: payment ids would make the metric unbounded.
    String route = ctx.handlerType() == HandlerType.BEFORE ? "" : ctx.endpointHandlerPath();
    Timer.builder("http.server.requests")
        .description("HTTP requests by route and status")
        .tag("method", ctx.method().name())
        .tag("route", route == null || route.isEmpty() ? "unmatched" : route)
        .tag("status", Integer.toString(ctx.statusCode()))
        .publishPercentileHistogram()
        .register(metrics)
        .record(Duration.ofNanos((long) (executionMs * 1_000_000)));
  }
}
