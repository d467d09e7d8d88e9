package io.settleflow.risk;

import java.util.Arrays;
import java.util.Optional;

/** The per-payment features a rule may compare against, by the name rule documents use. */
public enum RiskFeature {
  /** The payment's amount in minor units. */
  AMOUNT_MINOR("amount_minor"),
  /** The merchant's payments in the sliding window, this one included, any currency. */
  MERCHANT_COUNT_WINDOW("merchant_count_window"),
  /** The merchant's same-currency amount in the window, this payment included (minor units). */
  MERCHANT_SUM_WINDOW("merchant_sum_window"),
  /**
   * amount / mean of the merchant's earlier same-currency payments in the window; undefined (the
   * rule does not fire) with fewer than {@code meanMinPayments} of them.
   */
  AMOUNT_TO_MERCHANT_MEAN("amount_to_merchant_mean");

  private final String documentName;

  RiskFeature(String documentName) {
    this.documentName = documentName;
  }

  public String documentName() {
    return documentName;
  }

  public static Optional<RiskFeature> byDocumentName(String name) {
    return Arrays.stream(values()).filter(f -> f.documentName.equals(name)).findFirst();
  }
}
