package io.settleflow.deploy.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Merchants posting payments over HTTP, the way an integration does: each merchant first tokenizes
 * its test cards ({@code POST /v1/tokenize}, once per card), then pays with the tokens, one
 * Idempotency-Key per payment and a retry with the same key now and then (which must return the
 * original response).
 */
public final class LoadGenerator implements AutoCloseable {
  /** Test card numbers (they pass Luhn; no real card). */
  private static final List<String> TEST_CARDS =
      List.of("4242424242424242", "5555555555554444", "378282246310005", "6011111111111117");

  private static final int RETRY_EVERY = 10;

  /** A request that failed without a definitive answer is retried this often with the same key. */
  private static final int MAX_ATTEMPTS = 40;

  private static final long RETRY_BACKOFF_MS = 250;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A merchant of the demo: id, API key, the currency it sells in. */
  public record Merchant(String id, String apiKey, String currency) {}

  private final String baseUrl;
  private final List<Merchant> merchants;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ExecutorService workers;
  private final List<Future<?>> posters = new CopyOnWriteArrayList<>();
  private final AtomicBoolean running = new AtomicBoolean(false);
  private final Map<String, AcceptedPayment> accepted = new ConcurrentHashMap<>();

  /** System.nanoTime() when each payment's first 201 arrived here, for end-to-end latency. */
  private final Map<String, Long> respondedNanos = new ConcurrentHashMap<>();

  private final Map<String, AtomicLong> failures = new ConcurrentHashMap<>();

  /** Card tokens per merchant id, in TEST_CARDS order. */
  private final Map<String, List<String>> tokens = new ConcurrentHashMap<>();

  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong replaysMatched = new AtomicLong();
  private final AtomicLong replaysDiffered = new AtomicLong();
  private volatile double ratePerMerchant;

  public LoadGenerator(String baseUrl, List<Merchant> merchants) {
    this.baseUrl = baseUrl;
    this.merchants = List.copyOf(merchants);
    this.workers =
        Executors.newFixedThreadPool(
            merchants.size(),
            r -> {
              Thread t = new Thread(r, "demo-merchant");
              t.setDaemon(true);
              return t;
            });
  }

  /** Starts one poster per merchant at the given rate (requests per second each). */
  public void start(double ratePerMerchant, long seed) {
    this.ratePerMerchant = ratePerMerchant;
    running.set(true);
    for (int i = 0; i < merchants.size(); i++) {
      Merchant m = merchants.get(i);
      Random random = new Random(seed + i);
      posters.add(workers.submit(() -> postLoop(m, random)));
    }
  }

  public void setRate(double ratePerMerchant) {
    this.ratePerMerchant = ratePerMerchant;
  }

  /** Tokenizes each test card once; the key is stable so a retry (or a rerun) replays. */
  private List<String> tokenizeCards(Merchant m) throws IOException, InterruptedException {
    List<String> cardTokens = new ArrayList<>();
    for (int i = 0; i < TEST_CARDS.size(); i++) {
      ObjectNode body = JSON.createObjectNode();
      ObjectNode card = body.putObject("card");
      card.put("number", TEST_CARDS.get(i));
      card.put("exp_month", 12);
      card.put("exp_year", 2035);
      HttpResponse<String> response =
          postUntilDefinitive(m, "/v1/tokenize", "demo-card-" + m.id() + "-" + i, body.toString());
      if (response.statusCode() != 201) {
        throw new IOException(
            "tokenize answered HTTP " + response.statusCode() + " for merchant " + m.id());
      }
      cardTokens.add(JSON.readTree(response.body()).path("token").asText());
    }
    return cardTokens;
  }

