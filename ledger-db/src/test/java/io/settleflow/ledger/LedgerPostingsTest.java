package io.settleflow.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LedgerPostingsTest {
  static Stream<Arguments> authorizations() {
    return Stream.of(
        Arguments.of(1L, "EUR"),
        Arguments.of(1999L, "EUR"),
        Arguments.of(50L, "JPY"),
        Arguments.of(123_456L, "USD"),
        Arguments.of(LedgerPostings.MAX_AMOUNT_MINOR, "GBP"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("authorizations")
  void authorizeDebitsCardAuthorizationsAndCreditsMerchantPendingAndSumsToZero(
      long amountMinor, String currency) {
    List<Posting> postings = LedgerPostings.authorize(amountMinor, currency);

    assertThat(postings)
        .containsExactly(
            new Posting(Account.CARD_AUTHORIZATIONS, currency, amountMinor),
            new Posting(Account.MERCHANT_PENDING, currency, -amountMinor));
    assertThat(LedgerPostings.sumByCurrency(postings)).containsExactly(Map.entry(currency, 0L));
    assertThat(LedgerPostings.isBalanced(postings)).isTrue();
  }

  /** One line per movement: the function, then the entries it must book for 250 EUR. */
  static Stream<Arguments> movements() {
    return Stream.of(
        Arguments.of(
            "authorize",
            (java.util.function.BiFunction<Long, String, List<Posting>>) LedgerPostings::authorize,
            List.of(
                new Posting(Account.CARD_AUTHORIZATIONS, "EUR", 250),
                new Posting(Account.MERCHANT_PENDING, "EUR", -250))),
        Arguments.of(
            "capture",
            (java.util.function.BiFunction<Long, String, List<Posting>>) LedgerPostings::capture,
            List.of(
                new Posting(Account.CARD_RECEIVABLES, "EUR", 250),
                new Posting(Account.CARD_AUTHORIZATIONS, "EUR", -250),
                new Posting(Account.MERCHANT_PENDING, "EUR", 250),
                new Posting(Account.MERCHANT_PAYABLE, "EUR", -250))),
        Arguments.of(
            "refund",
            (java.util.function.BiFunction<Long, String, List<Posting>>) LedgerPostings::refund,
            List.of(
                new Posting(Account.MERCHANT_PAYABLE, "EUR", 250),
                new Posting(Account.CARD_RECEIVABLES, "EUR", -250))),
        Arguments.of(
            "cancel",
            (java.util.function.BiFunction<Long, String, List<Posting>>) LedgerPostings::cancel,
            List.of(
                new Posting(Account.MERCHANT_PENDING, "EUR", 250),
                new Posting(Account.CARD_AUTHORIZATIONS, "EUR", -250))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("movements")
  void eachMovementBooksItsEntriesAndSumsToZero(
      String name,
      java.util.function.BiFunction<Long, String, List<Posting>> movement,
      List<Posting> expected) {
    List<Posting> postings = movement.apply(250L, "EUR");

    assertThat(postings).containsExactlyElementsOf(expected);
    assertThat(LedgerPostings.isBalanced(postings)).isTrue();
    assertThatThrownBy(() -> movement.apply(0L, "EUR"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> movement.apply(LedgerPostings.MAX_AMOUNT_MINOR + 1, "EUR"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void authorizeCaptureAndFullRefundLeaveOnlyTheReceivableNettedToZero() {
    List<Posting> all = new java.util.ArrayList<>();
    all.addAll(LedgerPostings.authorize(1000, "EUR"));
    all.addAll(LedgerPostings.capture(1000, "EUR"));
    all.addAll(LedgerPostings.refund(1000, "EUR"));
    Map<Account, Long> byAccount = new java.util.EnumMap<>(Account.class);
    all.forEach(p -> byAccount.merge(p.account(), p.amountMinor(), Long::sum));

    assertThat(byAccount.values()).containsOnly(0L);
  }

  static Stream<Arguments> invalidAuthorizations() {
    return Stream.of(
        Arguments.of(0L, "EUR", "amountMinor"),
        Arguments.of(-5L, "EUR", "amountMinor"),
        Arguments.of(LedgerPostings.MAX_AMOUNT_MINOR + 1, "EUR", "amountMinor"),
        Arguments.of(100L, "eur", "currency"),
        Arguments.of(100L, "EURO", "currency"),
        Arguments.of(100L, null, "currency"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("invalidAuthorizations")
  void authorizeRefusesAmountsAndCurrenciesOutsideTheLimits(
      long amountMinor, String currency, String named) {
    assertThatThrownBy(() -> LedgerPostings.authorize(amountMinor, currency))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(named);
  }

  static Stream<Arguments> postingSets() {
    return Stream.of(
        Arguments.of(List.of(), false),
        Arguments.of(List.of(new Posting(Account.CARD_AUTHORIZATIONS, "EUR", 100)), false),
        Arguments.of(
            List.of(
                new Posting(Account.CARD_AUTHORIZATIONS, "EUR", 100),
                new Posting(Account.MERCHANT_PENDING, "EUR", -100)),
            true),
        // Zero in total but not per currency: still unbalanced.
        Arguments.of(
            List.of(
                new Posting(Account.CARD_AUTHORIZATIONS, "EUR", 100),
                new Posting(Account.MERCHANT_PENDING, "USD", -100)),
            false),
        Arguments.of(
            List.of(
                new Posting(Account.CARD_AUTHORIZATIONS, "EUR", 100),
                new Posting(Account.MERCHANT_PENDING, "EUR", -60),
                new Posting(Account.MERCHANT_PENDING, "EUR", -40)),
            true));
  }

  @ParameterizedTest
  @MethodSource("postingSets")
  void aMovementIsBalancedOnlyWhenEveryCurrencySumsToZero(
      List<Posting> postings, boolean balanced) {
    assertThat(LedgerPostings.isBalanced(postings)).isEqualTo(balanced);
  }

  @Test
  void aPostingMustMoveMoney() {
    assertThatThrownBy(() -> new Posting(Account.MERCHANT_PENDING, "EUR", 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void everyAccountCodeFitsTheSchemaAndRoundTrips() {
    for (Account account : Account.values()) {
      assertThat(account.code()).matches("^[a-z][a-z_]{1,63}$");
      assertThat(Account.ofCode(account.code())).isEqualTo(account);
    }
  }
}
