package io.settleflow.ingest;

import java.util.Optional;

/** The card network from the number's leading digits (IIN ranges), for display only. Pure. */
public final class CardBrand {
  public static Optional<String> of(String pan) {
    if (pan.length() < 6) {
      return Optional.empty();
    }
    int two = Integer.parseInt(pan.substring(0, 2));
    int three = Integer.parseInt(pan.substring(0, 3));
    int four = Integer.parseInt(pan.substring(0, 4));
    int six = Integer.parseInt(pan.substring(0, 6));
    if (pan.charAt(0) == '4') {
      return Optional.of("visa");
    }
    if ((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720)) {
      return Optional.of("mastercard");
    }
    if (two == 34 || two == 37) {
      return Optional.of("amex");
    }
    if (four == 6011
        || two == 65
        || (three >= 644 && three <= 649)
        || (six >= 622126 && six <= 622925)) {
      return Optional.of("discover");
    }
    if (four >= 3528 && four <= 3589) {
      return Optional.of("jcb");
    }
    if (two == 36 || two == 38 || two == 39 || (three >= 300 && three <= 305)) {
      return Optional.of("diners");
    }
    return Optional.empty();
  }

  private CardBrand() {}
}
