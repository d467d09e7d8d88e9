package io.settleflow.checker;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;

/**
 * One line of the load generator's observation log (JSON lines): what a client saw of one request
 * (after all its retries with the same Idempotency-Key), or the ground truth of one settlement file
 * it imported.
 *
 * @param type {@code payment}, {@code capture}, {@code refund} or {@code settlement_file}
 * @param status the final HTTP status; 0 when no definitive answer ever came (in doubt)
 * @param attempts requests sent with this key (more than 1: retried after a timeout or 5xx)
 * @param paymentId the payment the answer named (authorize) or the request targeted (movements)
 * @param replaySame null when not deliberately replayed, else whether the replay got the same
 *     answer
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Observation(
    @JsonProperty("type") String type,
    @JsonProperty("merchant_id") String merchantId,
    @JsonProperty("idempotency_key") String idempotencyKey,
    @JsonProperty("reference") String reference,
    @JsonProperty("payment_id") String paymentId,
    @JsonProperty("amount_minor") long amountMinor,
    @JsonProperty("currency") String currency,
    @JsonProperty("status") int status,
    @JsonProperty("attempts") int attempts,
    @JsonProperty("replay_same") Boolean replaySame,
    @JsonProperty("file_id") String fileId,
    @JsonProperty("settlement_ids") List<String> settlementIds,
    @JsonProperty("expected_matches") List<String> expectedMatches,
    @JsonProperty("planted") Map<String, List<String>> planted) {

  public static final String PAYMENT = "payment";
  public static final String CAPTURE = "capture";
  public static final String REFUND = "refund";
  public static final String SETTLEMENT_FILE = "settlement_file";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A request's outcome as the client saw it. */
  public static Observation request(
      String type,
      String merchantId,
      String idempotencyKey,
      String reference,
      String paymentId,
      long amountMinor,
      String currency,
      int status,
      int attempts,
      Boolean replaySame) {
    return new Observation(
        type,
        merchantId,
        idempotencyKey,
        reference,
        paymentId,
        amountMinor,
        currency,
        status,
        attempts,
        replaySame,
        null,
        null,
        null,
        null);
  }

  /** The ground truth of an imported settlement file. */
  public static Observation settlementFile(
      String fileId,
      List<String> settlementIds,
      List<String> expectedMatches,
      Map<String, List<String>> planted) {
    return new Observation(
        SETTLEMENT_FILE,
        null,
        null,
        null,
        null,
        0,
        null,
        0,
        0,
        null,
        fileId,
        List.copyOf(settlementIds),
        List.copyOf(expectedMatches),
        Map.copyOf(planted));
  }

  public boolean accepted() {
    return status >= 200 && status < 300;
  }

  /** A definitive refusal: the request must have written nothing. */
  public boolean rejected() {
    return status >= 400 && status < 500;
  }

  /** No definitive answer: the request may or may not have committed (once at most). */
  public boolean inDoubt() {
    return !accepted() && !rejected();
  }

  public String toJsonLine() {
    try {
      return JSON.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write an observation: " + e.getMessage(), e);
    }
  }

  /** Parses one line; the error names the line number and what is wrong. */
  public static Observation parse(String line, int lineNumber) {
    Observation o;
    try {
      o = JSON.readValue(line, Observation.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "observations line " + lineNumber + ": not a JSON observation: " + e.getOriginalMessage(),
          e);
    }
    if (o.type() == null) {
      throw new IllegalArgumentException("observations line " + lineNumber + ": type is missing");
    }
    switch (o.type()) {
      case PAYMENT, CAPTURE, REFUND -> {
        require(o.merchantId(), "merchant_id", lineNumber);
        require(o.idempotencyKey(), "idempotency_key", lineNumber);
        if (o.accepted() || !PAYMENT.equals(o.type())) {
          require(o.paymentId(), "payment_id", lineNumber);
        }
        if (PAYMENT.equals(o.type())) {
          require(o.reference(), "reference", lineNumber);
        }
      }
      case SETTLEMENT_FILE -> {
        require(o.fileId(), "file_id", lineNumber);
        require(o.settlementIds(), "settlement_ids", lineNumber);
        require(o.expectedMatches(), "expected_matches", lineNumber);
        require(o.planted(), "planted", lineNumber);
      }
      default ->
          throw new IllegalArgumentException(
              "observations line "
                  + lineNumber
                  + ": type must be payment, capture, refund or settlement_file, was "
                  + o.type());
    }
    return o;
  }

  private static void require(Object value, String field, int lineNumber) {
    if (value == null) {
      throw new IllegalArgumentException(
          "observations line " + lineNumber + ": " + field + " is missing");
    }
  }
}
