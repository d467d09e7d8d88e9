package io.settleflow.ingest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks real responses against the API's OpenAPI 3.1 document (the resource the API serves): finds
 * the operation by path template and method, the response by status, and validates the body against
 * that response's schema with a JSON Schema 2020-12 validator (OpenAPI 3.1's dialect).
 *
 * <p>Requests too ({@link #checkRequest}): path, header and query parameters and the body against
 * the operation's parameters and request body; then {@link #disagreement} says whether the API's
 * answer to a request contradicts the document (a documented request refused as malformed, or an
 * undocumented one accepted), so the document and the parsers cannot drift apart.
 */
final class OpenApiContract {
  static final String RESOURCE = "openapi.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final JsonNode document;
  private final SchemaRegistry registry =
      SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

  /** JSON with a key twice is not the JSON the document describes (the API refuses it too). */
  private static final ObjectMapper STRICT_JSON =
      new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  /** 400 codes the document cannot express: the cursor is opaque to it. */
  private static final List<String> SEMANTIC_400_CODES = List.of("invalid_cursor");

  private final Map<String, Schema> requestSchemas = new ConcurrentHashMap<>();

  OpenApiContract() {
    try (InputStream in = OpenApiContract.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      this.document = JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A contract for another document (drift tests change the real one). */
  OpenApiContract(JsonNode document) {
    this.document = document;
  }

  JsonNode document() {
    return document;
  }

  /** The template of the documented path matching a concrete path ({id} matches one segment). */
  Optional<String> template(String path) {
    for (Iterator<String> it = document.get("paths").fieldNames(); it.hasNext(); ) {
      String template = it.next();
      if (path.matches(template.replaceAll("\\{[^/]+}", "[^/]+"))) {
        return Optional.of(template);
      }
    }
    return Optional.empty();
  }

  /**
   * The problems of one response against the document: empty when it conforms. An undocumented
   * path, method, status or media type is a problem too.
   */
  List<String> check(String method, String path, int status, String contentType, String body) {
    List<String> problems = new ArrayList<>();
    String where = method + " " + path + " -> " + status;
    Optional<String> template = template(path);
    if (template.isEmpty()) {
      return List.of(where + ": path not documented");
    }
    JsonNode operation =
        document.get("paths").get(template.get()).get(method.toLowerCase(java.util.Locale.ROOT));
    if (operation == null) {
      return List.of(where + ": method not documented");
    }
    JsonNode response = operation.get("responses").get(Integer.toString(status));
    if (response == null) {
      response = operation.get("responses").get("default");
    }
    if (response == null) {
      return List.of(where + ": status not documented");
    }
    String responsePointer =
        "/paths/"
            + escape(template.get())
            + "/"
            + method.toLowerCase(java.util.Locale.ROOT)
            + "/responses/"
            + (operation.get("responses").has(Integer.toString(status)) ? status : "default");
    if (response.has("$ref")) {
      responsePointer = response.get("$ref").asText().substring(1);
      response = document.at(responsePointer);
    }
    String mediaType = contentType == null ? "" : contentType.split(";", 2)[0].trim();
    if (!response.path("content").has(mediaType)) {
      return List.of(where + ": media type " + mediaType + " not documented");
    }
    if (!mediaType.endsWith("json")) {
      return problems; // text (Prometheus): documented, no JSON schema to check
    }
    Schema schema =
        registry.getSchema(
            SchemaLocation.of(
                "classpath:"
                    + RESOURCE
                    + "#"
                    + responsePointer
                    + "/content/"
                    + escape(mediaType)
                    + "/schema"));
    try {
      for (Error error : schema.validate(JSON.readTree(body))) {
        problems.add(where + ": " + error);
      }
    } catch (IOException e) {
      problems.add(where + ": body is not JSON");
    }
    return problems;
  }

  /**
   * The problems of one request against the document: empty when it conforms. Undocumented query
   * parameters and repeated ones are problems (the API refuses both).
   *
   * @param rawQuery the URI's raw query, or null
   * @param headers request headers (names in any case)
   * @param body the body bytes, empty for none
   */
  List<String> checkRequest(
      String method, String path, String rawQuery, Map<String, List<String>> headers, byte[] body) {
    String where = method + " " + path + (rawQuery == null ? "" : "?" + rawQuery);
    Optional<String> template = template(path);
    if (template.isEmpty()) {
      return List.of(where + ": path not documented");
    }
    String m = method.toLowerCase(Locale.ROOT);
    String operationPointer = "/paths/" + escape(template.get()) + "/" + m;
    JsonNode operation = document.at(operationPointer);
    if (operation.isMissingNode()) {
      return List.of(where + ": method not documented");
    }
    List<String> problems = new ArrayList<>();
    Map<String, List<String>> query = queryParameters(rawQuery);
    Map<String, String> pathValues = pathParameters(template.get(), path);
    Map<String, String> lowerHeaders = new HashMap<>();
    headers.forEach(
        (name, values) -> {
          if (!values.isEmpty()) {
            lowerHeaders.put(name.toLowerCase(Locale.ROOT), values.get(0));
          }
        });
    List<String> documentedQuery = new ArrayList<>();
    JsonNode parameters = operation.path("parameters");
    for (int i = 0; i < parameters.size(); i++) {
      String pointer = operationPointer + "/parameters/" + i;
      JsonNode parameter = parameters.get(i);
      if (parameter.has("$ref")) {
        pointer = parameter.get("$ref").asText().substring(1);
        parameter = document.at(pointer);
      }
      String name = parameter.get("name").asText();
      String in = parameter.get("in").asText();
      List<String> values =
          switch (in) {
            case "query" -> {
              documentedQuery.add(name);
              yield query.getOrDefault(name, List.of());
            }
            case "header" ->
                Optional.ofNullable(lowerHeaders.get(name.toLowerCase(Locale.ROOT)))
                    .map(List::of)
                    .orElse(List.of());
            case "path" ->
                Optional.ofNullable(pathValues.get(name)).map(List::of).orElse(List.of());
            default -> List.of();
          };
      if (values.isEmpty()) {
        if (parameter.path("required").asBoolean(false)) {
          problems.add(where + ": " + in + " parameter " + name + " is required");
        }
        continue;
      }
      if (values.size() > 1) {
        problems.add(where + ": " + in + " parameter " + name + " repeated");
      }
      String schemaPointer = pointer + "/schema";
      JsonNode value = parameterValue(document.at(schemaPointer), values.get(0));
      for (Error error : requestSchema(schemaPointer).validate(value)) {
        problems.add(where + ": " + in + " parameter " + name + ": " + error);
      }
    }
    for (String name : query.keySet()) {
      if (!documentedQuery.contains(name)) {
        problems.add(where + ": query parameter " + name + " not documented");
      }
    }
    JsonNode requestBody = operation.path("requestBody");
    if (body.length == 0) {
      if (requestBody.path("required").asBoolean(false)) {
        problems.add(where + ": body required");
      }
      return problems;
    }
    if (requestBody.isMissingNode()) {
      problems.add(where + ": a body is not documented");
      return problems;
    }
    String contentType = lowerHeaders.getOrDefault("content-type", "");
    String mediaType = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    if (!requestBody.path("content").has(mediaType)) {
      problems.add(where + ": request media type '" + mediaType + "' not documented");
      return problems;
    }
    JsonNode json;
    try {
      json = STRICT_JSON.readTree(body);
    } catch (IOException e) {
      problems.add(where + ": body is not JSON (or has a key twice)");
      return problems;
    }
    if (json == null || json.isMissingNode()) {
      problems.add(where + ": body is not JSON");
      return problems;
    }
    String schemaPointer =
        operationPointer + "/requestBody/content/" + escape(mediaType) + "/schema";
    for (Error error : requestSchema(schemaPointer).validate(json)) {
      problems.add(where + ": body: " + error);
    }
    return problems;
  }

  /**
   * Whether the API's answer contradicts the document's verdict on the request: a documented
   * request refused as malformed (400 other than the semantic codes, 415), an undocumented one
   * accepted (2xx) or failing with a 5xx. Empty when they agree.
   *
   * @param code the problem's {@code code} for a 4xx, else null
   */
  static Optional<String> disagreement(List<String> requestProblems, int status, String code) {
    boolean conforms = requestProblems.isEmpty();
    if (conforms && (status == 415 || (status == 400 && !SEMANTIC_400_CODES.contains(code)))) {
      return Optional.of(
          "the API answered " + status + " " + code + " to a request the document allows");
    }
    if (!conforms && (status < 400 || status >= 500)) {
      return Optional.of(
          "the API answered " + status + " to a request the document forbids: " + requestProblems);
    }
    return Optional.empty();
  }

  private Schema requestSchema(String pointer) {
    return requestSchemas.computeIfAbsent(
        pointer,
        p -> {
          // The whole document as the schema resource, so "#/components/..." references resolve
          // against it (also for a changed in-memory document); its other members are ignored.
          ObjectNode root = document.deepCopy();
          root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
          root.put("$ref", "#" + p);
          return registry.getSchema(root);
        });
  }

  /** A parameter's text as the JSON value its schema means (integers as numbers). */
  private JsonNode parameterValue(JsonNode schema, String text) {
    JsonNode resolved =
        schema.has("$ref") ? document.at(schema.get("$ref").asText().substring(1)) : schema;
    if ("integer".equals(resolved.path("type").asText()) && text.matches("-?[0-9]{1,18}")) {
      return LongNode.valueOf(Long.parseLong(text));
    }
    return TextNode.valueOf(text);
  }

  private static Map<String, List<String>> queryParameters(String rawQuery) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return out;
    }
    for (String pair : rawQuery.split("&", -1)) {
      int eq = pair.indexOf('=');
      String name =
          URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value =
          eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      out.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    }
    return out;
  }

  private static Map<String, String> pathParameters(String template, String path) {
    List<String> names = new ArrayList<>();
    Matcher names0 = Pattern.compile("\\{([^/}]+)}").matcher(template);
    while (names0.find()) {
      names.add(names0.group(1));
    }
    Matcher values = Pattern.compile(template.replaceAll("\\{[^/]+}", "([^/]+)")).matcher(path);
    Map<String, String> out = new HashMap<>();
    if (values.matches()) {
      for (int i = 0; i < names.size(); i++) {
        out.put(names.get(i), values.group(i + 1));
      }
    }
    return out;
  }

  private static String escape(String token) {
    return token.replace("~", "~0").replace("/", "~1");
  }
}
