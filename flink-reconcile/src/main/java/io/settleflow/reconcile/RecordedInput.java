package io.settleflow.reconcile;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The recorded input of a backtest as JSON lines, one event a line: {@code {"payment": {...}}} (a
 * {@link LedgerPayment}'s fields) or {@code {"settlement": {...}}} (a {@link Settlement}'s). The
 * launcher writes what it read from the topics this way; a file written by hand works the same. Bad
 * lines are errors naming the line and the field; nothing is replayed then.
 */
public final class RecordedInput {
  /** A recording larger than this is refused (the replay holds it in memory). */
  public static final int MAX_EVENTS = 5_000_000;

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .configure(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY, true)
          .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
          .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
          // the POJOs' public fields only, not isRefund() and the like
          .configure(MapperFeature.AUTO_DETECT_GETTERS, false)
          .configure(MapperFeature.AUTO_DETECT_IS_GETTERS, false)
          .configure(MapperFeature.AUTO_DETECT_SETTERS, false)
          .build();

  private RecordedInput() {}

  /** One line (no newline) for a payment. */
  public static String line(LedgerPayment p) {
    return wrap("payment", p);
  }

  /** One line (no newline) for a settlement line. */
  public static String line(Settlement s) {
    return wrap("settlement", s);
  }

  private static String wrap(String field, Object value) {
    ObjectNode n = JSON.createObjectNode();
    n.set(field, JSON.valueToTree(value));
    try {
      return JSON.writeValueAsString(n);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + value, e);
    }
  }

  /**
   * Reads every line; {@code seq} continues from {@code firstSeq} (several files form one
   * recording).
   *
   * @param name how errors name the input, e.g. its file name
   * @throws IllegalArgumentException {@code <name> line <n>: <field>: <problem>}
   */
  public static List<ReplayEvent> read(BufferedReader in, String name, long firstSeq)
      throws IOException {
    List<ReplayEvent> out = new ArrayList<>();
    String text;
    int lineNo = 0;
    while ((text = in.readLine()) != null) {
      lineNo++;
      if (text.isBlank()) {
        continue;
      }
      if (out.size() >= MAX_EVENTS) {
        throw new IllegalArgumentException(
            name + ": more than " + MAX_EVENTS + " events; replay a shorter range");
      }
      out.add(parse(text, name + " line " + lineNo, firstSeq + out.size()));
    }
    return out;
  }

  /** One line; {@code where} prefixes errors. */
  static ReplayEvent parse(String text, String where, long seq) {
    JsonNode n;
    try {
      n = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(where + ": not JSON: " + e.getOriginalMessage(), e);
    }
    if (n == null || !n.isObject() || n.size() != 1) {
      throw new IllegalArgumentException(
          where + ": expected one object {\"payment\": {...}} or {\"settlement\": {...}}");
    }
    String kind = n.fieldNames().next();
    JsonNode body = n.get(kind);
    if (!body.isObject()) {
      throw new IllegalArgumentException(where + ": " + kind + ": expected an object");
    }
    switch (kind) {
      case "payment" -> {
        LedgerPayment p = convert(body, LedgerPayment.class, where, kind);
        required(p.eventId, where, "payment.eventId");
        required(p.eventType, where, "payment.eventType");
        required(p.paymentId, where, "payment.paymentId");
        required(p.currency, where, "payment.currency");
        return ReplayEvent.of(p, seq);
      }
      case "settlement" -> {
        Settlement s = convert(body, Settlement.class, where, kind);
        required(s.eventId, where, "settlement.eventId");
        required(s.settlementId, where, "settlement.settlementId");
        required(s.recordType, where, "settlement.recordType");
        required(s.currency, where, "settlement.currency");
        return ReplayEvent.of(s, seq);
      }
      default ->
          throw new IllegalArgumentException(
              where + ": " + kind + ": unknown field (payment or settlement)");
    }
  }

  private static <T> T convert(JsonNode body, Class<T> type, String where, String kind) {
    try {
      return JSON.treeToValue(body, type);
    } catch (UnrecognizedPropertyException e) {
      throw new IllegalArgumentException(
          where + ": " + kind + "." + e.getPropertyName() + ": unknown field", e);
    } catch (JsonProcessingException e) {
      String field =
          e instanceof com.fasterxml.jackson.databind.JsonMappingException m
                  && !m.getPath().isEmpty()
              ? kind + "." + m.getPath().get(m.getPath().size() - 1).getFieldName()
              : kind;
      throw new IllegalArgumentException(where + ": " + field + ": " + e.getOriginalMessage(), e);
    }
  }

  private static void required(String value, String where, String field) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(where + ": " + field + ": required");
    }
  }
}
