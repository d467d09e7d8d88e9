package io.settleflow.ingest;

/**
 * A validated payment request. Holds the PAN, so it lives only inside the request handler and
 * its {@code toString} masks the card.
 */
public record PaymentRequest(
    long amountMinor, String currency, String reference, String cardNumber, int expMonth, int expYear) {
  @Override
  public String toString() {
    return "PaymentRequest[amountMinor=" + amountMinor + ", currency=" + currency + ", reference="
        + reference + ", card=****" + cardNumber.substring(cardNumber.length() - 4) + "]";
  }
}
