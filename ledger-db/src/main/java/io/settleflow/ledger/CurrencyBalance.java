package io.settleflow.ledger;

import java.util.Map;

/**
 * A merchant's account balances in one currency, summed from its ledger entries (debit positive,
 * credit negative). Accounts without entries are absent.
 */
public record CurrencyBalance(String currency, Map<Account, Long> byAccount) {
  public CurrencyBalance {
    byAccount = Map.copyOf(byAccount);
  }

  public long of(Account account) {
    return byAccount.getOrDefault(account, 0L);
  }

  /**
   * Authorized, not yet captured: what we will owe the merchant (a credit balance, shown positive).
   */
  public long pendingMinor() {
    return -of(Account.MERCHANT_PENDING);
  }

  /** Captured less refunded: what we owe the merchant now (shown positive). */
  public long payableMinor() {
    return -of(Account.MERCHANT_PAYABLE);
  }
}
