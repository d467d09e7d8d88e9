package io.settleflow.deploy.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.settleflow.checker.Observation;
import io.settleflow.deploy.demo.AcceptedPayment;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
 * Merchants authorizing, capturing and refunding over HTTP while faults hit the stack, retrying
 * every unanswered request with its Idempotency-Key the way an integration must, and writing what
 * they finally saw of each request to the observation log the conservation checker reads.
 */
public final class ChaosWorkload implements AutoCloseable {
  private static final List<String> TEST_CARDS =
      List.of("4242424242424242", "5555555555554444", "378282246310005");

  /** A request without a definitive answer is retried this long (a restart takes seconds). */
  private static final Duration GIVE_UP_AFTER = Duration.ofSeconds(120);

  private static final long RETRY_BACKOFF_MS = 250;
  private static final int REPLAY_EVERY = 10;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A merchant: id, API key, currency. */
  public record Merchant(String id, String apiKey, String currency) {}

  private final String baseUrl;
  private final List<Merchant> merchants;
  private final double ratePerMerchant;
  private final BufferedWriter log;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final ExecutorService workers;
  private final List<Future<?>> posters = new CopyOnWriteArrayList<>();
  private final AtomicBoolean running = new AtomicBoolean(false);
  private final Map<String, AcceptedPayment> authorized = new ConcurrentHashMap<>();
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong retries = new AtomicLong();
  private final AtomicLong inDoubt = new AtomicLong();

