package io.settleflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settleflow.ledger.PaymentQuery;
import io.settleflow.ledger.PaymentStatus;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PaymentListParamsTest {
  static final PaymentQuery.PageKey KEY =
      new PaymentQuery.PageKey(
          Instant.parse("2026-11-25T10:00:00.123Z"),
          UUID.fromString("0b7c5e1e-7a0e-4a53-9d1e-3f1f2c9a1b22"));

  @Test
  void noParametersMeanTheFirstPageOfEverything() {
    assertThat(PaymentListParams.parse("m1", Map.of()))
        .isEqualTo(new PaymentQuery("m1", null, null, null, null, PaymentListParams.DEFAULT_LIMIT));
  }

  @Test
  void everyParameterIsParsed() {
    Map<String, List<String>> query = new LinkedHashMap<>();
    query.put("limit", List.of("100"));
    query.put("status", List.of("CAPTURED"));
    query.put("created_gte", List.of("2026-11-01T00:00:00Z"));
    query.put("created_lt", List.of("2026-12-01T00:00:00Z"));
    query.put("cursor", List.of(PaymentListParams.encodeCursor(KEY)));

    assertThat(PaymentListParams.parse("m1", query))
        .isEqualTo(
            new PaymentQuery(
                "m1",
                PaymentStatus.CAPTURED,
                Instant.parse("2026-11-01T00:00:00Z"),
                Instant.parse("2026-12-01T00:00:00Z"),
                KEY,
                100));
  }

  @Test
  void aCursorIsOpaqueAndRoundTrips() {
    String cursor = PaymentListParams.encodeCursor(KEY);
    assertThat(cursor).matches("[A-Za-z0-9_-]+").doesNotContain(KEY.paymentId().toString());
    assertThat(PaymentListParams.decodeCursor(cursor)).isEqualTo(KEY);
  }

  /** One line per bad query parameter: name, value, then the code and the field named. */
  @ParameterizedTest(name = "{0}={1} -> {2}")
  @CsvSource({
    "limit, 0, invalid_field, limit",
    "limit, 101, invalid_field, limit",
    "limit, ten, invalid_field, limit",
    "limit, 99999999999, invalid_field, limit",
    "status, captured, invalid_field, status",
    "status, PAID, invalid_field, status",
    "created_gte, 2026-11-01, invalid_field, created_gte",
    "created_lt, yesterday, invalid_field, created_lt",
    "cursor, abc, invalid_cursor, cursor",
    "cursor, %%%, invalid_cursor, cursor",
    "cursor, BASE64:v2|2026-11-25T10:00:00Z|0b7c5e1e-7a0e-4a53-9d1e-3f1f2c9a1b22, invalid_cursor, cursor",
    "cursor, BASE64:v1|2026-11-25|0b7c5e1e-7a0e-4a53-9d1e-3f1f2c9a1b22, invalid_cursor, cursor",
    "cursor, BASE64:v1|2026-11-25T10:00:00Z|1-2-3-4-5, invalid_cursor, cursor",
    "starting_after, x, unknown_parameter, starting_after",
  })
  void aBadParameterIsRejectedByName(String name, String value, String code, String field) {
    String raw =
        value.startsWith("BASE64:")
            ? Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(value.substring(7).getBytes(StandardCharsets.UTF_8))
            : value;
    assertThatThrownBy(() -> PaymentListParams.parse("m1", Map.of(name, List.of(raw))))
        .isInstanceOfSatisfying(
            ProblemException.class,
            e -> {
              assertThat(e.problem().status()).isEqualTo(400);
              assertThat(e.problem().code()).isEqualTo(code);
              assertThat(e.problem().field()).isEqualTo(field);
            });
  }

  @Test
  void aParameterGivenTwiceIsRejected() {
    assertThatThrownBy(() -> PaymentListParams.parse("m1", Map.of("limit", List.of("1", "2"))))
        .isInstanceOfSatisfying(
            ProblemException.class, e -> assertThat(e.problem().field()).isEqualTo("limit"));
  }

  @Test
  void anOverlongCursorIsRejectedBeforeDecoding() {
    assertThatThrownBy(
            () ->
                PaymentListParams.decodeCursor("A".repeat(PaymentListParams.MAX_CURSOR_CHARS + 1)))
        .isInstanceOfSatisfying(
            ProblemException.class,
            e -> assertThat(e.problem().code()).isEqualTo("invalid_cursor"));
  }
}
