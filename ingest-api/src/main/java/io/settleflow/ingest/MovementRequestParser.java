package io.settleflow.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Parses the optional body of capture, refund and cancel: nothing, {@code {}} or (capture, refund)
 * {@code {"amount_minor": n}}. No amount means all that is left. Pure; the same 400/422 split as
 * {@link PaymentRequestParser}.
 */
public final class MovementRequestParser {
  private static final Set<String> AMOUNT_FIELDS = Set.of("amount_minor");

  /**
   * @param takesAmount false for cancel, which releases the whole authorization
   * @param maxAmountMinor the configured largest payment
   */
  public static OptionalLong parse(byte[] body, boolean takesAmount, long maxAmountMinor) {
    if (isBlank(body)) {
      return OptionalLong.empty();
    }
    JsonNode root = PaymentRequestParser.readJson(body);
    PaymentRequestParser.rejectPan(root);
    if (!root.isObject()) {
      throw new Problem(400, "invalid_body", "Invalid body", "the body must be a JSON object", null)
          .toException();
    }
    PaymentRequestParser.rejectUnknown(root, takesAmount ? AMOUNT_FIELDS : Set.of(), "");
    return PaymentRequestParser.amount(root.get("amount_minor"), false, maxAmountMinor);
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
