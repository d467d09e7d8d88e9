package io.settleflow.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.YearMonth;
import java.util.Set;

/**
 * Parses and validates a {@code POST /v1/tokenize} body, {@code {"card": {"number", "exp_month",
 * "exp_year"}}}. Pure: the current month comes in. The number may be grouped by spaces or dashes;
 * errors never quote it.
 */
public final class TokenizeRequestParser {
  public static final int MIN_CARD_DIGITS = PanDetector.MIN_PAN_DIGITS;
  public static final int MAX_CARD_DIGITS = PanDetector.MAX_PAN_DIGITS;

  /** Expiry years further ahead than this are typos, not cards. */
  public static final int MAX_EXPIRY_YEARS_AHEAD = 50;

  private static final Set<String> FIELDS = Set.of("card");
  private static final Set<String> CARD_FIELDS = Set.of("number", "exp_month", "exp_year");

  public static CardDetails parse(byte[] body, YearMonth currentMonth) {
    JsonNode root = PaymentRequestParser.readJson(body);
    if (!root.isObject()) {
      throw new Problem(400, "invalid_body", "Invalid body", "the body must be a JSON object", null)
          .toException();
    }
    PaymentRequestParser.rejectUnknown(root, FIELDS, "");
    JsonNode card = PaymentRequestParser.required(root, "card", "card");
    if (!card.isObject()) {
      throw Problem.invalidField("card", "card must be an object").toException();
    }
    PaymentRequestParser.rejectUnknown(card, CARD_FIELDS, "card.");
    String raw = PaymentRequestParser.requiredText(card, "number", "card.number");
    String number = PanDetector.digitsOf(raw).orElse("");
    if (number.length() < MIN_CARD_DIGITS || number.length() > MAX_CARD_DIGITS) {
      throw Problem.invalidValue(
              "invalid_value",
              "card.number",
              "card.number must be "
                  + MIN_CARD_DIGITS
                  + " to "
                  + MAX_CARD_DIGITS
                  + " digits, optionally grouped by spaces or dashes")
          .toException();
    }
    if (!Luhn.isValid(number)) {
      throw Problem.body(
              422,
              "card_number_invalid",
              "Invalid card number",
              "card.number fails the Luhn check",
              "card.number")
          .toException();
    }
    int expMonth = PaymentRequestParser.intIn(card, "exp_month", "card.exp_month", 1, 12);
    int expYear =
        PaymentRequestParser.intIn(
            card,
            "exp_year",
            "card.exp_year",
            currentMonth.getYear() - MAX_EXPIRY_YEARS_AHEAD,
            currentMonth.getYear() + MAX_EXPIRY_YEARS_AHEAD);
    // A card is valid through the last day of its expiry month.
    if (YearMonth.of(expYear, expMonth).isBefore(currentMonth)) {
      String field = expYear < currentMonth.getYear() ? "card.exp_year" : "card.exp_month";
      throw Problem.body(
              422,
              "card_expired",
              "Card expired",
              "the card expired in " + YearMonth.of(expYear, expMonth),
              field)
          .toException();
    }
    return new CardDetails(number, expMonth, expYear);
  }

  private TokenizeRequestParser() {}
}
