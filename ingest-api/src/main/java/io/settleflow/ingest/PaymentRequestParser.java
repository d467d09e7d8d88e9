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
import java.time.YearMonth;
import java.util.Currency;
import java.util.Iterator;
import java.util.Set;

/**
 * Parses and validates a {@code POST /v1/payments} body. Pure: the current month comes in as an
 * argument. Errors name the offending field and never echo the body (it may hold a PAN).
 */
public final class PaymentRequestParser {
  public static final long MAX_AMOUNT_MINOR = LedgerPostings.MAX_AMOUNT_MINOR;
  public static final int MAX_REFERENCE_CHARS = AuthorizeRequest.MAX_REFERENCE_CHARS;
  public static final int MIN_CARD_DIGITS = 12;
  public static final int MAX_CARD_DIGITS = 19;
  /** Expiry years further ahead than this are typos, not cards. */
  public static final int MAX_EXPIRY_YEARS_AHEAD = 50;

  private static final Set<String> FIELDS = Set.of("amount_minor", "currency", "reference", "card");
  private static final Set<String> CARD_FIELDS = Set.of("number", "exp_month", "exp_year");
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  public static PaymentRequest parse(byte[] body, YearMonth currentMonth) {
    JsonNode root = readJson(body);
    if (!root.isObject()) {
      throw new Problem(400, "invalid_body", "Invalid body", "the body must be a JSON object", null).toException();
    }
    rejectUnknown(root, FIELDS, "");

    JsonNode amount = required(root, "amount_minor", "amount_minor");
    if (!amount.isIntegralNumber()
        || !amount.canConvertToLong()
        || amount.asLong() < 1
        || amount.asLong() > MAX_AMOUNT_MINOR) {
      throw Problem.invalidField(
              "amount_minor", "amount_minor must be an integer between 1 and " + MAX_AMOUNT_MINOR)
          .toException();
    }

    String currency = requiredText(root, "currency", "currency");
    if (!isCardCurrency(currency)) {
      throw Problem.invalidField("currency", "currency must be an ISO 4217 currency code such as EUR").toException();
    }

    String reference = null;
    JsonNode ref = root.get("reference");
    if (ref != null && !ref.isNull()) {
      if (!ref.isTextual() || ref.asText().codePointCount(0, ref.asText().length()) > MAX_REFERENCE_CHARS) {
        throw Problem.invalidField(
                "reference", "reference must be a string of at most " + MAX_REFERENCE_CHARS + " characters")
            .toException();
      }
      reference = ref.asText();
    }

    JsonNode card = required(root, "card", "card");
    if (!card.isObject()) {
      throw Problem.invalidField("card", "card must be an object").toException();
    }
    rejectUnknown(card, CARD_FIELDS, "card.");
    String number = requiredText(card, "number", "card.number");
    if (number.length() < MIN_CARD_DIGITS
        || number.length() > MAX_CARD_DIGITS
        || !number.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
      throw Problem.invalidField(
              "card.number", "card.number must be " + MIN_CARD_DIGITS + " to " + MAX_CARD_DIGITS + " digits")
          .toException();
    }
    if (!Luhn.isValid(number)) {
      throw new Problem(400, "card_number_invalid", "Invalid card number", "card.number fails the Luhn check", "card.number")
          .toException();
    }
    int expMonth = intIn(card, "exp_month", "card.exp_month", 1, 12);
    int expYear =
        intIn(card, "exp_year", "card.exp_year", currentMonth.getYear() - MAX_EXPIRY_YEARS_AHEAD,
            currentMonth.getYear() + MAX_EXPIRY_YEARS_AHEAD);
    // A card is valid through the last day of its expiry month.
    if (YearMonth.of(expYear, expMonth).isBefore(currentMonth)) {
      String field = expYear < currentMonth.getYear() ? "card.exp_year" : "card.exp_month";
      throw new Problem(400, "card_expired", "Card expired", "the card expired in " + YearMonth.of(expYear, expMonth), field)
          .toException();
    }
    return new PaymentRequest(amount.asLong(), currency, reference, number, expMonth, expYear);
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
        throw new Problem(400, "malformed_json", "Malformed JSON", "the body is empty", null).toException();
      }
      return root;
    } catch (JsonProcessingException e) {
      // Only the position: Jackson's message quotes the input, which may contain a card number.
      JsonLocation at = e.getLocation();
      String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
      throw new Problem(400, "malformed_json", "Malformed JSON", "the body is not valid JSON" + where, null).toException();
    } catch (IOException e) {
      throw new Problem(400, "malformed_json", "Malformed JSON", "the body could not be read", null).toException();
    }
  }

  static void rejectUnknown(JsonNode object, Set<String> known, String prefix) {
    for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!known.contains(name)) {
        String field = prefix + name;
        throw new Problem(400, "unknown_field", "Unknown field", field + " is not a field of this request", field)
            .toException();
      }
    }
  }

  private static JsonNode required(JsonNode object, String name, String field) {
    JsonNode node = object.get(name);
    if (node == null || node.isNull()) {
      throw Problem.missingField(field).toException();
    }
    return node;
  }

  private static String requiredText(JsonNode object, String name, String field) {
    JsonNode node = required(object, name, field);
    if (!node.isTextual()) {
      throw Problem.invalidField(field, field + " must be a string").toException();
    }
    return node.asText();
  }

  private static int intIn(JsonNode object, String name, String field, int min, int max) {
    JsonNode node = required(object, name, field);
    if (!node.isIntegralNumber() || !node.canConvertToInt() || node.asInt() < min || node.asInt() > max) {
      throw Problem.invalidField(field, field + " must be an integer between " + min + " and " + max).toException();
    }
    return node.asInt();
  }

  private PaymentRequestParser() {}
}
