package io.settleflow.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.settleflow.ledger.Account;
import io.settleflow.ledger.CurrencyBalance;
import io.settleflow.ledger.Payment;
import io.settleflow.ledger.PaymentPage;
import io.settleflow.ledger.VaultCard;
import java.util.List;

/** The API's JSON for a payment and for problems. One place, so POST, replay and GET agree. */
public final class PaymentJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  public static String payment(Payment p) {
    return write(paymentNode(p));
  }

  /** {"data": [payments], "has_more": bool, "next_cursor": opaque or null}. */
  public static String page(PaymentPage page) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode data = root.putArray("data");
    page.payments().forEach(p -> data.add(paymentNode(p)));
    root.put("has_more", page.next().isPresent());
    root.put("next_cursor", page.next().map(PaymentListParams::encodeCursor).orElse(null));
    return write(root);
  }

  /**
   * {"data": [{"currency", "pending_minor", "payable_minor", "accounts": {code: balance}}]}:
   * pending and payable are what we owe the merchant (credit balances, shown positive); accounts
   * are the raw sums of entries (debit positive).
   */
  public static String balances(List<CurrencyBalance> balances) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode data = root.putArray("data");
    for (CurrencyBalance b : balances) {
      ObjectNode node = data.addObject();
      node.put("currency", b.currency());
      node.put("pending_minor", b.pendingMinor());
      node.put("payable_minor", b.payableMinor());
      ObjectNode accounts = node.putObject("accounts");
      for (Account account : Account.values()) {
        accounts.put(account.code(), b.of(account));
      }
    }
    return write(root);
  }

  private static ObjectNode paymentNode(Payment p) {
    ObjectNode root = JSON.createObjectNode();
    root.put("id", p.paymentId().toString());
    root.put("status", p.status().name());
    root.put("amount_minor", p.amountMinor());
    root.put("captured_minor", p.capturedMinor());
    root.put("refunded_minor", p.refundedMinor());
    root.put("currency", p.currency());
    root.put("reference", p.reference());
    ObjectNode card = root.putObject("card");
    card.put("token", p.cardToken());
    card.put("last4", p.cardLast4());
    root.put("created_at", p.createdAt().toString());
    return root;
  }

  /** {"token", "last4", "brand" (when known), "exp_month", "exp_year"}: never the number. */
  public static String token(VaultCard card) {
    ObjectNode root = JSON.createObjectNode();
    root.put("token", card.token());
    root.put("last4", card.last4());
    if (card.brand() != null) {
      root.put("brand", card.brand());
    }
    root.put("exp_month", card.expMonth());
    root.put("exp_year", card.expYear());
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
    root.put("pointer", problem.pointer());
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
