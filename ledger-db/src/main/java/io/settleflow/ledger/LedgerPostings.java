package io.settleflow.ledger;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The balanced entries each money movement books. Pure: no I/O, no clock. */
public final class LedgerPostings {
  /** Larger amounts are refused before they reach the ledger (and stay far from long overflow). */
  public static final long MAX_AMOUNT_MINOR = 1_000_000_000_000L;

  /**
   * Authorize: the network owes us the amount (asset up), we will owe the merchant (liability up).
   */
  public static List<Posting> authorize(long amountMinor, String currency) {
    requireAmount(amountMinor);
    requireCurrency(currency);
    return List.of(
        new Posting(Account.CARD_AUTHORIZATIONS, currency, amountMinor),
        new Posting(Account.MERCHANT_PENDING, currency, -amountMinor));
  }

  /**
   * Capture: the authorization becomes a receivable from the network, and what we will owe the
   * merchant becomes what we owe it now.
   */
  public static List<Posting> capture(long amountMinor, String currency) {
    requireAmount(amountMinor);
    requireCurrency(currency);
    return List.of(
        new Posting(Account.CARD_RECEIVABLES, currency, amountMinor),
        new Posting(Account.CARD_AUTHORIZATIONS, currency, -amountMinor),
        new Posting(Account.MERCHANT_PENDING, currency, amountMinor),
        new Posting(Account.MERCHANT_PAYABLE, currency, -amountMinor));
  }

  /**
   * Refund: we owe the merchant less and the network owes us less (the refund nets against the
   * receivable until settlement is booked).
   */
  public static List<Posting> refund(long amountMinor, String currency) {
    requireAmount(amountMinor);
    requireCurrency(currency);
    return List.of(
        new Posting(Account.MERCHANT_PAYABLE, currency, amountMinor),
        new Posting(Account.CARD_RECEIVABLES, currency, -amountMinor));
  }

  /** Cancel (void): the uncaptured authorization is released, the exact reverse of authorize. */
  public static List<Posting> cancel(long amountMinor, String currency) {
    requireAmount(amountMinor);
    requireCurrency(currency);
    return List.of(
        new Posting(Account.MERCHANT_PENDING, currency, amountMinor),
        new Posting(Account.CARD_AUTHORIZATIONS, currency, -amountMinor));
  }

  /** The sum of the postings per currency; a balanced movement has only zeros. */
  public static Map<String, Long> sumByCurrency(List<Posting> postings) {
    Map<String, Long> sums = new TreeMap<>();
    for (Posting p : postings) {
      sums.merge(p.currency(), p.amountMinor(), Math::addExact);
    }
    return sums;
  }

  public static boolean isBalanced(List<Posting> postings) {
    return !postings.isEmpty()
        && sumByCurrency(postings).values().stream().allMatch(sum -> sum == 0L);
  }

  static void requireAmount(long amountMinor) {
    if (amountMinor < 1 || amountMinor > MAX_AMOUNT_MINOR) {
      throw new IllegalArgumentException(
          "amountMinor must be between 1 and " + MAX_AMOUNT_MINOR + ", was " + amountMinor);
    }
  }

  static void requireCurrency(String currency) {
    if (currency == null || !currency.matches("[A-Z]{3}")) {
      throw new IllegalArgumentException("currency must be an ISO 4217 code, was " + currency);
    }
  }

  private LedgerPostings() {}
}