  public ChaosWorkload(
      String baseUrl, List<Merchant> merchants, double ratePerMerchant, Path observations) {
    this.baseUrl = baseUrl;
    this.merchants = List.copyOf(merchants);
    this.ratePerMerchant = ratePerMerchant;
    try {
      // appended: runs on one stack share one log, so the checker knows every run's payments
      this.log =
          Files.newBufferedWriter(
              observations,
              StandardCharsets.UTF_8,
              StandardOpenOption.CREATE,
              StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.workers =
        Executors.newFixedThreadPool(
            merchants.size(),
            r -> {
              Thread t = new Thread(r, "chaos-merchant");
              t.setDaemon(true);
              return t;
            });
  }

  public void start(long seed) {
    running.set(true);
    for (int i = 0; i < merchants.size(); i++) {
      Merchant m = merchants.get(i);
      Random random = new Random(seed * 31 + i);
      posters.add(workers.submit(() -> merchantLoop(m, random)));
    }
  }

  /** Appends a line to the observation log (the settlement files' ground truth goes here too). */
  public synchronized void record(Observation o) {
    try {
      log.write(o.toJsonLine());
      log.newLine();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void merchantLoop(Merchant m, Random random) {
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < TEST_CARDS.size(); i++) {
      String body =
          "{\"card\":{\"number\":\""
              + TEST_CARDS.get(i)
              + "\",\"exp_month\":12,\"exp_year\":2035}}";
      Answer a = postUntilDefinitive(m, "/v1/tokenize", "chaos-card-" + m.id() + "-" + i, body);
      if (a.status() != 201) {
        throw new IllegalStateException("tokenize answered " + a.status() + " for " + m.id());
      }
      tokens.add(a.json().path("token").asText());
    }
    long n = 0;
    while (running.get()) {
      long started = System.nanoTime();
      n++;
      authorizeAndMove(m, random, tokens, n);
      long waitNanos = (long) (1e9 / ratePerMerchant) - (System.nanoTime() - started);
      if (waitNanos > 0) {
        try {
          TimeUnit.NANOSECONDS.sleep(waitNanos);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private void authorizeAndMove(Merchant m, Random random, List<String> tokens, long n) {
    long amount = 500L + random.nextInt(49_500);
    String reference = "chaos-" + m.id() + "-" + n;
    ObjectNode body = JSON.createObjectNode();
    body.put("amount_minor", amount);
    body.put("currency", m.currency());
    body.put("reference", reference);
    body.put("card_token", tokens.get(random.nextInt(tokens.size())));
    String key = new UUID(random.nextLong(), random.nextLong()).toString();
    Answer a = postUntilDefinitive(m, "/v1/payments", key, body.toString());
    String paymentId = a.status() == 201 ? a.json().path("id").asText() : null;
    Boolean replaySame = null;
    if (paymentId != null && n % REPLAY_EVERY == 0) {
      Answer replay = postUntilDefinitive(m, "/v1/payments", key, body.toString());
      replaySame =
          replay.status() == 201 && paymentId.equals(replay.json().path("id").asText(null));
    }
    record(
        Observation.request(
            Observation.PAYMENT,
            m.id(),
            key,
            reference,
            paymentId,
            amount,
            m.currency(),
            a.status(),
            a.attempts(),
            replaySame));
    if (paymentId == null) {
      return;
    }
    authorized.put(
        paymentId,
        new AcceptedPayment(
            paymentId,
            m.id(),
            amount,
            m.currency(),
            Instant.parse(a.json().path("created_at").asText())));
    // about half are captured (some partly), a third of those partly refunded
    int dice = random.nextInt(6);
    if (dice >= 3) {
      long captured = dice == 5 ? amount / 2 : amount;
      if (move(m, random, "capture", paymentId, captured) && dice >= 4) {
        move(m, random, "refund", paymentId, Math.max(1, captured / 3));
      }
    }
  }

  private boolean move(Merchant m, Random random, String type, String paymentId, long amount) {
    String key = new UUID(random.nextLong(), random.nextLong()).toString();
    String path =
        "/v1/payments/" + paymentId + (Observation.CAPTURE.equals(type) ? "/capture" : "/refunds");
    Answer a = postUntilDefinitive(m, path, key, "{\"amount_minor\":" + amount + "}");
    record(
        Observation.request(
            type,
            m.id(),
            key,
            null,
            paymentId,
            amount,
            m.currency(),
            a.status(),
            a.attempts(),
            null));
    return a.status() == 200;
  }

  /** A final answer: status 0 when none came in time. */
  private record Answer(int status, JsonNode json, int attempts) {}

  /**
   * Retries timeouts, 5xx, in-flight and busy answers (409 {@code idempotency_key_in_flight} /
   * {@code payment_busy}) and 429 with the same key until a definitive answer or {@link
   * #GIVE_UP_AFTER}; keeps going after stop() so nothing is left in doubt.
   */
  private Answer postUntilDefinitive(Merchant m, String path, String key, String body) {
    long giveUp = System.nanoTime() + GIVE_UP_AFTER.toNanos();
    int attempts = 0;
    while (true) {
      attempts++;
      requests.incrementAndGet();
      try {
        HttpResponse<String> r = post(m, path, key, body);
        int status = r.statusCode();
        JsonNode json = parse(r.body());
        boolean retryable =
            status >= 500
                || status == 429
                || (status == 409
                    && List.of("idempotency_key_in_flight", "payment_busy")
                        .contains(json.path("code").asText()));
        if (!retryable) {
          return new Answer(status, json, attempts);
        }
      } catch (IOException e) {
        // no answer: the request may have committed; the same key finds out
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        inDoubt.incrementAndGet();
        return new Answer(0, JSON.createObjectNode(), attempts);
      }
      if (System.nanoTime() > giveUp) {
        inDoubt.incrementAndGet();
        return new Answer(0, JSON.createObjectNode(), attempts);
      }
      retries.incrementAndGet();
      try {
        TimeUnit.MILLISECONDS.sleep(RETRY_BACKOFF_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        inDoubt.incrementAndGet();
        return new Answer(0, JSON.createObjectNode(), attempts);
      }
    }
  }

  private static JsonNode parse(String body) {
    try {
      return body == null || body.isEmpty() ? JSON.createObjectNode() : JSON.readTree(body);
    } catch (IOException e) {
      return JSON.createObjectNode();
    }
  }

  private HttpResponse<String> post(Merchant m, String path, String key, String body)
      throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(baseUrl + path))
            .timeout(Duration.ofSeconds(15))
            .header("Authorization", "Bearer " + m.apiKey())
            .header("Idempotency-Key", key)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Authorizations accepted so far (for settlement files). */
  public List<AcceptedPayment> authorized() {
    return new ArrayList<>(authorized.values());
  }

  public long requests() {
    return requests.get();
  }

  public long retries() {
    return retries.get();
  }

  public long inDoubt() {
    return inDoubt.get();
  }

  /** Stops posting, waits for the requests in flight to get their answers, flushes the log. */
  public void stop() {
    running.set(false);
    workers.shutdown();
    try {
      if (!workers.awaitTermination(GIVE_UP_AFTER.toSeconds() * 2, TimeUnit.SECONDS)) {
        throw new IllegalStateException("merchants did not finish their requests in time");
      }
      for (Future<?> poster : posters) {
        poster.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      throw new IllegalStateException("a merchant failed: " + e.getCause(), e.getCause());
    }
    flush();
  }

  private synchronized void flush() {
    try {
      log.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    if (running.get()) {
      stop();
    }
    synchronized (this) {
      try {
        log.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
