package io.settleflow.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.settleflow.avro.MismatchAlert;
import io.settleflow.avro.ReconDeltas;
import io.settleflow.avro.ReconExplanation;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which alerts book themselves: a configured kind whose difference is within the merchant's
 * threshold (or the default's) is compensated as it arrives, with the same balanced booking a
 * finance user's resolve makes ({@link Compensation}) and the same alert-derived ledger transaction
 * id, so a replayed alert books nothing twice. Everything not configured stays with finance.
 *
 * <p>The policy is data (JSON): thresholds in minor units per kind and currency, a default and
 * per-merchant overrides (a merchant's kind replaces the default's for that kind; {@code {}} turns
 * it off for the merchant). Off when absent, at every level.
 *
 * <pre>
 * {"version": 1,
 *  "default":   {"FEE_DEVIATION": {"EUR": 200, "USD": 200}},
 *  "merchants": {"acme": {"FEE_DEVIATION": {"EUR": 500}, "AMOUNT_MISMATCH": {"EUR": 5}}}}
 * </pre>
 */
public final class AutoCompensation {
  /** The audit trail's actor for every automatic booking. */
  public static final String ACTOR = "system:auto-compensation";

  /** The kinds a policy may configure: the ones whose difference is money to book. */
  public static final Set<String> KINDS = Set.of("AMOUNT_MISMATCH", "FEE_DEVIATION");

  /** Largest threshold a policy accepts (minor units): beyond it a person should look. */
  public static final long MAX_THRESHOLD_MINOR = 100_000_000L;

  public static final int MAX_DOCUMENT_CHARS = 1024 * 1024;
  public static final int MAX_MERCHANTS = 10_000;
  public static final int SUPPORTED_VERSION = 1;

  private static final Pattern MERCHANT = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");
  private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
  private static final ObjectMapper JSON = new ObjectMapper();

  private AutoCompensation() {}

  /** Thresholds: kind → currency → largest |difference| booked automatically (minor units). */
  public record Policy(
      Map<String, Map<String, Long>> defaults,
      Map<String, Map<String, Map<String, Long>>> merchants) {
    /** Nothing is compensated automatically. */
    public static final Policy OFF = new Policy(Map.of(), Map.of());

    public Policy {
      defaults = Map.copyOf(defaults);
      merchants = Map.copyOf(merchants);
    }

    /** The threshold for the merchant, kind and currency; empty when not configured (off). */
    public OptionalLong thresholdMinor(String merchantId, String kind, String currency) {
      Map<String, Map<String, Long>> byKind = merchantId == null ? null : merchants.get(merchantId);
      Map<String, Long> byCurrency =
          byKind != null && byKind.containsKey(kind) ? byKind.get(kind) : defaults.get(kind);
      Long threshold = byCurrency == null || currency == null ? null : byCurrency.get(currency);
      return threshold == null ? OptionalLong.empty() : OptionalLong.of(threshold);
    }

    public boolean isOff() {
      return defaults.isEmpty() && merchants.isEmpty();
    }
  }

  /**
   * Reads a policy document.
   *
   * @throws IllegalArgumentException naming the field ({@code merchants.acme.FEE_DEVIATION.EUR: …})
   */
  public static Policy parse(String document) {
    if (document.length() > MAX_DOCUMENT_CHARS) {
      throw new IllegalArgumentException(
          "document: longer than " + MAX_DOCUMENT_CHARS + " characters");
    }
    JsonNode root;
    try {
      root = JSON.readTree(document);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("document: not JSON (" + e.getOriginalMessage() + ")", e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("document: must be a JSON object");
    }
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!Set.of("version", "default", "merchants").contains(name)) {
        throw new IllegalArgumentException(
            name + ": unknown setting (version, default, merchants)");
      }
    }
    JsonNode version = root.get("version");
    if (version == null || !version.isInt() || version.intValue() != SUPPORTED_VERSION) {
      throw new IllegalArgumentException("version: must be " + SUPPORTED_VERSION);
    }
    Map<String, Map<String, Long>> defaults =
        root.has("default") ? kinds("default", root.get("default")) : Map.of();
    Map<String, Map<String, Map<String, Long>>> merchants = new LinkedHashMap<>();
    JsonNode m = root.get("merchants");
    if (m != null) {
      object("merchants", m);
      if (m.size() > MAX_MERCHANTS) {
        throw new IllegalArgumentException("merchants: more than " + MAX_MERCHANTS);
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String field = "merchants." + e.getKey();
        if (!MERCHANT.matcher(e.getKey()).matches()) {
          throw new IllegalArgumentException(field + ": not a merchant id");
        }
        merchants.put(e.getKey(), kinds(field, e.getValue()));
      }
    }
    return new Policy(defaults, merchants);
  }

  private static Map<String, Map<String, Long>> kinds(String field, JsonNode node) {
    object(field, node);
    Map<String, Map<String, Long>> byKind = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String kindField = field + "." + e.getKey();
      if (!KINDS.contains(e.getKey())) {
        throw new IllegalArgumentException(
            kindField + ": not a kind that can be compensated (AMOUNT_MISMATCH, FEE_DEVIATION)");
      }
      object(kindField, e.getValue());
      Map<String, Long> byCurrency = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> c = e.getValue().fields(); c.hasNext(); ) {
        Map.Entry<String, JsonNode> t = c.next();
        String currencyField = kindField + "." + t.getKey();
        if (!CURRENCY.matcher(t.getKey()).matches()) {
          throw new IllegalArgumentException(currencyField + ": not an ISO 4217 currency code");
        }
        JsonNode v = t.getValue();
        if (!v.isIntegralNumber()
            || !v.canConvertToLong()
            || v.longValue() < 0
            || v.longValue() > MAX_THRESHOLD_MINOR) {
          throw new IllegalArgumentException(
              currencyField + ": must be whole minor units 0.." + MAX_THRESHOLD_MINOR);
        }
        byCurrency.put(t.getKey(), v.longValue());
      }
      byKind.put(e.getKey(), Map.copyOf(byCurrency));
    }
    return Map.copyOf(byKind);
  }

  private static void object(String field, JsonNode node) {
    if (!node.isObject()) {
      throw new IllegalArgumentException(field + ": must be a JSON object");
    }
  }

  /**
   * What arrival of an alert does.
   *
   * @param plan the booking to make, when the alert is compensated automatically
   * @param note why: the audit note of the automatic resolve, or of the RECEIVED row when a
   *     configured case was left for finance; null when no policy applies
   */
  public record Decision(Optional<Compensation.Plan> plan, String note) {
    static final Decision NONE = new Decision(Optional.empty(), null);

    public boolean books() {
      return plan.isPresent();
    }

    /** The same decision, left for finance because booking it failed for the given reason. */
    public Decision refused(String reason) {
      return new Decision(Optional.empty(), "auto-compensation not applied: " + reason);
    }
  }

  /** Not compensated automatically: no policy applies. */
  public static Decision none() {
    return Decision.NONE;
  }

  /**
   * Decides for a newly received alert.
   *
   * @param feeDeltaMinor settlement fee minus scheduled fee (FEE_DEVIATION), or null
   */
  public static Decision decide(Policy policy, Alert a, Long feeDeltaMinor) {
    if (a.status() != AlertStatus.OPEN || !KINDS.contains(a.kind())) {
      return Decision.NONE;
    }
    OptionalLong threshold = policy.thresholdMinor(a.merchantId(), a.kind(), a.currency());
    if (threshold.isEmpty()) {
      return Decision.NONE;
    }
    boolean fee = "FEE_DEVIATION".equals(a.kind());
    String what = fee ? "fee delta" : "amount difference";
    Long difference;
    try {
      difference = fee ? feeDeltaMinor : a.differenceMinor();
    } catch (ArithmeticException e) {
      return new Decision(Optional.empty(), "auto-compensation not applied: no " + what);
    }
    if (difference == null || difference == 0 || difference == Long.MIN_VALUE) {
      return new Decision(Optional.empty(), "auto-compensation not applied: no " + what);
    }
    String limit =
        "threshold "
            + MajorUnits.display(threshold.getAsLong(), a.currency())
            + " for "
            + a.merchantId();
    if (Math.abs(difference) > threshold.getAsLong()) {
      return new Decision(
          Optional.empty(),
          "auto-compensation not applied: "
              + what
              + " "
              + MajorUnits.display(difference, a.currency())
              + " is over the "
              + limit);
    }
    Compensation.Plan plan;
    try {
      plan = fee ? Compensation.feePlan(a, difference) : Compensation.plan(a);
    } catch (ConsoleInputException e) {
      return new Decision(Optional.empty(), "auto-compensation not applied: " + e.getMessage());
    }
    String account = fee ? Compensation.FEES_DIFFERENCE_ACCOUNT : Compensation.DIFFERENCES_ACCOUNT;
    return new Decision(
        Optional.of(plan),
        "compensated automatically: "
            + what
            + " "
            + MajorUnits.display(difference, a.currency())
            + " within the "
            + limit
            + "; booked against "
            + account
            + ", ledger transaction "
            + plan.txId());
  }

  /** The fee delta reconciliation reported for the alert ({@code explanation.deltas.fee_minor}). */
  public static Long feeDeltaMinor(MismatchAlert event) {
    ReconExplanation explanation = event.getExplanation();
    if (explanation == null) {
      return null;
    }
    ReconDeltas deltas = explanation.getDeltas();
    return deltas == null ? null : deltas.getFeeMinor();
  }
}
