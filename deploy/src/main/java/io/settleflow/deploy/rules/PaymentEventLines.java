package io.settleflow.deploy.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.settleflow.avro.PaymentEvent;
import io.settleflow.avro.PaymentEventType;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The backtest's recorded history: one payment event per line, JSON, the PaymentEvent fields by
 * their Avro names; blank lines and lines starting with {@code #} are skipped:
 *
 * <pre>
 * {"event_id":"e-1","event_type":"AUTHORIZED","payment_id":"p-1","merchant_id":"m-1",
 *  "amount_minor":1250,"currency":"EUR","card_token":"tok_ab12","occurred_at":"2026-11-25T10:00:00Z"}
 * </pre>
 *
 * {@code card_token} and {@code reference} may be left out; {@code occurred_at} is ISO-8601 or
 * epoch milliseconds. A card number has no field here. Pure: text in, events out.
 */
public final class PaymentEventLines {
  /** A history file is read into memory; past this many events, split it. */
  public static final int MAX_EVENTS = 5_000_000;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> FIELDS =
      Set.of(
          "event_id",
          "event_type",
          "payment_id",
          "merchant_id",
          "amount_minor",
          "currency",
          "reference",
          "card_token",
          "card_last4",
          "occurred_at");

  private PaymentEventLines() {}

  /** Every event, in file order; the first bad line is an error naming its number and field. */
  public static List<PaymentEvent> read(Reader in) throws IOException {
    List<PaymentEvent> events = new ArrayList<>();
    BufferedReader lines = new BufferedReader(in);
    String line;
    int number = 0;
    while ((line = lines.readLine()) != null) {
      number++;
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("#")) {
        continue;
      }
      if (events.size() == MAX_EVENTS) {
        throw new IllegalArgumentException("more than " + MAX_EVENTS + " events; split the file");
      }
      events.add(parse(number, trimmed));
    }
    return events;
  }

  static PaymentEvent parse(int number, String line) {
    JsonNode n;
    try {
      n = JSON.readTree(line);
    } catch (IOException e) {
      throw bad(number, "line", "is not JSON");
    }
    if (n == null || !n.isObject()) {
      throw bad(number, "line", "is not a JSON object");
    }
    Set<String> unknown = new HashSet<>();
    n.fieldNames()
        .forEachRemaining(
            f -> {
              if (!FIELDS.contains(f)) {
                unknown.add(f);
              }
            });
    if (!unknown.isEmpty()) {
      throw bad(number, unknown.iterator().next(), "is not a payment event field");
    }
    PaymentEventType type;
    try {
      type = PaymentEventType.valueOf(text(n, number, "event_type"));
    } catch (IllegalArgumentException e) {
      throw bad(number, "event_type", "must be AUTHORIZED, CAPTURED, REFUNDED or CANCELLED");
    }
    JsonNode amount = n.get("amount_minor");
    if (amount == null || !amount.isIntegralNumber() || !amount.canConvertToLong()) {
      throw bad(number, "amount_minor", "must be an integer (minor units)");
    }
    return PaymentEvent.newBuilder()
        .setEventId(text(n, number, "event_id"))
        .setEventType(type)
        .setPaymentId(text(n, number, "payment_id"))
        .setMerchantId(text(n, number, "merchant_id"))
        .setAmountMinor(amount.asLong())
        .setCurrency(text(n, number, "currency"))
        .setReference(optional(n, "reference"))
        .setCardToken(optional(n, "card_token"))
        .setCardLast4(optional(n, "card_last4"))
        .setOccurredAt(instant(n, number))
        .build();
  }

  private static Instant instant(JsonNode n, int number) {
    JsonNode at = n.get("occurred_at");
    if (at != null && at.isIntegralNumber()) {
      return Instant.ofEpochMilli(at.asLong());
    }
    try {
      return Instant.parse(text(n, number, "occurred_at"));
    } catch (DateTimeParseException e) {
      throw bad(
          number, "occurred_at", "must be ISO-8601 (2026-11-25T10:00:00Z) or epoch milliseconds");
    }
  }

  private static String text(JsonNode n, int number, String field) {
    JsonNode v = n.get(field);
    if (v == null || !v.isTextual() || v.asText().isBlank()) {
      throw bad(number, field, "is missing or not a string");
    }
    return v.asText();
  }

  private static String optional(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static IllegalArgumentException bad(int number, String field, String problem) {
    return new IllegalArgumentException("line " + number + ": " + field + " " + problem);
  }

  /** Payment ids, one per line ({@code #} comments and blank lines skipped). */
  public static Set<String> readLabels(Reader in) throws IOException {
    Set<String> ids = new HashSet<>();
    BufferedReader lines = new BufferedReader(in);
    String line;
    while ((line = lines.readLine()) != null) {
      String id = line.strip();
      if (!id.isEmpty() && !id.startsWith("#")) {
        ids.add(id);
      }
    }
    return ids;
  }
}