  private void postLoop(Merchant m, Random random) {
    List<String> cardTokens;
    try {
      cardTokens = tokenizeCards(m);
    } catch (IOException e) {
      failures
          .computeIfAbsent("tokenize failed: " + e.getMessage(), k -> new AtomicLong())
          .incrementAndGet();
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    tokens.put(m.id(), cardTokens);
    long n = 0;
    while (running.get()) {
      long started = System.nanoTime();
      n++;
      long amount = 500L + random.nextInt(49_500);
      ObjectNode body = JSON.createObjectNode();
      body.put("amount_minor", amount);
      body.put("currency", m.currency());
      body.put("reference", "order-" + m.id() + "-" + n);
      body.put("card_token", cardTokens.get(random.nextInt(cardTokens.size())));
      String key = UUID.randomUUID().toString();
      try {
        HttpResponse<String> first = postUntilDefinitive(m, "/v1/payments", key, body.toString());
        if (first.statusCode() == 201) {
          JsonNode json = JSON.readTree(first.body());
          String id = json.path("id").asText();
          respondedNanos.put(id, System.nanoTime());
          accepted.put(
              id,
              new AcceptedPayment(
                  id,
                  m.id(),
                  amount,
                  m.currency(),
                  Instant.parse(json.path("created_at").asText())));
          if (n % RETRY_EVERY == 0) {
            HttpResponse<String> retry =
                postUntilDefinitive(m, "/v1/payments", key, body.toString());
            boolean same =
                retry.statusCode() == 201
                    && JSON.readTree(retry.body()).path("id").asText().equals(id);
            (same ? replaysMatched : replaysDiffered).incrementAndGet();
          }
        } else {
          failures
              .computeIfAbsent("HTTP " + first.statusCode(), k -> new AtomicLong())
              .incrementAndGet();
        }
      } catch (IOException e) {
        failures
            .computeIfAbsent("gave up: " + e.getClass().getSimpleName(), k -> new AtomicLong())
            .incrementAndGet();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      pace(started);
    }
  }

  /**
   * Posts until the answer is definitive (2xx or 4xx other than 409 and 429), retrying timeouts,
   * 5xx, "still in flight" and "rate limited" with the same Idempotency-Key, as a merchant
   * integration must: the payment may have committed even though its response was lost. Keeps
   * retrying after stop() so that no payment is left in doubt; gives up after {@link
   * #MAX_ATTEMPTS}.
   */
  private HttpResponse<String> postUntilDefinitive(Merchant m, String path, String key, String body)
      throws IOException, InterruptedException {
    IOException lastError = null;
    HttpResponse<String> last = null;
    for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      try {
        HttpResponse<String> response = post(m, path, key, body);
        requests.incrementAndGet();
        int status = response.statusCode();
        if (status < 500 && status != 409 && status != 429) {
          return response;
        }
        last = response;
        lastError = null;
        failures
            .computeIfAbsent("retried after HTTP " + status, k -> new AtomicLong())
            .incrementAndGet();
      } catch (IOException e) {
        requests.incrementAndGet();
        lastError = e;
        failures
            .computeIfAbsent("retried after " + e.getClass().getSimpleName(), k -> new AtomicLong())
            .incrementAndGet();
      }
      TimeUnit.MILLISECONDS.sleep(RETRY_BACKOFF_MS);
    }
    if (lastError != null) {
      throw lastError;
    }
    return last;
  }

  private void pace(long startedNanos) {
    long periodNanos = (long) (1e9 / Math.max(0.1, ratePerMerchant));
    long waitNanos = periodNanos - (System.nanoTime() - startedNanos);
    if (waitNanos > 0) {
      try {
        TimeUnit.NANOSECONDS.sleep(waitNanos);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private HttpResponse<String> post(Merchant m, String path, String idempotencyKey, String body)
      throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(baseUrl + path))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + m.apiKey())
            .header("Idempotency-Key", idempotencyKey)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  /** Stops posting and waits for requests in flight. */
  public void stop() {
    running.set(false);
    workers.shutdown();
    try {
      workers.awaitTermination(180, TimeUnit.SECONDS);
      for (Future<?> poster : posters) {
        if (poster.isDone()) {
          poster.get(); // a poster that died early must not pass as a quiet merchant
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      throw new IllegalStateException("a load poster failed: " + e.getCause(), e.getCause());
    }
  }

  public List<AcceptedPayment> accepted() {
    return new ArrayList<>(accepted.values());
  }

  /** System.nanoTime() when the 201 for this payment arrived; null for one not accepted here. */
  public Long respondedNanos(String paymentId) {
    return respondedNanos.get(paymentId);
  }

  public long requests() {
    return requests.get();
  }

  public long replaysMatched() {
    return replaysMatched.get();
  }

  public long replaysDiffered() {
    return replaysDiffered.get();
  }

  public Map<String, Long> failures() {
    Map<String, Long> copy = new java.util.TreeMap<>();
    failures.forEach((k, v) -> copy.put(k, v.get()));
    return copy;
  }

  @Override
  public void close() {
    stop();
  }
}
