package io.settleflow.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * A small client for the Confluent schema-registry REST API (register, get by id), with caches.
 *
 * <p>Confluent's own client is not on Maven Central, so this speaks the documented REST calls
 * itself. It always resolves ids through the same Confluent API it registers with: Apicurio keeps a
 * globalId and a contentId per schema, and only the Confluent API's ids are safe to mix.
 */
public final class ConfluentRegistryClient implements SchemaRegistry {
  private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

  /**
   * Parallel producers register the same schema at the same moment on first use; Apicurio answers
   * the loser with HTTP 409 instead of the id, and a second attempt gets it.
   */
  static final int MAX_REGISTER_ATTEMPTS = 4;

  private static final int HTTP_CONFLICT = 409;
  private static final long REGISTER_BACKOFF_MS = 100;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI baseUrl;
  private final HttpClient http;
  private final Map<String, Integer> idBySubjectAndSchema = new ConcurrentHashMap<>();
  private final Map<Integer, Schema> schemaById = new ConcurrentHashMap<>();

  /**
   * @param baseUrl the Confluent API root, e.g. {@code http://127.0.0.1:8081/apis/ccompat/v7}
   */
  public ConfluentRegistryClient(String baseUrl) {
    this.baseUrl = URI.create(baseUrl.endsWith("/") ? baseUrl : baseUrl + "/");
    this.http = HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT).build();
  }

  @Override
  public int register(String subject, Schema schema) {
    String canonical = schema.toString();
    return idBySubjectAndSchema.computeIfAbsent(
        subject + '\n' + canonical,
        k -> {
          JsonNode response = registerWithRetry(subject, canonical);
          int id = response.path("id").asInt(-1);
          if (id < 0) {
            throw new SchemaRegistryException("registry returned no id for subject " + subject);
          }
          schemaById.putIfAbsent(id, schema);
          return id;
        });
  }

  private JsonNode registerWithRetry(String subject, String canonical) {
    String body = JSON.createObjectNode().put("schema", canonical).toString();
    for (int attempt = 1; ; attempt++) {
      try {
        return send(
            HttpRequest.newBuilder(resolve("subjects/" + encode(subject) + "/versions"))
                .POST(HttpRequest.BodyPublishers.ofString(body)),
            "register a schema under subject " + subject);
      } catch (SchemaRegistryException e) {
        if (e.status() != HTTP_CONFLICT || attempt >= MAX_REGISTER_ATTEMPTS) {
          throw e;
        }
        backOff(attempt);
      }
    }
  }

  private static void backOff(int attempt) {
    try {
      Thread.sleep(REGISTER_BACKOFF_MS * attempt);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SchemaRegistryException("interrupted while retrying a schema registration", e);
    }
  }

  @Override
  public Schema schemaById(int id) {
    return schemaById.computeIfAbsent(
        id,
        k -> {
          JsonNode response =
              send(
                  HttpRequest.newBuilder(resolve("schemas/ids/" + id)).GET(),
                  "fetch schema id " + id);
          return new Schema.Parser().parse(response.path("schema").asText());
        });
  }

  private URI resolve(String path) {
    return baseUrl.resolve(path);
  }

  private JsonNode send(HttpRequest.Builder request, String what) {
    HttpRequest built =
        request
            .timeout(REQUEST_TIMEOUT)
            .header("Content-Type", CONTENT_TYPE)
            .header("Accept", CONTENT_TYPE)
            .build();
    try {
      HttpResponse<String> response = http.send(built, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() / 100 != 2) {
        throw new SchemaRegistryException(
            "schema registry refused to "
                + what
                + ": HTTP "
                + response.statusCode()
                + " "
                + response.body(),
            response.statusCode());
      }
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new SchemaRegistryException(
          "schema registry at " + baseUrl + " unreachable while trying to " + what, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SchemaRegistryException("interrupted while trying to " + what, e);
    }
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
