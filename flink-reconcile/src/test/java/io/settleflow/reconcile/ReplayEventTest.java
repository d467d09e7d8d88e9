package io.settleflow.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ReplayEventTest {
  @Test
  void eventTimeOrderKeepsTheRecordedOrderOfTies() {
    ReplayEvent line = ReplayEvent.of(Fixtures.settlement("se-1", "l-1", "p-1", 1, "EUR", 5), 0);
    ReplayEvent late = ReplayEvent.of(Fixtures.payment("pe-2", "p-2", 1, "EUR", 9), 1);
    ReplayEvent tie = ReplayEvent.of(Fixtures.payment("pe-1", "p-1", 1, "EUR", 5), 2);
    assertThat(ReplayEvent.inEventTimeOrder(List.of(late, tie, line)))
        .containsExactly(line, tie, late);
    assertThat(tie.toString()).startsWith("ReplayEvent{#2 LedgerPayment{p-1");
    assertThat(line.toString()).contains("#0");
  }

  @Test
  void outcomesFollowTheirPaymentOrTheirLine() {
    PaymentMatch refund = new PaymentMatch();
    refund.paymentId = "p-1";
    refund.refund = true;
    refund.rule = "amount-exact@1";
    refund.matchedAtMs = 7;
    BacktestOutcome m = BacktestOutcome.of(refund).in(1);
    assertThat(m.subject).isEqualTo("refund:p-1");
    assertThat(m.variant).isEqualTo(1);
    assertThat(m.toString()).isEqualTo("MATCH refund:p-1 amount-exact@1 @7");

    ReconAlert orphan = new ReconAlert();
    orphan.kind = AlertKind.ORPHAN_SETTLEMENT;
    orphan.settlementId = "l-9";
    orphan.eventId = "a-1";
    assertThat(BacktestOutcome.of(orphan).subject).isEqualTo("line:l-9");
    orphan.settlementId = null;
    assertThat(BacktestOutcome.of(orphan).subject).isEqualTo("event:a-1");
  }
}
