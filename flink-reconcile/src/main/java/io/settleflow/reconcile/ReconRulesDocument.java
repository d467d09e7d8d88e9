package io.settleflow.reconcile;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * Reads a rules document (YAML; JSON is YAML too) into {@link ReconRules}. Pure: text in, rules
 * out. Every error names the field by its path, e.g. {@code fees.merchants.m-1.percent}, and
 * unknown keys are errors, so a typo never silently falls back to a default.
 */
public final class ReconRulesDocument {
  /** The built-in document, on the classpath beside this class. */
  public static final String BUILTIN_RESOURCE = "recon-rules.yaml";

  /** Larger than any sane rules file; a wrong path (a log, a dump) fails fast instead. */
  public static final int MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;

  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory())
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

  private ReconRulesDocument() {}

  /** The rules shipped with the job. */
  public static ReconRules builtin() {
    try (InputStream in = ReconRulesDocument.class.getResourceAsStream(BUILTIN_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + BUILTIN_RESOURCE);
      }
      return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(BUILTIN_RESOURCE + " unreadable", e);
    }
  }

  /**
   * @throws IllegalArgumentException naming the field, for anything that is not a valid document
   */
  public static ReconRules parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("rules document is empty");
    }
    if (text.length() > MAX_DOCUMENT_BYTES) {
      throw new IllegalArgumentException(
          "rules document is larger than " + MAX_DOCUMENT_BYTES + " characters");
    }
    JsonNode root;
    try {
      root = YAML.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "rules document is not valid YAML/JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("rules document must be a mapping at the top level");
    }
    onlyKeys(
        root,
        "",
        Set.of("version", "amount", "fees", "fx", "overdue", "batches", "payout_windows"));
    String version = text(root, "version", "");
    if (version == null) {
      throw new IllegalArgumentException("version: required (the rules document's version)");
    }
    ReconRules defaults = ReconRules.defaults();
    return new ReconRules(
        version,
        amount(section(root, "amount"), defaults.amount()),
        fees(section(root, "fees")),
        fx(section(root, "fx")),
        overdue(section(root, "overdue"), defaults.overdue()),
        batches(section(root, "batches"), defaults.batches()),
        windows(section(root, "payout_windows"), defaults.windows()));
  }

  private static ReconRules.PayoutWindows windows(JsonNode n, ReconRules.PayoutWindows d) {
    if (n == null) {
      return d;
    }
    String prefix = "payout_windows.";
    onlyKeys(n, prefix, Set.of("version", "enabled", "window", "tolerance_minor"));
    JsonNode enabled = n.get("enabled");
    if (enabled != null && !enabled.isBoolean()) {
      throw new IllegalArgumentException(prefix + "enabled: must be true or false, was " + enabled);
    }
    JsonNode window = n.get("window");
    long toleranceMinor = longValue(n, "tolerance_minor", prefix, 0);
    if (toleranceMinor < 0) {
      throw new IllegalArgumentException(
          prefix + "tolerance_minor: must be >= 0, was " + toleranceMinor);
    }
    return new ReconRules.PayoutWindows(
        version(n, prefix),
        enabled != null && enabled.booleanValue(),
        window == null ? d.windowMs() : duration(window, prefix + "window"),
        toleranceMinor);
  }

  private static ReconRules.Batches batches(JsonNode n, ReconRules.Batches d) {
    if (n == null) {
      return d;
    }
    onlyKeys(n, "batches.", Set.of("version", "tolerance_minor", "wait", "payout_sla"));
    JsonNode wait = n.get("wait");
    JsonNode sla = n.get("payout_sla");
    long toleranceMinor = longValue(n, "tolerance_minor", "batches.", 0);
    if (toleranceMinor < 0) {
      throw new IllegalArgumentException(
          "batches.tolerance_minor: must be >= 0, was " + toleranceMinor);
    }
    return new ReconRules.Batches(
        version(n, "batches."),
        toleranceMinor,
        wait == null ? d.waitMs() : duration(wait, "batches.wait"),
        sla == null ? d.payoutSlaMs() : duration(sla, "batches.payout_sla"));
  }

  private static ReconRules.Amount amount(JsonNode n, ReconRules.Amount d) {
    if (n == null) {
      return d;
    }
    onlyKeys(n, "amount.", Set.of("version", "tolerance_minor", "tolerance_percent"));
    return new ReconRules.Amount(
        version(n, "amount."),
        longValue(n, "tolerance_minor", "amount.", 0),
        decimal(n, "tolerance_percent", "amount.", BigDecimal.ZERO));
  }

  private static ReconRules.Fees fees(JsonNode n) {
    if (n == null) {
      return ReconRules.defaults().fees();
    }
    onlyKeys(n, "fees.", Set.of("version", "tolerance_minor", "default", "merchants"));
    JsonNode def = n.get("default");
    ReconRules.FeeSchedule defaultSchedule =
        def == null || def.isNull() ? null : schedule(def, "fees.default.");
    return new ReconRules.Fees(
        version(n, "fees."),
        longValue(n, "tolerance_minor", "fees.", 0),
        defaultSchedule,
        map(n, "merchants", "fees.", (v, path) -> schedule(v, path + ".")));
  }

  private static ReconRules.FeeSchedule schedule(JsonNode n, String prefix) {
    if (!n.isObject()) {
      throw new IllegalArgumentException(
          strip(prefix) + ": must be a mapping {percent, fixed_minor}");
    }
    onlyKeys(n, prefix, Set.of("percent", "fixed_minor"));
    BigDecimal percent = decimal(n, "percent", prefix, BigDecimal.ZERO);
    long fixedMinor = longValue(n, "fixed_minor", prefix, 0);
    try {
      return new ReconRules.FeeSchedule(percent, fixedMinor);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(prefix + e.getMessage(), e);
    }
  }

  private static ReconRules.Fx fx(JsonNode n) {
    if (n == null) {
      return ReconRules.defaults().fx();
    }
    onlyKeys(n, "fx.", Set.of("version", "tolerance_minor", "tolerance_percent", "rates"));
    return new ReconRules.Fx(
        version(n, "fx."),
        longValue(n, "tolerance_minor", "fx.", 0),
        decimal(n, "tolerance_percent", "fx.", BigDecimal.ZERO),
        map(n, "rates", "fx.", (v, path) -> number(v, path)));
  }

  private static ReconRules.Overdue overdue(JsonNode n, ReconRules.Overdue d) {
    if (n == null) {
      return d;
    }
    onlyKeys(n, "overdue.", Set.of("version", "default_sla", "processors", "merchant_processors"));
    JsonNode sla = n.get("default_sla");
    return new ReconRules.Overdue(
        version(n, "overdue."),
        sla == null ? d.defaultSlaMs() : duration(sla, "overdue.default_sla"),
        map(n, "processors", "overdue.", (v, path) -> duration(v, path)),
        map(
            n,
            "merchant_processors",
            "overdue.",
            (v, path) -> {
              if (!v.isTextual() || v.asText().isBlank()) {
                throw new IllegalArgumentException(path + ": must be a processor name");
              }
              return v.asText();
            }));
  }

  private static JsonNode section(JsonNode root, String name) {
    JsonNode n = root.get(name);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isObject()) {
      throw new IllegalArgumentException(name + ": must be a mapping");
    }
    return n;
  }

  private static void onlyKeys(JsonNode n, String prefix, Set<String> allowed) {
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!allowed.contains(key)) {
        throw new IllegalArgumentException(
            prefix
                + key
                + ": unknown field (known: "
                + String.join(", ", allowed.stream().sorted().toList())
                + ")");
      }
    }
  }

  private static int version(JsonNode n, String prefix) {
    JsonNode v = n.get("version");
    if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
      throw new IllegalArgumentException(prefix + "version: required, a positive integer");
    }
    return v.intValue();
  }

  private static long longValue(JsonNode n, String field, String prefix, long defaultValue) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return defaultValue;
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new IllegalArgumentException(
          prefix + field + ": must be a whole number of minor units, was " + v);
    }
    return v.longValue();
  }

  private static BigDecimal decimal(JsonNode n, String field, String prefix, BigDecimal d) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return d;
    }
    return number(v, prefix + field);
  }

  private static BigDecimal number(JsonNode v, String path) {
    if (!v.isNumber()) {
      throw new IllegalArgumentException(path + ": must be a number, was " + v);
    }
    return v.decimalValue();
  }

  private static String text(JsonNode n, String field, String prefix) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isValueNode() || v.asText().isBlank()) {
      throw new IllegalArgumentException(prefix + field + ": must be a non-empty value");
    }
    return v.asText();
  }

  private static long duration(JsonNode v, String path) {
    if (!v.isTextual()) {
      throw new IllegalArgumentException(
          path + ": must be an ISO-8601 duration such as P2D or PT30S, was " + v);
    }
    try {
      Duration d = Duration.parse(v.asText());
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(path + ": must be positive, was " + v.asText());
      }
      return d.toMillis();
    } catch (DateTimeParseException | ArithmeticException e) {
      throw new IllegalArgumentException(
          path + ": must be an ISO-8601 duration such as P2D or PT30S, was " + v.asText(), e);
    }
  }

  private static <V> Map<String, V> map(
      JsonNode n, String field, String prefix, BiFunction<JsonNode, String, V> value) {
    JsonNode m = n.get(field);
    if (m == null || m.isNull()) {
      return Map.of();
    }
    if (!m.isObject()) {
      throw new IllegalArgumentException(prefix + field + ": must be a mapping");
    }
    Map<String, V> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      out.put(e.getKey(), value.apply(e.getValue(), prefix + field + "." + e.getKey()));
    }
    return out;
  }

  private static String strip(String prefix) {
    return prefix.endsWith(".") ? prefix.substring(0, prefix.length() - 1) : prefix;
  }
}
