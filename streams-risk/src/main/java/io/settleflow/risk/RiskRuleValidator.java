package io.settleflow.risk;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Parses and checks one rule document:
 *
 * <pre>
 * {"id": "amount-limit", "version": 3, "status": "ACTIVE", "feature": "amount_minor",
 *  "comparison": ">", "threshold": 500000, "score": 60, "action": "REVIEW"}
 * </pre>
 *
 * Every error names the rule id (or {@code <no id>}) and the field, so an analyst can fix the
 * document; no error is thrown for bad input. Pure: no Kafka types.
 */
public final class RiskRuleValidator {
  /** A rule document is a handful of fields; anything bigger is a mistake, not a rule. */
  public static final int MAX_DOCUMENT_BYTES = 4096;

  public static final int MAX_ID_LENGTH = 64;
  public static final int MAX_SCORE = 100;
  static final String NO_ID = "<no id>";

  private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9._-]*");
  private static final Set<String> FIELDS =
      Set.of("id", "version", "status", "feature", "comparison", "threshold", "score", "action");
  private static final ObjectMapper JSON = new ObjectMapper();

  private RiskRuleValidator() {}

  /** A valid rule, or the reasons the document is not one (never both). */
  public record Result(Optional<RiskRule> rule, List<String> errors) {
    public Result {
      errors = List.copyOf(errors);
    }

    public boolean isValid() {
      return rule.isPresent();
    }
  }

  /**
   * @param key the record key the document was published under, or null when there is none (a
   *     file); a key must equal the document's id, since the compacted topic keeps one per key
   */
  public static Result validate(String key, byte[] document) {
    String who = key == null || key.isBlank() ? NO_ID : key;
    if (document == null || document.length == 0) {
      return invalid(error(who, "document", "is empty"));
    }
    if (document.length > MAX_DOCUMENT_BYTES) {
      return invalid(error(who, "document", "is larger than " + MAX_DOCUMENT_BYTES + " bytes"));
    }
    JsonNode root;
    try {
      root = JSON.readTree(document);
    } catch (JacksonException e) {
      return invalid(error(who, "document", "is not JSON"));
    } catch (java.io.IOException e) {
      return invalid(error(who, "document", "could not be read"));
    }
    if (root == null || !root.isObject()) {
      return invalid(error(who, "document", "is not a JSON object"));
    }
    return validateObject(key, (ObjectNode) root);
  }

  private static Result validateObject(String key, ObjectNode doc) {
    List<String> errors = new ArrayList<>();
    String id = null;
    JsonNode idNode = doc.get("id");
    String who = key == null || key.isBlank() ? NO_ID : key;
    if (idNode == null || idNode.isNull()) {
      errors.add(error(who, "id", "is missing"));
    } else if (!idNode.isTextual()
        || !ID.matcher(idNode.asText()).matches()
        || idNode.asText().length() > MAX_ID_LENGTH) {
      errors.add(
          error(
              who,
              "id",
              "must match " + ID.pattern() + " and be at most " + MAX_ID_LENGTH + " characters"));
    } else {
      id = idNode.asText();
      who = id;
      if (key != null && !key.equals(id)) {
        errors.add(error(who, "id", "does not match the record key"));
      }
    }
    for (Iterator<String> names = doc.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!FIELDS.contains(name)) {
        errors.add(error(who, name, "is not a rule field (known: " + sorted(FIELDS) + ")"));
      }
    }

    Long version = null;
    JsonNode v = doc.get("version");
    if (missing(v)) {
      errors.add(error(who, "version", "is missing"));
    } else if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 1) {
      errors.add(error(who, "version", "must be a positive integer"));
    } else {
      version = v.asLong();
    }

    RuleStatus status = enumField(doc, who, "status", RuleStatus.class, errors);
    RuleAction action = enumField(doc, who, "action", RuleAction.class, errors);

    RiskFeature feature = null;
    JsonNode f = doc.get("feature");
    if (missing(f)) {
      errors.add(error(who, "feature", "is missing"));
    } else {
      feature = f.isTextual() ? RiskFeature.byDocumentName(f.asText()).orElse(null) : null;
      if (feature == null) {
        errors.add(
            error(
                who,
                "feature",
                "unknown feature (known: "
                    + Arrays.stream(RiskFeature.values())
                        .map(RiskFeature::documentName)
                        .collect(Collectors.joining(", "))
                    + ")"));
      }
    }

    RuleComparison comparison = null;
    JsonNode c = doc.get("comparison");
    if (missing(c)) {
      errors.add(error(who, "comparison", "is missing"));
    } else {
      comparison = c.isTextual() ? RuleComparison.bySymbol(c.asText()).orElse(null) : null;
      if (comparison == null) {
        errors.add(error(who, "comparison", "must be one of >, >=, <, <=, =="));
      }
    }

    BigDecimal threshold = null;
    JsonNode t = doc.get("threshold");
    if (missing(t)) {
      errors.add(error(who, "threshold", "is missing"));
    } else if (!t.isNumber()) {
      errors.add(error(who, "threshold", "must be a number"));
    } else {
      threshold = t.decimalValue();
    }

    Integer score = null;
    JsonNode s = doc.get("score");
    if (missing(s)) {
      errors.add(error(who, "score", "is missing"));
    } else if (!s.isIntegralNumber()
        || !s.canConvertToInt()
        || s.asInt() < 0
        || s.asInt() > MAX_SCORE) {
      errors.add(error(who, "score", "must be an integer from 0 to " + MAX_SCORE));
    } else {
      score = s.asInt();
    }

    if (!errors.isEmpty()) {
      return invalid(errors);
    }
    return new Result(
        Optional.of(
            new RiskRule(id, version, status, feature, comparison, threshold, score, action)),
        List.of());
  }

  /**
   * Versions only go up: a document for a rule id must carry a version above the one in force (the
   * engine ignores it otherwise, so an out-of-order publish never rolls a rule back).
   *
   * @param versionInForce the version currently valid for this id, or null when there is none
   */
  public static Optional<String> versionProblem(String id, long version, Long versionInForce) {
    if (versionInForce == null || version > versionInForce) {
      return Optional.empty();
    }
    return Optional.of(
        error(
            id,
            "version",
            "must be above " + versionInForce + ", the version in force (versions only go up)"));
  }

  private static <E extends Enum<E>> E enumField(
      ObjectNode doc, String who, String field, Class<E> type, List<String> errors) {
    JsonNode n = doc.get(field);
    if (missing(n)) {
      errors.add(error(who, field, "is missing"));
      return null;
    }
    for (E e : type.getEnumConstants()) {
      if (n.isTextual() && e.name().equals(n.asText())) {
        return e;
      }
    }
    errors.add(
        error(
            who,
            field,
            "must be one of "
                + Arrays.stream(type.getEnumConstants())
                    .map(Enum::name)
                    .collect(Collectors.joining(", "))));
    return null;
  }

  private static boolean missing(JsonNode n) {
    return n == null || n.isNull();
  }

  private static String sorted(Set<String> names) {
    return names.stream().sorted().collect(Collectors.joining(", "));
  }

  /** Names the rule and field, never echoes the bad value (it may be long or hostile). */
  private static String error(String ruleId, String field, String problem) {
    return "rule " + ruleId + ": " + field + " " + problem;
  }

  private static Result invalid(String error) {
    return invalid(List.of(error));
  }

  private static Result invalid(List<String> errors) {
    return new Result(Optional.empty(), errors);
  }
}
