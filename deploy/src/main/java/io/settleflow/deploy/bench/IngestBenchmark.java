package io.settleflow.deploy.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.settleflow.deploy.Stack;
import io.settleflow.deploy.StackSettings;
import io.settleflow.ledger.AuthorizeRequest;
import io.settleflow.ledger.AuthorizeResult;
import io.settleflow.ledger.LedgerSchema;
import io.settleflow.ledger.MerchantAdmin;
import io.settleflow.ledger.PaymentLedger;
import io.settleflow.ledger.StoredResponse;
import io.settleflow.schemas.ConfluentRegistryClient;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.Topics;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code ./settleflow bench ingest}: on one embedded PostgreSQL (fsync and synchronous_commit on),
 * the ledger's own authorize transaction driven directly over JDBC (the same statements in the same
 * transaction, through {@link PaymentLedger}) and the HTTP API in its own JVM, under the same
 * number of concurrent clients and the same pool size. The ratio is what the API costs on top of
 * the database work. The measured time is cut into {@link #ROUNDS} slices per side, alternating raw
 * and API, so both sides see the same background load on a shared machine (one long phase each let
 * a neighbour's build land on one side only). Each side first warms up for a number of operations
 * (see {@link Options}), and each side's CPU per operation is reported per process (PostgreSQL,
 * ingest-api, this JVM) with the load average, so a figure says where the time went.
 */
public final class IngestBenchmark {
  /** The API's and the raw clients' pool size: the same for both sides. */
  public static final int POOL_SIZE = 10;

  /** Measured slices per side, alternating raw, API, raw, API, ... */
  public static final int ROUNDS = 4;

  /** Warm-up slices are this long; warm-up ends after the slice that reaches its target. */
  static final Duration WARMUP_SLICE = Duration.ofSeconds(2);

  /**
   * How the benchmark runs. Each side warms up until it has done {@code warmupOperations} or {@code
   * warmup} has passed, whichever comes first: the API's JVM (Jetty, Javalin, Jackson, pgjdbc)
   * needs thousands of requests per hot method before C2 compiles it, and JIT threads still
   * compiling during the measurement charge the API side with CPU a running service does not spend.
   */
  public record Options(int clients, Duration warmup, int warmupOperations, Duration measure) {}

  /** One line of result, as the issue defines it. */
  public record Result(LatencySample raw, LatencySample api) {
    public String resultLine() {
      return String.format(
          java.util.Locale.ROOT,
          "RESULT ingest throughput_ratio=%.2f p99_ratio=%.2f api_rps=%.0f raw_tps=%.0f api_p99_ms=%.1f raw_p99_ms=%.1f",
          api.perSecond() / raw.perSecond(),
          api.quantileMs(0.99) / raw.quantileMs(0.99),
          api.perSecond(),
          raw.perSecond(),
          api.quantileMs(0.99),
          raw.quantileMs(0.99));
    }
  }

  /**
   * One timed operation: true when it succeeded, false when the service shed it (only successes are
   * timed and counted); anything else throws.
   */
  @FunctionalInterface
  interface Operation {
    boolean run(int client) throws Exception;
  }

  private final Options options;
  private final PrintStream out;
  private final java.util.concurrent.atomic.AtomicLong shed =
      new java.util.concurrent.atomic.AtomicLong();

  public IngestBenchmark(Options options, PrintStream out) {
    this.options = options;
    this.out = out;
  }

  public Result run(Path home, Path runDir) throws Exception {
    StackSettings settings =
        StackSettings.ephemeral(
            home,
            runDir,
            StackSettings.DEFAULT_SETTLEMENT_DEADLINE,
            StackSettings.DEFAULT_ORPHAN_GRACE);
    // The per-merchant rate limit is lifted: one merchant carries the whole load here.
    Map<String, String> ingestEnv =
        Map.of(
            "SETTLEFLOW_DB_POOL_SIZE",
            Integer.toString(POOL_SIZE),
            "SETTLEFLOW_RATE_LIMIT_PER_SECOND",
            "1000000",
            "SETTLEFLOW_RATE_LIMIT_BURST",
            "1000000");
    try (Stack stack = Stack.start(settings, out, Stack.Scope.INGEST_ONLY, ingestEnv)) {
      MerchantAdmin admin =
          new MerchantAdmin(stack.postgres().superuser(Stack.DATABASE), Clock.systemUTC());
      admin.createMerchant("bench-merchant", "Benchmark merchant");
      String apiKey = admin.issueApiKey("bench-merchant");
      ConfluentWireFormat wire =
          new ConfluentWireFormat(new ConfluentRegistryClient(stack.endpoints().registryUrl()));
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      // Both sides pay with the same vault token, so both run the vault lookup of an authorize.
      String cardToken = tokenize(http, stack.endpoints().ingestUrl(), apiKey);

      URI base = URI.create(stack.endpoints().ingestUrl());
      // one keep-alive connection per client thread (see KeepAliveHttpClient)
      KeepAliveHttpClient[] connections = new KeepAliveHttpClient[options.clients()];
      for (int c = 0; c < connections.length; c++) {
        connections[c] = new KeepAliveHttpClient(base);
      }
      Operation apiAuthorize =
          client -> {
            String body =
                "{\"amount_minor\":"
                    + amount()
                    + ",\"currency\":\"EUR\",\"card_token\":\""
                    + cardToken
                    + "\"}";
            int status =
                connections[client].post(
                    "/v1/payments",
                    Map.of(
                        "Authorization",
                        "Bearer " + apiKey,
                        "Idempotency-Key",
                        UUID.randomUUID().toString(),
                        "Content-Type",
                        "application/json"),
                    body.getBytes(StandardCharsets.UTF_8));
            if (status == 503) {
              // the pool's connection wait (IngestMain.DB_CONNECTION_TIMEOUT_MS) ran out
              shed.incrementAndGet();
              return false;
            }
            if (status != 201) {
              throw new IllegalStateException("API answered " + status);
            }
            return true;
          };
      try (HikariDataSource pool = appPool(stack, runDir)) {
        PaymentLedger ledger = new PaymentLedger(pool, Clock.systemUTC());
        Operation rawAuthorize =
            client -> {
              AuthorizeResult r =
                  ledger.authorize(
                      new AuthorizeRequest(
                          "bench-merchant",
                          UUID.randomUUID().toString(),
                          randomHash(),
                          amount(),
                          "EUR",
                          null,
                          cardToken),
                      event -> wire.encode(Topics.PAYMENTS_AUTHORIZED, event),
                      payment ->
                          new StoredResponse(201, "{\"id\":\"" + payment.paymentId() + "\"}"));
              if (!(r instanceof AuthorizeResult.Created)) {
                throw new IllegalStateException("raw authorize did not create: " + r);
              }
              return true;
            };
        ProcessCpu cpu =
            new ProcessCpu(
                stack.service("ingest-api").pid(),
                ProcessCpu.postmasterPid(runDir.resolve("postgres")));
        return interleaved(
            "raw JDBC (PaymentLedger.authorize, same SQL and transaction)",
            rawAuthorize,
            "HTTP API (POST /v1/payments)",
            apiAuthorize,
            cpu);
      } finally {
        for (KeepAliveHttpClient c : connections) {
          c.close();
        }
      }
    }
  }

  /** One POST /v1/tokenize of a test card; returns its token. */
  private static String tokenize(HttpClient http, String ingestUrl, String apiKey)
      throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(ingestUrl + "/v1/tokenize"))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + apiKey)
                .header("Idempotency-Key", "bench-card")
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"card\":{\"number\":\"4242424242424242\",\"exp_month\":12,\"exp_year\":2035}}",
                        StandardCharsets.UTF_8))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 201) {
      throw new IllegalStateException(
          "tokenize answered " + response.statusCode() + ": " + response.body());
    }
    String body = response.body();
    int start = body.indexOf("\"token\":\"") + "\"token\":\"".length();
    return body.substring(start, body.indexOf('"', start));
  }

  private HikariDataSource appPool(Stack stack, Path runDir) throws Exception {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(stack.postgres().jdbcUrl(Stack.DATABASE));
    config.setUsername(LedgerSchema.APP_ROLE);
    config.setPassword(Files.readString(runDir.resolve("secrets/db-app-password")).strip());
    config.setMaximumPoolSize(POOL_SIZE);
    return new HikariDataSource(config);
  }

  /**
   * Warms both sides up, then measures them in {@link #ROUNDS} alternating slices each (every
   * client loops on the operation; latencies of successes only) and pools each side's slices.
   */
  private Result interleaved(
      String rawName, Operation raw, String apiName, Operation api, ProcessCpu cpu)
      throws Exception {
    for (String name : List.of(rawName, apiName)) {
      out.printf(
          "bench ingest: %s, %d clients: warming up for %d operations or %d s%n",
          name, options.clients(), options.warmupOperations(), options.warmup().toSeconds());
      warmUp(name, name.equals(rawName) ? raw : api);
    }
    Duration slice = options.measure().dividedBy(ROUNDS);
    out.printf(
        "bench ingest: measuring %d s per side in %d alternating slices of %d ms%n",
        options.measure().toSeconds(), ROUNDS, slice.toMillis());
    java.util.List<long[]> rawLatencies = new java.util.ArrayList<>();
    java.util.List<long[]> apiLatencies = new java.util.ArrayList<>();
    long rawNanos = 0;
    long apiNanos = 0;
    ProcessCpu.Reading rawCpu = ProcessCpu.ZERO;
    ProcessCpu.Reading apiCpu = ProcessCpu.ZERO;
    double loadBefore = ProcessCpu.loadAverage();
    long shedBefore = shed.get();
    for (int round = 0; round < ROUNDS; round++) {
      ProcessCpu.Reading c0 = cpu.read();
      long start = System.nanoTime();
      rawLatencies.addAll(drive(raw, slice));
      long middle = System.nanoTime();
      ProcessCpu.Reading c1 = cpu.read();
      apiLatencies.addAll(drive(api, slice));
      apiNanos += System.nanoTime() - middle;
      rawNanos += middle - start;
      ProcessCpu.Reading c2 = cpu.read();
      rawCpu = rawCpu.plus(c1.minus(c0));
      apiCpu = apiCpu.plus(c2.minus(c1));
    }
    Result result =
        new Result(
            report(rawName, rawLatencies, rawNanos), report(apiName, apiLatencies, apiNanos));
    if (shed.get() > 0) {
      out.printf(
          "bench ingest: the API answered 503 database_unavailable to %d requests (%d while"
              + " measuring): not counted as operations%n",
          shed.get(), shed.get() - shedBefore);
    }
    cpuReport("raw JDBC", rawCpu, result.raw(), rawNanos, "raw JDBC clients");
    cpuReport("HTTP API", apiCpu, result.api(), apiNanos, "load generator");
    out.printf(
        java.util.Locale.ROOT,
        "bench ingest: load average %.2f before, %.2f after measuring (2 cores: above 2 means"
            + " other work competed for the CPU)%n",
        loadBefore,
        ProcessCpu.loadAverage());
    return result;
  }

  /**
   * Where one operation's CPU went: PostgreSQL (all backends), the ingest-api JVM, and this JVM
   * (the raw JDBC clients or the HTTP load generator), plus how much of the 2 cores they used.
   */
  private void cpuReport(
      String side, ProcessCpu.Reading cpu, LatencySample sample, long elapsedNanos, String self) {
    double ops = Math.max(1, sample.operations());
    out.printf(
        java.util.Locale.ROOT,
        "bench ingest: %s CPU per operation: postgres %.2f ms, ingest-api %.2f ms, %s %.2f ms"
            + " (total %.2f ms; these processes used %.2f cores)%n",
        side,
        cpu.postgresNanos() / ops / 1e6,
        cpu.apiNanos() / ops / 1e6,
        self,
        cpu.benchNanos() / ops / 1e6,
        (cpu.postgresNanos() + cpu.apiNanos() + cpu.benchNanos()) / ops / 1e6,
        (cpu.postgresNanos() + cpu.apiNanos() + cpu.benchNanos()) / (double) elapsedNanos);
  }

  private void warmUp(String name, Operation operation) throws Exception {
    long start = System.nanoTime();
    long end = start + options.warmup().toNanos();
    long operations = 0;
    while (operations < options.warmupOperations() && System.nanoTime() < end) {
      Duration slice = Duration.ofNanos(Math.min(WARMUP_SLICE.toNanos(), end - System.nanoTime()));
      for (long[] perClient : drive(operation, slice)) {
        operations += perClient.length;
      }
    }
    out.printf(
        "bench ingest: %s: warmed up with %d operations in %d s%n",
        name, operations, Duration.ofNanos(System.nanoTime() - start).toSeconds());
  }

  private LatencySample report(String name, List<long[]> perClient, long elapsedNanos) {
    long[] all = perClient.stream().flatMapToLong(java.util.Arrays::stream).toArray();
    LatencySample sample = LatencySample.of(all, elapsedNanos);
    out.printf(
        java.util.Locale.ROOT,
        "bench ingest: %s: %.0f ops/s, p50 %.1f ms, p99 %.1f ms (%d ops)%n",
        name,
        sample.perSecond(),
        sample.quantileMs(0.5),
        sample.quantileMs(0.99),
        sample.operations());
    return sample;
  }

  private List<long[]> drive(Operation operation, Duration duration) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(options.clients());
    long end = System.nanoTime() + duration.toNanos();
    try {
      List<Future<long[]>> futures = new java.util.ArrayList<>();
      for (int c = 0; c < options.clients(); c++) {
        int client = c;
        futures.add(
            pool.submit(
                () -> {
                  long[] latencies = new long[1024];
                  int n = 0;
                  while (System.nanoTime() < end) {
                    long t = System.nanoTime();
                    if (!operation.run(client)) {
                      continue;
                    }
                    if (n == latencies.length) {
                      latencies = java.util.Arrays.copyOf(latencies, n * 2);
                    }
                    latencies[n++] = System.nanoTime() - t;
                  }
                  return java.util.Arrays.copyOf(latencies, n);
                }));
      }
      List<long[]> results = new java.util.ArrayList<>();
      for (Future<long[]> f : futures) {
        results.add(f.get());
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  private static long amount() {
    return 500L + ThreadLocalRandom.current().nextInt(50_000);
  }

  private static byte[] randomHash() {
    byte[] b = new byte[32];
    ThreadLocalRandom.current().nextBytes(b);
    return b;
  }
}
