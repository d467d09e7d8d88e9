package io.settleflow.ingest;

import io.settleflow.ledger.PaymentQuery;
import io.settleflow.ledger.PaymentStatus;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The query string of {@code GET /v1/payments}: {@code limit} (1..100, default 20), {@code status},
 * {@code created_gte} / {@code created_lt} (ISO-8601 instants) and {@code cursor} (opaque, from the
 * previous page's {@code next_cursor}). Pure.
 */
public final class PaymentListParams {
  public static final int DEFAULT_LIMIT = 20;

  /** Cursors are short; anything longer is not one of ours. */
  public static final int MAX_CURSOR_CHARS = 200;

  private static final Set<String> PARAMS =
      Set.of("limit", "status", "created_gte", "created_lt", "cursor");
  private static final String CURSOR_VERSION = "v1";

  public static PaymentQuery parse(String merchantId, Map<String, List<String>> query) {
    for (Map.Entry<String, List<String>> e : query.entrySet()) {
      if (!PARAMS.contains(e.getKey())) {
        throw new Problem(
                400,
                "unknown_parameter",
                "Unknown parameter",
                e.getKey() + " is not a parameter of this request",
                e.getKey())
            .toException();
      }
      if (e.getValue().size() != 1) {
        throw Problem.invalidField(e.getKey(), e.getKey() + " must be given once").toException();
      }
    }
    int limit = DEFAULT_LIMIT;
    String rawLimit = single(query, "limit");
    if (rawLimit != null) {
      try {
        limit = Integer.parseInt(rawLimit);
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 1 || limit > PaymentQuery.MAX_LIMIT) {
        throw Problem.invalidField(
                "limit", "limit must be an integer between 1 and " + PaymentQuery.MAX_LIMIT)
            .toException();
      }
    }
    PaymentStatus status = null;
    String rawStatus = single(query, "status");
    if (rawStatus != null) {
      try {
        status = PaymentStatus.valueOf(rawStatus);
      } catch (IllegalArgumentException e) {
        throw Problem.invalidField(
                "status", "status must be one of " + List.of(PaymentStatus.values()))
            .toException();
      }
    }
    Instant from = instant(query, "created_gte");
    Instant before = instant(query, "created_lt");
    String cursor = single(query, "cursor");
    return new PaymentQuery(
        merchantId, status, from, before, cursor == null ? null : decodeCursor(cursor), limit);
  }

  /** The opaque cursor for "continue after this payment". */
  public static String encodeCursor(PaymentQuery.PageKey key) {
    String plain = CURSOR_VERSION + "|" + key.createdAt() + "|" + key.paymentId();
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(plain.getBytes(StandardCharsets.UTF_8));
  }

  static PaymentQuery.PageKey decodeCursor(String cursor) {
    try {
      if (cursor.length() > MAX_CURSOR_CHARS) {
        throw new IllegalArgumentException("too long");
      }
      String plain = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
      String[] parts = plain.split("\\|", -1);
      if (parts.length != 3 || !parts[0].equals(CURSOR_VERSION)) {
        throw new IllegalArgumentException("not a cursor");
      }
      UUID id = UUID.fromString(parts[2]);
      if (!id.toString().equals(parts[2])) {
        throw new IllegalArgumentException("not a canonical id");
      }
      return new PaymentQuery.PageKey(Instant.parse(parts[1]), id);
    } catch (IllegalArgumentException | DateTimeParseException e) {
      throw new Problem(
              400,
              "invalid_cursor",
              "Invalid cursor",
              "cursor must be a next_cursor returned by this API",
              "cursor")
          .toException();
    }
  }

  private static Instant instant(Map<String, List<String>> query, String name) {
    String raw = single(query, name);
    if (raw == null) {
      return null;
    }
    try {
      return Instant.parse(raw);
    } catch (DateTimeParseException e) {
      throw Problem.invalidField(
              name, name + " must be an ISO-8601 instant such as 2026-11-25T10:00:00Z")
          .toException();
    }
  }

  private static String single(Map<String, List<String>> query, String name) {
    List<String> values = query.get(name);
    return values == null ? null : values.get(0);
  }

  private PaymentListParams() {}
}
