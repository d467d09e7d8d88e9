package io.settleflow.deploy.recon;

import static org.assertj.core.api.Assertions.assertThat;

import io.settleflow.deploy.recon.ResolvedTruth.Resolved;
import io.settleflow.deploy.recon.ResolvedTruth.Source;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Resolved alerts → ground-truth labels for the backtest. */
class ResolvedTruthTest {
  static Resolved recon(String kind, String payment, String settlement, String closedBy) {
    return new Resolved(Source.RECONCILIATION, "a-1", kind, payment, settlement, closedBy);
  }

  static Resolved console(String kind, String payment, String settlement, String actor) {
    return new Resolved(Source.CONSOLE, "a-1", kind, payment, settlement, actor);
  }

  /** resolved alert → label line, or null for none. */
  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of(
            "overdue closed by a late settlement: it was late",
            recon("OVERDUE_PAYMENT", "pay-1", null, "late-settlement-resolves-overdue@1"),
            "OVERDUE_PAYMENT pay-1"),
        Arguments.of(
            "rule without version",
            recon("OVERDUE_PAYMENT", "batch:b-1", null, "late-settlement-resolves-overdue"),
            "OVERDUE_PAYMENT batch:b-1"),
        Arguments.of(
            "split's short line closed when the lines summed up: no discrepancy",
            recon("AMOUNT_MISMATCH", "pay-2", "l-2", "split-lines-sum@1"),
            null),
        Arguments.of(
            "closed by an unknown finding", recon("AMOUNT_MISMATCH", "pay-2", "l-2", null), null),
        Arguments.of(
            "a late-settlement rule on another kind",
            recon("AMOUNT_MISMATCH", "pay-2", "l-2", "late-settlement-resolves-overdue@1"),
            null),
        Arguments.of(
            "resolved by a finance user",
            console("AMOUNT_MISMATCH", "pay-3", "l-3", "alice"),
            "AMOUNT_MISMATCH pay-3"),
        Arguments.of(
            "booked by the auto-compensation policy",
            console("FEE_DEVIATION", "pay-4", "l-4", "system:auto-compensation"),
            "FEE_DEVIATION pay-4"),
        Arguments.of(
            "an orphan has only its line",
            console("ORPHAN_SETTLEMENT", " ", "l-5", "bob"),
            "ORPHAN_SETTLEMENT l-5"),
        Arguments.of(
            "mirrored from reconciliation: the reconciliation row decides",
            console("OVERDUE_PAYMENT", "pay-6", null, "reconciliation"),
            null),
        Arguments.of(
            "no resolving actor found", console("OVERDUE_PAYMENT", "pay-6", null, null), null),
        Arguments.of(
            "a RESOLVED event is no alert", console("RESOLVED", "pay-7", null, "alice"), null),
        Arguments.of("a match is no alert", console("MATCH", "pay-7", null, "alice"), null),
        Arguments.of("an unknown kind", console("LOST", "pay-7", null, "alice"), null),
        Arguments.of("no id at all", console("AMOUNT_MISMATCH", null, "", "alice"), null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void labelsOnlyAlertsResolvedAsRealDiscrepancies(String name, Resolved r, String label) {
    assertThat(ResolvedTruth.label(r).map(ResolvedTruth.Label::line).orElse(null)).isEqualTo(label);
  }

  @Test
  void theLabelsFileListsEachLabelOnceSortedAfterASummary() {
    List<String> lines =
        ResolvedTruth.labelLines(
            "jdbc:postgresql://db/settleflow",
            List.of(
                console("AMOUNT_MISMATCH", "pay-3", "l-3", "alice"),
                recon("OVERDUE_PAYMENT", "pay-1", null, "late-settlement-resolves-overdue@1"),
                console("OVERDUE_PAYMENT", "pay-1", null, "carol"),
                recon("AMOUNT_MISMATCH", "pay-2", "l-2", "split-lines-sum@1")));

    assertThat(lines)
        .containsExactly(
            "# ground truth from resolved alerts in jdbc:postgresql://db/settleflow: 4 resolved,"
                + " 2 labelled discrepancies, 1 not evidence of one",
            "AMOUNT_MISMATCH pay-3",
            "OVERDUE_PAYMENT pay-1");
  }
}
