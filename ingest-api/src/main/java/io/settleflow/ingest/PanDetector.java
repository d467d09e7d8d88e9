package io.settleflow.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds values that look like a card number anywhere in a JSON body: 13 to 19 digits, optionally
 * grouped by spaces or dashes, passing Luhn; as a string, a number or a field name. Pure. The
 * answer is the JSON pointer of the place, never the value, so nothing quotes the PAN.
 */
public final class PanDetector {
  public static final int MIN_PAN_DIGITS = 13;
  public static final int MAX_PAN_DIGITS = 19;

  /** Longer strings are not a card number however they are grouped (19 digits + 18 separators). */
  private static final int MAX_PAN_CHARS = MAX_PAN_DIGITS * 2 - 1;

  /** The pointer of the first PAN-like value or name, depth first; empty when there is none. */
  public static Optional<String> find(JsonNode root) {
    return find(root, new ArrayList<>());
  }

  private static Optional<String> find(JsonNode node, List<String> path) {
    if (node.isTextual() && looksLikePan(node.textValue())) {
      return Optional.of(Problem.pointerOf(path.toArray(String[]::new)));
    }
    if (node.isIntegralNumber() && looksLikePan(node.bigIntegerValue().toString())) {
      return Optional.of(Problem.pointerOf(path.toArray(String[]::new)));
    }
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
        Map.Entry<String, JsonNode> field = fields.next();
        if (looksLikePan(field.getKey())) {
          // The name itself is the PAN: point at the object holding it, never at the name.
          return Optional.of(Problem.pointerOf(path.toArray(String[]::new)));
        }
        path.add(field.getKey());
        Optional<String> found = find(field.getValue(), path);
        path.remove(path.size() - 1);
        if (found.isPresent()) {
          return found;
        }
      }
    }
    if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        path.add(Integer.toString(i));
        Optional<String> found = find(node.get(i), path);
        path.remove(path.size() - 1);
        if (found.isPresent()) {
          return found;
        }
      }
    }
    return Optional.empty();
  }

  /**
   * True for 13..19 ASCII digits passing Luhn, single spaces or dashes allowed between digits (not
   * leading or trailing): "4242 4242 4242 4242", "4242-4242-4242-4242".
   */
  public static boolean looksLikePan(String value) {
    if (value == null || value.length() < MIN_PAN_DIGITS || value.length() > MAX_PAN_CHARS) {
      return false;
    }
    return digitsOf(value)
        .filter(
            d -> d.length() >= MIN_PAN_DIGITS && d.length() <= MAX_PAN_DIGITS && Luhn.isValid(d))
        .isPresent();
  }

  /** The digits of a value made of digits with single space or dash separators, else empty. */
  static Optional<String> digitsOf(String value) {
    StringBuilder digits = new StringBuilder(value.length());
    boolean lastWasDigit = false;
    for (int i = 0; i < value.length(); i++) {
      char ch = value.charAt(i);
      if (ch >= '0' && ch <= '9') {
        digits.append(ch);
        lastWasDigit = true;
      } else if ((ch == ' ' || ch == '-') && lastWasDigit && i + 1 < value.length()) {
        lastWasDigit = false;
      } else {
        return Optional.empty();
      }
    }
    return lastWasDigit ? Optional.of(digits.toString()) : Optional.empty();
  }

  private PanDetector() {}
}
