package io.settleflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OpenApiContractTest {
  static final OpenApiContract CONTRACT = new OpenApiContract();
  static final String PAYMENT =
      "{\"id\": \"6f1c1a60-3d35-4b8e-9d55-0f5c7a9e8a11\", \"status\": \"AUTHORIZED\", \"amount_minor\": 1999,"
          + " \"captured_minor\": 0, \"refunded_minor\": 0, \"currency\": \"EUR\", \"reference\": null,"
          + " \"card\": {\"token\": \"tok_abc\", \"last4\": \"4242\"}, \"created_at\": \"2026-11-25T10:00:00Z\"}";

  @Test
  void theDocumentIsOpenApi31() {
    assertThat(CONTRACT.document().get("openapi").asText()).isEqualTo("3.1.0");
  }

  /** One line per response: whether the document accepts it. */
  @ParameterizedTest(name = "[{index}] {0} {1} {2} -> {5}")
  @CsvSource(
      delimiter = '|',
      value = {
        "POST | /v1/payments            | 201 | application/json         | PAYMENT                          | true",
        "GET  | /v1/payments/x          | 200 | application/json         | PAYMENT                          | true",
        "POST | /v1/payments/x/capture  | 200 | application/json         | PAYMENT                          | true",
        "POST | /v1/payments            | 201 | application/json         | {\"id\": \"x\"}                  | false",
        "POST | /v1/payments            | 201 | application/json         | PAYMENT_WITH_PAN                 | false",
        "POST | /v1/payments            | 201 | text/plain               | PAYMENT                          | false",
        "POST | /v1/payments            | 418 | application/problem+json | PROBLEM                          | false",
        "POST | /v1/payments            | 422 | application/problem+json | PROBLEM                          | true",
        "POST | /v1/payments            | 429 | application/problem+json | PROBLEM                          | true",
        "POST | /v1/payments            | 422 | application/problem+json | {\"code\": \"x\"}                | false",
        "GET  | /v2/nothing             | 200 | application/json         | {}                               | false",
        "POST | /v1/tokenize            | 201 | application/json         | {\"token\": \"tok_a\", \"last4\": \"4242\", \"exp_month\": 12, \"exp_year\": 2030} | true",
        "POST | /v1/tokenize            | 201 | application/json         | {\"token\": \"tok_a\", \"last4\": \"4242\", \"number\": \"4242\", \"exp_month\": 12, \"exp_year\": 2030} | false",
      })
  void aResponseConformsOnlyWhenItsPathStatusMediaTypeAndBodyAreDocumented(
      String method, String path, int status, String contentType, String body, boolean conforms) {
    String actual =
        switch (body) {
          case "PAYMENT" -> PAYMENT;
          case "PAYMENT_WITH_PAN" ->
              PAYMENT.replace(
                  "\"last4\": \"4242\"", "\"last4\": \"4242\", \"number\": \"4242424242424242\"");
          case "PROBLEM" ->
              "{\"type\": \"https://settleflow.io/problems/x\", \"title\": \"X\", \"status\": "
                  + status
                  + ", \"detail\": \"d\", \"code\": \"x\", \"field\": null, \"pointer\": null}";
          default -> body;
        };
    assertThat(CONTRACT.check(method, path, status, contentType, actual).isEmpty())
        .isEqualTo(conforms);
  }

  static final String TOKEN = "tok_abc";
  static final String VALID =
      "{\"amount_minor\": 1999, \"currency\": \"EUR\", \"card_token\": \"tok_abc\"}";
  static final String ID = "6f1c1a60-3d35-4b8e-9d55-0f5c7a9e8a11";

  /** One line per request: whether the document allows it ("-": no such header or body). */
  @ParameterizedTest(name = "[{index}] {0} {1}?{2} {5} -> {6}")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      value = {
        "POST | /v1/payments             | -                     | k1 | application/json | VALID | true",
        "POST | /v1/payments             | -                     | k1 | application/json; charset=utf-8 | VALID | true",
        "POST | /v1/payments             | -                     | -  | application/json | VALID | false",
        "POST | /v1/payments             | -                     | k1 | text/plain       | VALID | false",
        "POST | /v1/payments             | -                     | k1 | application/json | -     | false",
        "POST | /v1/payments             | -                     | k1 | application/json | {\"amount_minor\": 1999, \"currency\": \"EUR\"} | false",
        "POST | /v1/payments             | -                     | k1 | application/json | {\"amount_minor\": \"1999\", \"currency\": \"EUR\", \"card_token\": \"tok_abc\"} | false",
        "POST | /v1/payments             | -                     | k1 | application/json | {\"amount_minor\": 1, \"amount_minor\": 2, \"currency\": \"EUR\", \"card_token\": \"tok_abc\"} | false",
        "POST | /v1/payments             | -                     | k1 | application/json | {\"amount_minor\": 1999, \"currency\": \"EUR\", \"card_token\": \"tok_abc\", \"x\": 1} | false",
        "POST | /v1/payments             | -                     | k1 | application/json | not json | false",
        "POST | /v1/payments/ID/capture  | -                     | k1 | -                | -     | true",
        "POST | /v1/payments/ID/capture  | -                     | k1 | application/json | {\"amount_minor\": null} | true",
        "POST | /v1/payments/ID/refunds  | -                     | k1 | application/json | {\"amount_minor\": 0} | false",
        "POST | /v1/payments/ID/cancel   | -                     | k1 | application/json | {}    | true",
        "POST | /v1/payments/ID/cancel   | -                     | k1 | application/json | {\"amount_minor\": 5} | false",
        "GET  | /v1/payments             | limit=5&status=CAPTURED | - | -               | -     | true",
        "GET  | /v1/payments             | limit=500             | -  | -                | -     | false",
        "GET  | /v1/payments             | limit=five            | -  | -                | -     | false",
        "GET  | /v1/payments             | limt=5                | -  | -                | -     | false",
        "GET  | /v1/payments             | limit=5&limit=6       | -  | -                | -     | false",
        "GET  | /v1/payments/ID          | -                     | -  | -                | -     | true",
        "GET  | /v1/balances             | -                     | -  | -                | -     | true",
      })
  void aRequestConformsOnlyWhenItsParametersAndBodyAreDocumented(
      String method,
      String path,
      String query,
      String idempotencyKey,
      String contentType,
      String body,
      boolean conforms) {
    Map<String, List<String>> headers = new java.util.HashMap<>();
    if (idempotencyKey != null) {
      headers.put("idempotency-key", List.of(idempotencyKey));
    }
    if (contentType != null) {
      headers.put("Content-Type", List.of(contentType));
    }
    String actual = body == null ? "" : "VALID".equals(body) ? VALID : body;
    List<String> problems =
        CONTRACT.checkRequest(
            method,
            path.replace("ID", ID),
            query,
            headers,
            actual.getBytes(StandardCharsets.UTF_8));
    assertThat(problems.isEmpty()).as(problems.toString()).isEqualTo(conforms);
  }

  /** Bodies of POST /v1/payments around every rule the parser and the document both state. */
  static final List<String> AUTHORIZE_BODIES =
      List.of(
          VALID,
          "{\"amount_minor\": 1999, \"currency\": \"EUR\", \"card_token\": \"tok_abc\", \"reference\": null}",
          withReference(100),
          withReference(128),
          withReference(129),
          "{\"amount_minor\": 0, \"currency\": \"EUR\", \"card_token\": \"tok_abc\"}",
          "{\"amount_minor\": 1000000000000, \"currency\": \"EUR\", \"card_token\": \"tok_abc\"}",
          "{\"amount_minor\": 1000000000001, \"currency\": \"EUR\", \"card_token\": \"tok_abc\"}",
          "{\"amount_minor\": 19.99, \"currency\": \"EUR\", \"card_token\": \"tok_abc\"}",
          "{\"amount_minor\": 1999, \"currency\": \"eur\", \"card_token\": \"tok_abc\"}",
          "{\"amount_minor\": 1999, \"currency\": \"XYZ\", \"card_token\": \"tok_abc\"}",
          "{\"amount_minor\": 1999, \"currency\": \"EUR\", \"card_token\": \"card_abc\"}",
          "{\"amount_minor\": 1999, \"currency\": \"EUR\"}",
          "{\"amount_minor\": 1999, \"currency\": \"EUR\", \"card_token\": \"tok_abc\", \"extra\": true}",
          "{\"amount_minor\": 1999, \"currency\": \"EUR\", \"card_token\": 5}",
          "[1999]",
          "{\"amount_minor\": 1, \"amount_minor\": 2, \"currency\": \"EUR\", \"card_token\": \"tok_abc\"}",
          "{\"amount_minor\": 1999,");

  static String withReference(int chars) {
    return "{\"amount_minor\": 1999, \"currency\": \"EUR\", \"card_token\": \"tok_abc\", \"reference\": \""
        + "r".repeat(chars)
        + "\"}";
  }

  /** Where the parser and the document disagree on the bodies above (empty: in step). */
  static List<String> parserVersusDocument(OpenApiContract contract) {
    List<String> disagreements = new ArrayList<>();
    for (String body : AUTHORIZE_BODIES) {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      int status = 201;
      String code = null;
      try {
        PaymentRequestParser.parse(bytes, PaymentRequestParser.MAX_AMOUNT_MINOR);
      } catch (ProblemException e) {
        status = e.problem().status();
        code = e.problem().code();
      }
      List<String> problems =
          contract.checkRequest(
              "POST",
              "/v1/payments",
              null,
              Map.of("Idempotency-Key", List.of("k"), "Content-Type", List.of("application/json")),
              bytes);
      Optional<String> d = OpenApiContract.disagreement(problems, status, code);
      d.ifPresent(text -> disagreements.add(body + ": " + text));
    }
    return disagreements;
  }

  @Test
  void theAuthorizeParserAndTheDocumentAgreeOnEveryBody() {
    assertThat(parserVersusDocument(CONTRACT)).isEmpty();
  }

  @Test
  void aDocumentThatDriftedFromTheParserIsCaught() {
    // someone lowers the documented reference limit but not the parser's
    ObjectNode shorter = CONTRACT.document().deepCopy();
    ((ObjectNode) shorter.at("/components/schemas/PaymentRequest/properties/reference"))
        .put("maxLength", 64);
    assertThat(parserVersusDocument(new OpenApiContract(shorter)))
        .anySatisfy(d -> assertThat(d).contains("r".repeat(100)).contains("document forbids"));

    // someone drops reference from the document while the parser still takes it
    ObjectNode without = CONTRACT.document().deepCopy();
    ((ObjectNode) without.at("/components/schemas/PaymentRequest/properties")).remove("reference");
    assertThat(parserVersusDocument(new OpenApiContract(without)))
        .anySatisfy(
            d -> assertThat(d).contains("\"reference\": null").contains("document forbids"));

    // someone documents the amount as a string: every valid payment is now "malformed"
    ObjectNode stringAmount = CONTRACT.document().deepCopy();
    ((ObjectNode) stringAmount.at("/components/schemas/AmountMinor")).put("type", "string");
    assertThat(parserVersusDocument(new OpenApiContract(stringAmount))).isNotEmpty();
  }
}
