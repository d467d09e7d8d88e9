package io.settleflow.deploy.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.settleflow.risk.RiskRuleValidator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An analyst's rules file: a JSON array of rule documents (or one document). Each becomes a record
 * of the compacted risk.rules topic, keyed by its id. Pure: bytes in, documents out.
 */
public final class RuleFile {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One rule document as it will be published, with what the validator says of it. */
  public record Entry(String key, byte[] document, RiskRuleValidator.Result validation) {
    public boolean valid() {
      return validation.isValid();
    }
  }

  /**
   * Parses and validates every document; a file that is not JSON is an error naming the problem.
   */
  public static List<Entry> read(byte[] file) {
    JsonNode root;
    try {
      root = JSON.readTree(file);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException("not a JSON rules file: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the rules file: " + e.getMessage());
    }
    if (root == null || !(root.isArray() || root.isObject())) {
      throw new IllegalArgumentException(
          "a rules file holds a JSON array of rule documents (or one document)");
    }
    List<Entry> entries = new ArrayList<>();
    for (JsonNode rule : root.isArray() ? root : List.of(root)) {
      String key = rule.path("id").asText("");
      byte[] document = rule.toString().getBytes(StandardCharsets.UTF_8);
      entries.add(new Entry(key, document, RiskRuleValidator.validate(key, document)));
    }
    return entries;
  }

  private RuleFile() {}
}
