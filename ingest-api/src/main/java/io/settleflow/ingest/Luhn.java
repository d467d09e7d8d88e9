package io.settleflow.ingest;

/** The Luhn (mod 10) check digit that every card number carries. */
public final class Luhn {
  /** True when {@code digits} is non-empty, all ASCII digits, and passes the mod-10 check. */
  public static boolean isValid(String digits) {
    if (digits == null || digits.isEmpty()) {
      return false;
    }
    int sum = 0;
    boolean doubled = false;
    for (int i = digits.length() - 1; i >= 0; i--) {
      char ch = digits.charAt(i);
      if (ch < '0' || ch > '9') {
        return false;
      }
      int d = ch - '0';
      if (doubled) {
        d *= 2;
        if (d > 9) {
          d -= 9;
        }
      }
      sum += d;
      doubled = !doubled;
    }
    return sum % 10 == 0;
  }

  private Luhn() {}
}
