package io.settleflow.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

/**
 * Checks real responses against the API's OpenAPI 3.1 document (the resource the API serves): finds
 * the operation by path template and method, the response by status, and validates the body against
 * that response's schema with a JSON Schema 2020-12 validator (OpenAPI 3.1's dialect).
 */
final class OpenApiContract {
  static final String RESOURCE = "openapi.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final JsonNode document;
  private final SchemaRegistry registry =
      SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

  OpenApiContract() {
    try (InputStream in = OpenApiContract.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      this.document = JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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

  private static String escape(String token) {
    return token.replace("~", "~0").replace("/", "~1");
  }
}
