package io.settleflow.ingest;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.settleflow.ledger.AuthorizeRequest;
import io.settleflow.ledger.LedgerPostings;
import java.io.IOException;
import java.util.Currency;
import java.util.Iterator;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Parses and validates a {@code POST /v1/payments} body. Pure. The body's shape (JSON, known
 * fields, types) is 400; well-formed values the API does not take (amounts out of range or with
 * decimals, unknown currencies, card numbers, bad tokens) are 422. Errors name the field by dotted
 * name and JSON pointer and never echo the body.
 */
public final class PaymentRequestParser {
  public static final long MAX_AMOUNT_MINOR = LedgerPostings.MAX_AMOUNT_MINOR;
  public static final int MAX_REFERENCE_CHARS = AuthorizeRequest.MAX_REFERENCE_CHARS;
  public static final int MAX_TOKEN_CHARS = 64;

  private static final Set<String> FIELDS =
      Set.of("amount_minor", "currency", "reference", "card_token");
  private static final Pattern TOKEN =
      Pattern.compile("tok_[A-Za-z0-9_-]{1," + MAX_TOKEN_CHARS + "}");
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /**
   * @param maxAmountMinor the configured largest payment (1..{@link #MAX_AMOUNT_MINOR})
   */
  public static PaymentRequest parse(byte[] body, long maxAmountMinor) {
    JsonNode root = readJson(body);
    rejectPan(root);
    if (!root.isObject()) {
      throw new Problem(400, "invalid_body", "Invalid body", "the body must be a JSON object", null)
          .toException();
    }
    rejectUnknown(root, FIELDS, "");

    long amountMinor = amount(root.get("amount_minor"), true, maxAmountMinor).getAsLong();

    String currency = requiredText(root, "currency", "currency");
    if (!isCardCurrency(currency)) {
      throw Problem.invalidValue(
              "unknown_currency",
              "currency",
              "currency must be an ISO 4217 currency code such as EUR")
          .toException();
    }

    String reference = null;
    JsonNode ref = root.get("reference");
    if (ref != null && !ref.isNull()) {
      if (!ref.isTextual()) {
        throw Problem.invalidField("reference", "reference must be a string").toException();
      }
      if (ref.asText().codePointCount(0, ref.asText().length()) > MAX_REFERENCE_CHARS) {
        throw Problem.invalidValue(
                "invalid_value",
                "reference",
                "reference must have at most " + MAX_REFERENCE_CHARS + " characters")
            .toException();
      }
      reference = ref.asText();
    }

    String cardToken = requiredText(root, "card_token", "card_token");
    if (!TOKEN.matcher(cardToken).matches()) {
      throw invalidCardToken().toException();
    }
    return new PaymentRequest(amountMinor, currency, reference, cardToken);
  }

  public static Problem invalidCardToken() {
    return Problem.invalidValue(
        "invalid_card_token",
        "card_token",
        "card_token must be a token this merchant received from POST /v1/tokenize");
  }

  /**
   * An amount in minor units: absent (empty unless required), else a whole number 1..max. A wrong
   * JSON type is 400; decimals (wrong minor-unit precision) and values out of range are 422.
   */
  static OptionalLong amount(JsonNode amount, boolean required, long maxAmountMinor) {
    if (amount == null || amount.isNull()) {
      if (required) {
        throw Problem.missingField("amount_minor").toException();
      }
      return OptionalLong.empty();
    }
    if (!amount.isNumber()) {
      throw Problem.invalidField("amount_minor", "amount_minor must be a number").toException();
    }
    if (!amount.isIntegralNumber()) {
      throw Problem.invalidValue(
              "amount_precision",
              "amount_minor",
              "amount_minor is in minor units (e.g. cents) and must be a whole number")
          .toException();
    }
    if (!amount.canConvertToLong() || amount.asLong() < 1 || amount.asLong() > maxAmountMinor) {
      throw Problem.invalidValue(
              "amount_out_of_range",
              "amount_minor",
              "amount_minor must be between 1 and " + maxAmountMinor)
          .toException();
    }
    return OptionalLong.of(amount.asLong());
  }

  /** 422 pan_not_allowed when anything in the body looks like a card number; never echoes it. */
  static void rejectPan(JsonNode root) {
    PanDetector.find(root)
        .ifPresent(
            pointer -> {
              throw new Problem(
                      422,
                      "pan_not_allowed",
                      "Card number not allowed",
                      "card numbers are not accepted here: tokenize the card with POST /v1/tokenize and send its card_token",
                      pointer.isEmpty() ? null : pointer.substring(1).replace('/', '.'),
                      pointer)
                  .toException();
            });
  }

  static boolean isCardCurrency(String code) {
    if (!code.matches("[A-Z]{3}")) {
      return false;
    }
    try {
      // Fraction digits -1 marks non-money codes (gold, SDR, "no currency"): not for card payments.
      return Currency.getInstance(code).getDefaultFractionDigits() >= 0;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  static JsonNode readJson(byte[] body) {
    try {
      JsonNode root = JSON.readTree(body);
      if (root == null || root.isMissingNode()) {
        throw new Problem(400, "malformed_json", "Malformed JSON", "the body is empty", null)
            .toException();
      }
      return root;
    } catch (JsonProcessingException e) {
      // Only the position: Jackson's message quotes the input, which may contain a card number.
      JsonLocation at = e.getLocation();
      String where =
          at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
      throw new Problem(
              400, "malformed_json", "Malformed JSON", "the body is not valid JSON" + where, null)
          .toException();
    } catch (IOException e) {
      throw new Problem(400, "malformed_json", "Malformed JSON", "the body could not be read", null)
          .toException();
    }
  }

  static void rejectUnknown(JsonNode object, Set<String> known, String prefix) {
    for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!known.contains(name)) {
        if (PanDetector.looksLikePan(name)) {
          // Never quote a field name that is a card number (e.g. in a tokenize body).
          String parent = prefix.isEmpty() ? null : prefix.substring(0, prefix.length() - 1);
          throw new Problem(
                  422,
                  "pan_not_allowed",
                  "Card number not allowed",
                  "a field name looks like a card number",
                  parent,
                  parent == null ? "" : Problem.pointerOf(parent.split("\\.")))
              .toException();
        }
        String field = prefix + name;
        throw Problem.body(
                400,
                "unknown_field",
                "Unknown field",
                field + " is not a field of this request",
                field)
            .toException();
      }
    }
  }

  static JsonNode required(JsonNode object, String name, String field) {
    JsonNode node = object.get(name);
    if (node == null || node.isNull()) {
      throw Problem.missingField(field).toException();
    }
    return node;
  }

  static String requiredText(JsonNode object, String name, String field) {
    JsonNode node = required(object, name, field);
    if (!node.isTextual()) {
      throw Problem.invalidField(field, field + " must be a string").toException();
    }
    return node.asText();
  }

  /** A whole number min..max: another JSON type is 400, a number out of range 422. */
  static int intIn(JsonNode object, String name, String field, int min, int max) {
    JsonNode node = required(object, name, field);
    if (!node.isNumber()) {
      throw Problem.invalidField(field, field + " must be a number").toException();
    }
    if (!node.isIntegralNumber()
        || !node.canConvertToInt()
        || node.asInt() < min
        || node.asInt() > max) {
      throw Problem.invalidValue(
              "invalid_value",
              field,
              field + " must be a whole number between " + min + " and " + max)
          .toException();
    }
    return node.asInt();
  }

  private PaymentRequestParser() {}
}
