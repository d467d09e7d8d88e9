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
  void authorizeDebitsCardAuthorizationsAndCreditsMerchantPendingAndSumsToZero(long amountMinor, String currency) {
    List<Posting> postings = LedgerPostings.authorize(amountMinor, currency);

    assertThat(postings)
        .containsExactly(
            new Posting(Account.CARD_AUTHORIZATIONS, currency, amountMinor),
            new Posting(Account.MERCHANT_PENDING, currency, -amountMinor));
    assertThat(LedgerPostings.sumByCurrency(postings)).containsExactly(Map.entry(currency, 0L));
    assertThat(LedgerPostings.isBalanced(postings)).isTrue();
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
  void authorizeRefusesAmountsAndCurrenciesOutsideTheLimits(long amountMinor, String currency, String named) {
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
  void aMovementIsBalancedOnlyWhenEveryCurrencySumsToZero(List<Posting> postings, boolean balanced) {
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
