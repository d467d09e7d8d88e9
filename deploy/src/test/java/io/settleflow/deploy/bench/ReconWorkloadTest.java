package io.settleflow.deploy.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settleflow.deploy.bench.ReconWorkload.Expected;
import io.settleflow.deploy.bench.ReconWorkload.Plant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReconWorkloadTest {
  @Test
  void theSameSeedPlantsTheSameDiscrepancies() {
    ReconWorkload a = new ReconWorkload(10_000, 20, 7);
    ReconWorkload b = new ReconWorkload(10_000, 20, 7);

    for (int i = 0; i < a.records(); i++) {
      assertThat(a.plant(i)).isEqualTo(b.plant(i));
      assertThat(a.line(i)).isEqualTo(b.line(i));
    }
    assertThat(a.expectedAlerts()).isEqualTo(b.expectedAlerts());
  }

  @Test
  void everyKindIsPlantedAtAboutTheAskedRateAndNeverTwoSideBySide() {
    ReconWorkload w = new ReconWorkload(100_000, 20, 42);
    int planted = 0;
    for (int i = 0; i < w.records(); i++) {
      if (w.plant(i) != Plant.CLEAN) {
        planted++;
        assertThat(w.plant(i - 1)).as("slot " + (i - 1)).isEqualTo(Plant.CLEAN);
      }
    }
    assertThat(planted).isBetween(1_700, 2_300);
    assertThat(w.plantCounts()).containsKeys(Plant.values());
    assertThat(w.expectedMatches() + planted).isEqualTo(w.records());
  }

  @Test
  void eachPlantChangesTheLineAndNamesTheAlertsItMustRaise() {
    ReconWorkload w = new ReconWorkload(5_000, 100, 3);
    Set<Expected> expected = w.expectedAlerts();
    long missing = 0;
    for (int i = 0; i < w.records(); i++) {
      ReconWorkload.Line l = w.line(i);
      String pay = ReconWorkload.paymentId(i);
      long amount = ReconWorkload.amountMinor(i);
      switch (w.plant(i)) {
        case CLEAN -> {
          assertThat(l).isEqualTo(new ReconWorkload.Line("line-" + i, pay, amount, "EUR"));
          boolean settledTwice = i + 1 < w.records() && w.plant(i + 1) == Plant.DUPLICATE;
          assertThat(expected)
              .filteredOn(e -> e.paymentId().equals(pay))
              .containsExactlyElementsOf(
                  settledTwice ? List.of(new Expected("DUPLICATE_SETTLEMENT", pay)) : List.of());
        }
        case AMOUNT -> {
          assertThat(l.grossMinor() - amount).isBetween(1L, 100L);
          assertThat(expected).contains(new Expected("AMOUNT_MISMATCH", pay));
        }
        case CURRENCY -> {
          assertThat(l.currency()).isEqualTo("USD");
          assertThat(expected).contains(new Expected("CURRENCY_MISMATCH", pay));
        }
        case ORPHAN -> {
          missing++;
          assertThat(expected)
              .contains(
                  new Expected("ORPHAN_SETTLEMENT", l.paymentReference()),
                  new Expected("OVERDUE_PAYMENT", pay));
        }
        case DUPLICATE -> {
          missing++;
          String previous = ReconWorkload.paymentId(i - 1);
          assertThat(l.paymentReference()).isEqualTo(previous);
          assertThat(expected)
              .contains(
                  new Expected("DUPLICATE_SETTLEMENT", previous),
                  new Expected("OVERDUE_PAYMENT", pay));
        }
      }
    }
    assertThat(w.missingPayments()).isEqualTo(missing);
  }

  @Test
  void scoringCountsTrueFalseAndMissedAlertsIgnoringResolvedAndRepeats() {
    Set<Expected> expected =
        Set.of(
            new Expected("AMOUNT_MISMATCH", "pay-1"),
            new Expected("OVERDUE_PAYMENT", "pay-2"),
            new Expected("ORPHAN_SETTLEMENT", "ghost-3"));
    List<Expected> observed =
        List.of(
            new Expected("AMOUNT_MISMATCH", "pay-1"),
            new Expected("AMOUNT_MISMATCH", "pay-1"),
            new Expected("OVERDUE_PAYMENT", "pay-2"),
            new Expected("RESOLVED", "pay-2"),
            new Expected("DUPLICATE_SETTLEMENT", "pay-9"));

    ReconWorkload.Score s = ReconWorkload.score(expected, observed);

    assertThat(s).isEqualTo(new ReconWorkload.Score(2, 1, 1));
    assertThat(s.precision()).isEqualTo(2.0 / 3);
    assertThat(s.recall()).isEqualTo(2.0 / 3);
    assertThat(ReconWorkload.score(Set.of(), List.of()).precision()).isEqualTo(1.0);
    assertThat(ReconWorkload.score(new HashSet<>(expected), List.copyOf(expected)).recall())
        .isEqualTo(1.0);
  }

  @Test
  void badSizesAreRejectedNamingTheOption() {
    assertThatThrownBy(() -> new ReconWorkload(1, 20, 1)).hasMessageContaining("records");
    assertThatThrownBy(() -> new ReconWorkload(10, 501, 1)).hasMessageContaining("per mille");
  }
}
