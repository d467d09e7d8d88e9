package io.settleflow.ingest;

/**
 * An RFC 9457 problem: {@code type} is derived from {@code code}; {@code field} names the
 * offending request field (e.g. {@code card.number}) or header, or is null.
 */
public record Problem(int status, String code, String title, String detail, String field) {
  public static final String TYPE_PREFIX = "https://settleflow.io/problems/";

  public String type() {
    return TYPE_PREFIX + code;
  }

  public static Problem invalidField(String field, String detail) {
    return new Problem(400, "invalid_field", "Invalid field", detail, field);
  }

  public static Problem missingField(String field) {
    return new Problem(400, "missing_field", "Missing field", field + " is required", field);
  }

  public ProblemException toException() {
    return new ProblemException(this);
  }
}
