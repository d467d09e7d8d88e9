package io.settleflow.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.settleflow.ledger.Payment;

/** The API's JSON for a payment and for problems. One place, so POST, replay and GET agree. */
public final class PaymentJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  public static String payment(Payment p) {
    ObjectNode root = JSON.createObjectNode();
    root.put("id", p.paymentId().toString());
    root.put("status", p.status().name());
    root.put("amount_minor", p.amountMinor());
    root.put("currency", p.currency());
    root.put("reference", p.reference());
    ObjectNode card = root.putObject("card");
    card.put("token", p.cardToken());
    card.put("last4", p.cardLast4());
    root.put("created_at", p.createdAt().toString());
    return write(root);
  }

  public static String problem(Problem problem) {
    ObjectNode root = JSON.createObjectNode();
    root.put("type", problem.type());
    root.put("title", problem.title());
    root.put("status", problem.status());
    root.put("code", problem.code());
    root.put("detail", problem.detail());
    root.put("field", problem.field());
    return write(root);
  }

  private static String write(ObjectNode node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a tree of strings and numbers always serializes", e);
    }
  }

  private PaymentJson() {}
}
