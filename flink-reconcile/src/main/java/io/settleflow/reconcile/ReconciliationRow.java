package io.settleflow.reconcile;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One row of {@code ledger.reconciliation}: a match or an alert as finance queries it. Built from
 * the job's results, deterministically (the same result gives the same row, so a replay writes
 * nothing new). A Flink POJO. Pure.
 */
public class ReconciliationRow {
  public static final String MATCH_KIND = "MATCH";
  public static final String MATCHED = "MATCHED";
  public static final String OPEN = "OPEN";
  public static final String RESOLVED = "RESOLVED";

  private static final ObjectMapper JSON = new ObjectMapper();

  public String id;
  public String merchantId;
  public String kind;
  public String status;
  public String severity;
  public String paymentId;
  public String settlementId;
  public String batchId;
  public String source;
  public String currency;
  public Long expectedAmountMinor;
  public Long actualAmountMinor;
  public Long feeAmountMinor;

  /** The rule id without its version ({@code amount-exact} of {@code amount-exact@3}). */
  public String rule;

  /** The version of {@code rule@version}, or null when the rule names none. */
  public Integer ruleVersion;

  /** {@code {criteria: [...], deltas: {...}, detail}} as JSON text. */
  public String explanationJson;

  /** For a RESOLVED event: the alert it resolves (its status becomes RESOLVED). */
  public String resolvesId;

  public long detectedAtMs;

  public ReconciliationRow() {}

  public static ReconciliationRow of(PaymentMatch m) {
    ReconciliationRow r = new ReconciliationRow();
    r.id = m.eventId;
    r.merchantId = m.merchantId;
    r.kind = MATCH_KIND;
    r.status = MATCHED;
    r.paymentId = m.paymentId;
    r.settlementId = m.settlementId;
    r.batchId = m.batchId;
    r.source = m.source;
    r.currency = m.currency;
    r.expectedAmountMinor = m.amountMinor;
    r.actualAmountMinor = m.amountMinor;
    r.feeAmountMinor = m.feeAmountMinor;
    r.setRule(m.rule);
    r.explanationJson = explanation(m.criteria, m.deltas, null, m.paymentIds);
    r.detectedAtMs = m.matchedAtMs;
    return r;
  }

  public static ReconciliationRow of(ReconAlert a) {
    ReconciliationRow r = new ReconciliationRow();
    r.id = a.eventId;
    r.merchantId = a.merchantId;
    r.kind = a.kind.name();
    r.status = a.kind == AlertKind.RESOLVED ? RESOLVED : OPEN;
    r.severity = a.kind.severity().name();
    r.paymentId = a.paymentId;
    r.settlementId = a.settlementId;
    r.source = a.source;
    r.currency = a.currency;
    r.expectedAmountMinor = a.expectedAmountMinor;
    r.actualAmountMinor = a.actualAmountMinor;
    r.setRule(a.rule);
    r.explanationJson = explanation(a.criteria, a.deltas, a.detail, null);
    r.resolvesId = a.resolvesEventId;
    r.detectedAtMs = a.detectedAtMs;
    return r;
  }

  /** Splits {@code rule-id@version}; a rule without a numeric version keeps its whole text. */
  private void setRule(String ruleAtVersion) {
    String text = ruleAtVersion == null || ruleAtVersion.isBlank() ? "unknown" : ruleAtVersion;
    int at = text.lastIndexOf('@');
    if (at > 0
        && at < text.length() - 1
        && text.substring(at + 1).chars().allMatch(Character::isDigit)
        && text.length() - at - 1 <= 9) {
      rule = text.substring(0, at);
      ruleVersion = Integer.valueOf(text.substring(at + 1));
    } else {
      rule = text;
      ruleVersion = null;
    }
  }

  private static String explanation(
      MatchCriterion[] criteria, MatchDeltas deltas, String detail, String[] paymentIds) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode list = root.putArray("criteria");
    for (MatchCriterion c : criteria == null ? new MatchCriterion[0] : criteria) {
      ObjectNode n = list.addObject();
      n.put("criterion", c.criterion);
      n.put("rule", c.rule);
      n.put("passed", c.passed);
      n.put("expected", c.expected);
      n.put("actual", c.actual);
      n.put("delta", c.delta);
    }
    if (deltas != null) {
      ObjectNode d = root.putObject("deltas");
      d.put("amount_minor", deltas.amountMinor);
      d.put("fee_minor", deltas.feeMinor);
      d.put("fx_minor", deltas.fxMinor);
      d.put("days", deltas.days);
    }
    if (detail != null) {
      root.put("detail", detail);
    }
    if (paymentIds != null && paymentIds.length > 0) {
      ArrayNode ids = root.putArray("payment_ids");
      for (String id : paymentIds) {
        ids.add(id);
      }
    }
    return root.toString();
  }
}
