package io.settleflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;

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
}
