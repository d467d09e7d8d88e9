package io.settleflow.deploy.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settleflow.deploy.demo.SettlementPlan.Counts;
import io.settleflow.deploy.demo.SettlementPlan.PlantedKind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SettlementPlanTest {
  private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
  private static final Counts COUNTS = new Counts(3, 1, 2, 3, 1);

  static List<AcceptedPayment> payments(int n) {
    List<AcceptedPayment> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      list.add(
          new AcceptedPayment(
              "p-" + i,
              "m-" + (i % 3),
              1000 + i,
              i % 2 == 0 ? "EUR" : "USD",
              T0.plusMillis(i * 100L)));
    }
    return list;
  }

  @Test
  void plantsEachKindAndMatchesTheRest() {
    SettlementPlan plan = SettlementPlan.of(payments(100), COUNTS, T0.plusSeconds(60), 7);
    assertThat(plan.planted().get(PlantedKind.AMOUNT_MISMATCH)).hasSize(3);
    assertThat(plan.planted().get(PlantedKind.CURRENCY_MISMATCH)).hasSize(1);
    assertThat(plan.planted().get(PlantedKind.ORPHAN_SETTLEMENT)).hasSize(2);
    assertThat(plan.planted().get(PlantedKind.OVERDUE_PAYMENT)).hasSize(3);
    assertThat(plan.planted().get(PlantedKind.DUPLICATE_SETTLEMENT)).hasSize(1);
    // 100 payments − 3 overdue − 3 amount − 1 currency = 93 matches (the duplicate's first line
    // matches)
    assertThat(plan.expectedMatches()).hasSize(93);
    // one line per settled payment + 1 extra for the duplicate + 2 orphans
    assertThat(plan.settlementLines()).isEqualTo(97 + 1 + 2);
    assertThat(plan.csvLines().get(0)).isEqualTo(SettlementPlan.HEADER);
  }

  @Test
  void overduePaymentsAreTheOldestAndAreLeftOutOfTheFile() {
    SettlementPlan plan = SettlementPlan.of(payments(100), COUNTS, T0.plusSeconds(60), 7);
    assertThat(plan.planted().get(PlantedKind.OVERDUE_PAYMENT))
        .containsExactly("p-0", "p-1", "p-2");
    String file = String.join("\n", plan.csvLines());
    assertThat(file).doesNotContain(",p-0,").doesNotContain(",p-1,").doesNotContain(",p-2,");
  }

  @Test
  void amountMismatchesAreShortByOneUnitAndCurrencyMismatchesSwapCurrency() {
    List<AcceptedPayment> all = payments(100);
    SettlementPlan plan = SettlementPlan.of(all, COUNTS, T0.plusSeconds(60), 7);
    for (String id : plan.planted().get(PlantedKind.AMOUNT_MISMATCH)) {
      AcceptedPayment p =
          all.stream().filter(x -> x.paymentId().equals(id)).findFirst().orElseThrow();
      assertThat(plan.csvLines())
          .anyMatch(
              l ->
                  l.contains("," + id + ",")
                      && l.contains(
                          "," + SettlementPlan.major(p.amountMinor() - 100, p.currency()) + ","));
    }
    String currencyMismatch = plan.planted().get(PlantedKind.CURRENCY_MISMATCH).iterator().next();
    AcceptedPayment p =
        all.stream().filter(x -> x.paymentId().equals(currencyMismatch)).findFirst().orElseThrow();
    String line =
        plan.csvLines().stream()
            .filter(l -> l.contains("," + currencyMismatch + ","))
            .findFirst()
            .orElseThrow();
    assertThat(line).doesNotContain("," + p.currency() + ",");
  }

  @Test
  void sameSeedSamePlan() {
    assertThat(SettlementPlan.of(payments(60), COUNTS, T0, 3).csvLines())
        .isEqualTo(SettlementPlan.of(payments(60), COUNTS, T0, 3).csvLines());
  }

  @Test
  void refusesTooFewPayments() {
    assertThatThrownBy(() -> SettlementPlan.of(payments(10), COUNTS, T0, 1))
        .hasMessageContaining("need at least");
  }

  @Test
  void settlementIdsAreUniqueInTheFile() {
    SettlementPlan plan = SettlementPlan.of(payments(100), COUNTS, T0, 5);
    Set<String> ids =
        plan.csvLines().stream().skip(1).map(l -> l.split(",", -1)[0]).collect(Collectors.toSet());
    assertThat(ids).hasSize(plan.settlementLines());
  }

  @ParameterizedTest
  @CsvSource({"1234,EUR,12.34", "5,EUR,0.05", "-250,USD,-2.50", "1500,JPY,1500", "1234,BHD,1.234"})
  void writesMajorUnitsWithTheCurrencysDigits(long minor, String currency, String expected) {
    assertThat(SettlementPlan.major(minor, currency)).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"1000,59", "100,32", "20,20", "0,0"})
  void feeIsProcessorStyleAndNeverAboveGross(long gross, long fee) {
    assertThat(SettlementPlan.fee(gross)).isEqualTo(fee);
  }
}
