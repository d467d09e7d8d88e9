package io.settleflow.deploy.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.settleflow.deploy.demo.SettlementPlan.PlantedKind;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class DemoReportTest {
  /** One changed count per case, everything else clean. */
  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "clean run passes,             0, 0, 0, 0, 0, 0, 0, 0, 0, true",
    "payment missing from ledger,  1, 0, 0, 0, 0, 0, 0, 0, 0, false",
    "extra ledger payment,         0, 1, 0, 0, 0, 0, 0, 0, 0, false",
    "event missing on Kafka,       0, 0, 1, 0, 0, 0, 0, 0, 0, false",
    "payment event never decided,  0, 0, 0, 1, 0, 0, 0, 0, 0, false",
    "decided twice,                0, 0, 0, 0, 1, 0, 0, 0, 0, false",
    "expected match missing,       0, 0, 0, 0, 0, 1, 0, 0, 0, false",
    "planted discrepancy missed,   0, 0, 0, 0, 0, 0, 1, 0, 0, false",
    "unexpected alert,             0, 0, 0, 0, 0, 0, 0, 1, 0, false",
    "converted FX line unmatched,  0, 0, 0, 0, 0, 0, 0, 0, 1, false",
  })
  void verdict(
      String name,
      long ledgerMissing,
      long ledgerExtra,
      long cdcMissing,
      long decisionsMissing,
      long decidedTwice,
      long matchesMissing,
      long missedPlanted,
      int unexpected,
      long fxUnmatched,
      boolean passes) {
    Map<PlantedKind, Long> planted = new EnumMap<>(PlantedKind.class);
    Map<PlantedKind, Long> detected = new EnumMap<>(PlantedKind.class);
    for (PlantedKind k : PlantedKind.values()) {
      planted.put(k, 2L);
      detected.put(k, 2L);
    }
    detected.put(PlantedKind.OVERDUE_PAYMENT, 2L - missedPlanted);
    DemoReport r =
        new DemoReport(
            100,
            90,
            9,
            0,
            Map.of(),
            90,
            180,
            90,
            Map.of("EUR", 0L),
            ledgerMissing,
            ledgerExtra,
            100,
            90,
            cdcMissing,
            10,
            90 + decidedTwice,
            90,
            decisionsMissing,
            95,
            95,
            0,
            80,
            80,
            80,
            matchesMissing,
            3,
            3 - fxUnmatched,
            10,
            10,
            planted,
            detected,
            alertsByKind(2L, unexpected),
            unexpected == 0 ? List.of() : List.of("AMOUNT_MISMATCH:x"),
            5,
            20);
    assertThat(r.passed()).as(name).isEqualTo(passes);
    assertThat(r.render()).contains(passes ? "PASS" : "FAIL");
  }

  /** Two distinct alerts of every planted kind, plus {@code extraAmount} unexpected amount ones. */
  private static Map<String, Long> alertsByKind(long each, long extraAmount) {
    Map<String, Long> alerts = new HashMap<>();
    for (PlantedKind k : PlantedKind.values()) {
      alerts.put(k.name(), each);
    }
    alerts.merge("AMOUNT_MISMATCH", extraAmount, Long::sum);
    return alerts;
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "all found no false alert,  3, 3, 3, 1.0,  1.0,  true",
    "one planted missed,        4, 3, 3, 1.0,  0.75, false",
    "one false alert,           3, 4, 3, 0.75, 1.0,  false",
    "nothing planted or alerted, 0, 0, 0, 1.0,  1.0,  true",
    "planted never alerted,     2, 0, 0, 1.0,  0.0,  false",
    "alert though none planted, 0, 1, 0, 0.0,  1.0,  false",
  })
  void precisionAndRecallPerKind(
      String name,
      long planted,
      long alerted,
      long found,
      double precision,
      double recall,
      boolean perfect) {
    DemoReport.KindScore score =
        new DemoReport.KindScore(PlantedKind.AMOUNT_MISMATCH, planted, alerted, found);
    assertThat(score.precision()).as(name).isEqualTo(precision);
    assertThat(score.recall()).as(name).isEqualTo(recall);
    assertThat(score.perfect()).as(name).isEqualTo(perfect);
  }

  @Test
  void aFalseAlertOfAPlantedKindFailsTheDemoAndShowsItsPrecision() {
    Map<PlantedKind, Long> planted = new EnumMap<>(PlantedKind.class);
    for (PlantedKind k : PlantedKind.values()) {
      planted.put(k, 2L);
    }
    // Every planted discrepancy found, but three distinct amount alerts for two planted ones.
    DemoReport r = report(planted, planted, alertsByKind(2L, 1L));
    assertThat(r.scores())
        .filteredOn(k -> k.kind() == PlantedKind.AMOUNT_MISMATCH)
        .singleElement()
        .satisfies(
            k -> {
              assertThat(k.precision()).isCloseTo(2.0 / 3, within(1e-9));
              assertThat(k.recall()).isEqualTo(1.0);
            });
    assertThat(r.scores())
        .filteredOn(k -> k.kind() != PlantedKind.AMOUNT_MISMATCH)
        .allMatch(DemoReport.KindScore::perfect);
    assertThat(r.passed()).isFalse();
    assertThat(r.render())
        .contains("AMOUNT_MISMATCH")
        .contains("2 / 2, 3   0.667      1.000  BELOW 1.0")
        .contains("CURRENCY_MISMATCH")
        .contains("2 / 2, 2   1.000      1.000\n")
        .contains("FAIL");
    assertThat(report(planted, planted, alertsByKind(2L, 0L)).passed()).isTrue();
  }

  /** Fee, FX, chargeback and RESOLVED count as much as the original five: each gates the pass. */
  @ParameterizedTest(name = "{0}")
  @EnumSource(PlantedKind.class)
  void everyPlantedKindIsScoredAndGatesThePass(PlantedKind kind) {
    Map<PlantedKind, Long> planted = new EnumMap<>(PlantedKind.class);
    for (PlantedKind k : PlantedKind.values()) {
      planted.put(k, 2L);
    }
    Map<PlantedKind, Long> oneMissed = new EnumMap<>(planted);
    oneMissed.put(kind, 1L);
    DemoReport missed = report(planted, oneMissed, alertsWith(kind, 1L));
    assertThat(missed.passed()).isFalse();
    assertThat(missed.render())
        .contains(String.format("    %-50s 1 / 2, 1   1.000      0.500  BELOW 1.0%n", kind));

    DemoReport falseAlert = report(planted, planted, alertsWith(kind, 3L));
    assertThat(falseAlert.passed()).isFalse();
    assertThat(falseAlert.render())
        .contains(String.format("    %-50s 2 / 2, 3   0.667      1.000  BELOW 1.0%n", kind));

    DemoReport clean = report(planted, planted, alertsWith(kind, 2L));
    assertThat(clean.passed()).isTrue();
    assertThat(clean.scores()).hasSize(PlantedKind.values().length);
  }

  /** Two distinct alerts of every planted kind, {@code n} of {@code kind}. */
  private static Map<String, Long> alertsWith(PlantedKind kind, long n) {
    Map<String, Long> alerts = alertsByKind(2L, 0L);
    alerts.put(kind.name(), n);
    return alerts;
  }

  private static DemoReport report(
      Map<PlantedKind, Long> planted, Map<PlantedKind, Long> detected, Map<String, Long> alerts) {
    return new DemoReport(
        10,
        10,
        1,
        0,
        Map.of(),
        10,
        20,
        10,
        Map.of("EUR", 0L),
        0,
        0,
        10,
        10,
        0,
        0,
        10,
        10,
        0,
        10,
        10,
        0,
        10,
        10,
        10,
        0,
        2,
        2,
        0,
        0,
        planted,
        detected,
        alerts,
        List.of(),
        0,
        1);
  }

  @ParameterizedTest
  @CsvSource({"0, true", "5, false"})
  void unbalancedLedgerFails(long imbalance, boolean passes) {
    Map<PlantedKind, Long> none = new EnumMap<>(PlantedKind.class);
    DemoReport r =
        new DemoReport(
            10,
            10,
            1,
            0,
            Map.of(),
            10,
            20,
            10,
            Map.of("EUR", imbalance),
            0,
            0,
            10,
            10,
            0,
            0,
            10,
            10,
            0,
            10,
            10,
            0,
            10,
            10,
            10,
            0,
            2,
            2,
            0,
            0,
            none,
            none,
            Map.of(),
            List.of(),
            0,
            1);
    assertThat(r.passed()).isEqualTo(passes);
  }
}
