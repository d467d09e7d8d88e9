package io.settleflow.ledger;

/**
 * The chart of accounts. Each account exists once per merchant and currency (its sub-ledger), so no
 * row is shared between merchants and nothing on the hot path contends on a balance.
 */
public enum Account {
  /** What card networks owe us for authorized, not yet captured payments. Debited on authorize. */
  CARD_AUTHORIZATIONS("card_authorizations", AccountKind.ASSET),
  /** What we will owe the merchant once those authorizations settle. Credited on authorize. */
  MERCHANT_PENDING("merchant_pending", AccountKind.LIABILITY),
  /** What the card networks owe us for captured payments until they settle. Debited on capture. */
  CARD_RECEIVABLES("card_receivables", AccountKind.ASSET),
  /** What we owe the merchant for captured payments, less refunds. Credited on capture. */
  MERCHANT_PAYABLE("merchant_payable", AccountKind.LIABILITY);

  private final String code;
  private final AccountKind kind;

  Account(String code, AccountKind kind) {
    this.code = code;
    this.kind = kind;
  }

  /** The account_code stored in ledger.accounts and ledger.ledger_entries. */
  public String code() {
    return code;
  }

  public AccountKind kind() {
    return kind;
  }

  public static Account ofCode(String code) {
    for (Account account : values()) {
      if (account.code.equals(code)) {
        return account;
      }
    }
    throw new IllegalArgumentException("no account with code " + code);
  }
}
