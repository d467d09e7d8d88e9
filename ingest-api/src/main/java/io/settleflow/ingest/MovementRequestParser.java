package io.settleflow.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import io.settleflow.ledger.LedgerPostings;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Parses the optional body of capture, refund and cancel: nothing, {@code {}} or (capture, refund)
 * {@code {"amount_minor": n}}. No amount means all that is left. Pure.
 */
public final class MovementRequestParser {
  private static final Set<String> AMOUNT_FIELDS = Set.of("amount_minor");

  /** @param takesAmount false for cancel, which releases the whole authorization */
  public static OptionalLong parse(byte[] body, boolean takesAmount) {
    if (isBlank(body)) {
      return OptionalLong.empty();
    }
    JsonNode root = PaymentRequestParser.readJson(body);
    if (!root.isObject()) {
      throw new Problem(400, "invalid_body", "Invalid body", "the body must be a JSON object", null).toException();
    }
    PaymentRequestParser.rejectUnknown(root, takesAmount ? AMOUNT_FIELDS : Set.of(), "");
    JsonNode amount = root.get("amount_minor");
    if (amount == null || amount.isNull()) {
      return OptionalLong.empty();
    }
    if (!amount.isIntegralNumber()
        || !amount.canConvertToLong()
        || amount.asLong() < 1
        || amount.asLong() > LedgerPostings.MAX_AMOUNT_MINOR) {
      throw Problem.invalidField(
              "amount_minor", "amount_minor must be an integer between 1 and " + LedgerPostings.MAX_AMOUNT_MINOR)
          .toException();
    }
    return OptionalLong.of(amount.asLong());
  }

  static boolean isBlank(byte[] body) {
    for (byte b : body) {
      if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
        return false;
      }
    }
    return true;
  }

  private MovementRequestParser() {}
}
