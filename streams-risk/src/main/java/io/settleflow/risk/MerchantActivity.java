package io.settleflow.risk;

/**
 * What the merchant did in the sliding window before the payment being scored (the payment itself
 * is not counted).
 *
 * @param paymentsInWindow earlier payments of the merchant in the window, any currency
 * @param sameCurrencyPayments earlier payments in the scored payment's currency
 * @param sameCurrencyAmountMinor their summed amount, in that currency's minor units
 */
public record MerchantActivity(
    int paymentsInWindow, int sameCurrencyPayments, long sameCurrencyAmountMinor) {
  public static final MerchantActivity NONE = new MerchantActivity(0, 0, 0);
}
