package io.settleflow.risk;

import java.util.Arrays;
import java.util.Optional;

/** The per-payment features a rule may compare against, by the name rule documents use. */
public enum RiskFeature {
  /** The payment's amount in minor units. */
  AMOUNT_MINOR("amount_minor", true),
  /** The merchant's payments in the sliding window, this one included, any currency. */
  MERCHANT_COUNT_WINDOW("merchant_count_window", false),
  /** The merchant's same-currency amount in the window, this payment included (minor units). */
  MERCHANT_SUM_WINDOW("merchant_sum_window", true),
  /**
   * amount / mean of the merchant's earlier same-currency payments in the window; undefined (the
   * rule does not fire) with fewer than {@code meanMinPayments} of them.
   */
  AMOUNT_TO_MERCHANT_MEAN("amount_to_merchant_mean", false),
  /**
   * The merchant's authorizations in the last 1 min / 1 h / 24 h (bucketed), this one included, any
   * currency.
   */
  MERCHANT_COUNT_1M("merchant_count_1m", false),
  MERCHANT_COUNT_1H("merchant_count_1h", false),
  MERCHANT_COUNT_24H("merchant_count_24h", false),
  /** Their same-currency amount, this one included. */
  MERCHANT_SUM_1M("merchant_sum_1m", true),
  MERCHANT_SUM_1H("merchant_sum_1h", true),
  MERCHANT_SUM_24H("merchant_sum_24h", true),
  /** The same for this card token at this merchant; undefined without a card token. */
  CARD_COUNT_1M("card_count_1m", false),
  CARD_COUNT_1H("card_count_1h", false),
  CARD_COUNT_24H("card_count_24h", false),
  CARD_SUM_1M("card_sum_1m", true),
  CARD_SUM_1H("card_sum_1h", true),
  CARD_SUM_24H("card_sum_24h", true),
  /**
   * (amount − mean) / standard deviation of the merchant's earlier same-currency authorizations in
   * the last 24 h; undefined with fewer than {@code meanMinPayments} of them or no spread.
   */
  AMOUNT_ZSCORE("amount_zscore", false),
  /** 1 when this card token has not paid this merchant within the card memory, else 0. */
  CARD_FIRST_SEEN_AT_MERCHANT("card_first_seen_at_merchant", false),
  /** The merchant's refunds ÷ captures in the last 24 h (counts); undefined with no capture. */
  MERCHANT_REFUND_RATIO_24H("merchant_refund_ratio_24h", false),
  /** The merchant's open exposure in the payment's currency, this authorization included. */
  MERCHANT_OPEN_EXPOSURE("merchant_open_exposure", true),
  /** merchant_open_exposure ÷ the configured exposure limit. */
  MERCHANT_EXPOSURE_TO_LIMIT("merchant_exposure_to_limit", false);

  private final String documentName;
  private final boolean amount;

  RiskFeature(String documentName, boolean amount) {
    this.documentName = documentName;
    this.amount = amount;
  }

  public String documentName() {
    return documentName;
  }

  /** In minor units of the payment's currency (reasons name the currency). */
  public boolean isAmount() {
    return amount;
  }

  public static Optional<RiskFeature> byDocumentName(String name) {
    return Arrays.stream(values()).filter(f -> f.documentName.equals(name)).findFirst();
  }
}
