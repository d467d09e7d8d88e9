package io.settleflow.ingest;

/**
 * An RFC 9457 problem: {@code type} is derived from {@code code}; {@code field} names the offending
 * request field (e.g. {@code card.number}), header or query parameter, or is null; {@code pointer}
 * is the RFC 6901 JSON pointer of the offending body field (e.g. {@code /card/number}), null when
 * the problem is not about a body field.
 */
public record Problem(
    int status, String code, String title, String detail, String field, String pointer) {
  public static final String TYPE_PREFIX = "https://settleflow.io/problems/";

  /** A problem about a header, a query parameter or nothing in particular: no pointer. */
  public Problem(int status, String code, String title, String detail, String field) {
    this(status, code, title, detail, field, null);
  }

  public String type() {
    return TYPE_PREFIX + code;
  }

  /** A problem about the body field at the dotted path {@code field} (e.g. {@code card.number}). */
  public static Problem body(int status, String code, String title, String detail, String field) {
    return new Problem(
        status, code, title, detail, field, field == null ? "" : pointerOf(field.split("\\.")));
  }

  /** A JSON value of the wrong type (400). */
  public static Problem invalidField(String field, String detail) {
    return body(400, "invalid_field", "Invalid field", detail, field);
  }

  public static Problem missingField(String field) {
    return body(400, "missing_field", "Missing field", field + " is required", field);
  }

  /** A well-formed value the API does not accept (422): out of range, unknown, too long. */
  public static Problem invalidValue(String code, String field, String detail) {
    return body(422, code, "Invalid value", detail, field);
  }

  /** RFC 6901: "/" + each token with "~" as "~0" and "/" as "~1". */
  public static String pointerOf(String... tokens) {
    StringBuilder pointer = new StringBuilder();
    for (String token : tokens) {
      pointer.append('/').append(token.replace("~", "~0").replace("/", "~1"));
    }
    return pointer.toString();
  }

  public ProblemException toException() {
    return new ProblemException(this);
  }
}
