package io.settleflow.ledger;

/** One ledger entry to write: positive {@code amountMinor} is a debit, negative a credit. */
public record Posting(Account account, String currency, long amountMinor) {
  public Posting {
    if (amountMinor == 0) {
      throw new IllegalArgumentException("a posting moves money: amountMinor must not be 0");
    }
  }
}
