package io.settleflow.deploy.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.settleflow.deploy.demo.SettlementPlan.PlantedKind;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DemoReportTest {
  /** One changed count per case, everything else clean. */
  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "clean run passes,             0, 0, 0, 0, 0, 0, 0, 0, true",
    "payment missing from ledger,  1, 0, 0, 0, 0, 0, 0, 0, false",
    "extra ledger payment,         0, 1, 0, 0, 0, 0, 0, 0, false",
    "event missing on Kafka,       0, 0, 1, 0, 0, 0, 0, 0, false",
    "payment event never decided,  0, 0, 0, 1, 0, 0, 0, 0, false",
    "decided twice,                0, 0, 0, 0, 1, 0, 0, 0, false",
    "expected match missing,       0, 0, 0, 0, 0, 1, 0, 0, false",
    "planted discrepancy missed,   0, 0, 0, 0, 0, 0, 1, 0, false",
    "unexpected alert,             0, 0, 0, 0, 0, 0, 0, 1, false",
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
            10,
            10,
            planted,
            detected,
            Map.of("AMOUNT_MISMATCH", 2L),
            unexpected == 0 ? List.of() : List.of("AMOUNT_MISMATCH:x"),
            5,
            20);
    assertThat(r.passed()).as(name).isEqualTo(passes);
    assertThat(r.render()).contains(passes ? "PASS" : "FAIL");
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
