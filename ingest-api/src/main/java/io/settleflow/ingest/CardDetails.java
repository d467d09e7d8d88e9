package io.settleflow.ingest;

/**
 * A validated card from {@code POST /v1/tokenize}. Holds the PAN (digits only), so it lives only
 * inside that handler and its {@code toString} masks the number.
 */
public record CardDetails(String number, int expMonth, int expYear) {
  public String last4() {
    return number.substring(number.length() - CardTokenizer.LAST_DIGITS);
  }

  @Override
  public String toString() {
    return "CardDetails[number=****" + last4() + ", exp=" + expMonth + "/" + expYear + "]";
  }
}
