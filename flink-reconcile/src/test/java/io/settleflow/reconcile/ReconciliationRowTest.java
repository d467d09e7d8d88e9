package io.settleflow.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** A match or alert as a ledger.reconciliation row. */
class ReconciliationRowTest {

  static Stream<Arguments> rules() {
    return Stream.of(
        // rule text → rule, version
        Arguments.of("amount-exact@3", "amount-exact", 3),
        Arguments.of("payout-batch-sum@12", "payout-batch-sum", 12),
        Arguments.of("no-version", "no-version", null),
        Arguments.of("trailing@", "trailing@", null),
        Arguments.of("@1", "@1", null),
        Arguments.of("words@v1", "words@v1", null),
        Arguments.of("huge@12345678901", "huge@12345678901", null),
        Arguments.of("", "unknown", null),
        Arguments.of(null, "unknown", null));
  }

  @ParameterizedTest
  @MethodSource("rules")
  void splitsRuleAndVersion(String text, String rule, Integer version) {
    PaymentMatch m = match();
    m.rule = text;
    ReconciliationRow r = ReconciliationRow.of(m);
    assertThat(r.rule).isEqualTo(rule);
    assertThat(r.ruleVersion).isEqualTo(version);
  }

  @Test
  void matchIsMatchedWithItsExplanationAndBatchPayments() {
    PaymentMatch m = match();
    m.batchId = "b-1";
    m.paymentIds = new String[] {"pay-6", "pay-7"};
    ReconciliationRow r = ReconciliationRow.of(m);
    assertThat(r.id).isEqualTo("m-1");
    assertThat(r.kind).isEqualTo("MATCH");
    assertThat(r.status).isEqualTo("MATCHED");
    assertThat(r.severity).isNull();
    assertThat(r.batchId).isEqualTo("b-1");
    assertThat(r.expectedAmountMinor).isEqualTo(1_000L);
    assertThat(r.actualAmountMinor).isEqualTo(1_000L);
    assertThat(r.feeAmountMinor).isEqualTo(30L);
    assertThat(r.detectedAtMs).isEqualTo(42L);
    assertThat(r.explanationJson)
        .isEqualTo(
            "{\"criteria\":[{\"criterion\":\"amount\",\"rule\":\"amount-exact@1\",\"passed\":true,"
                + "\"expected\":\"1000\",\"actual\":\"1000\",\"delta\":0}],"
                + "\"deltas\":{\"amount_minor\":0,\"fee_minor\":null,\"fx_minor\":null,\"days\":1},"
                + "\"payment_ids\":[\"pay-6\",\"pay-7\"]}");
  }

  @Test
  void alertIsOpenWithSeverityDetailAndNoDeltas() {
    ReconAlert a = new ReconAlert();
    a.eventId = "a-1";
    a.kind = AlertKind.AMOUNT_MISMATCH;
    a.paymentId = "pay-1";
    a.expectedAmountMinor = 1_000L;
    a.actualAmountMinor = 990L;
    a.rule = "amount-exact@1";
    a.detail = "short by 10";
    a.criteria = null;
    a.detectedAtMs = 7L;
    ReconciliationRow r = ReconciliationRow.of(a);
    assertThat(r.kind).isEqualTo("AMOUNT_MISMATCH");
    assertThat(r.status).isEqualTo("OPEN");
    assertThat(r.severity).isEqualTo("HIGH");
    assertThat(r.feeAmountMinor).isNull();
    assertThat(r.resolvesId).isNull();
    assertThat(r.explanationJson).isEqualTo("{\"criteria\":[],\"detail\":\"short by 10\"}");
  }

  @Test
  void resolvedEventIsResolvedAndNamesTheAlertItCloses() {
    ReconAlert a = new ReconAlert();
    a.eventId = "r-1";
    a.kind = AlertKind.RESOLVED;
    a.rule = "late-settlement-resolves-overdue@1";
    a.resolvesEventId = "ov-1";
    ReconciliationRow r = ReconciliationRow.of(a);
    assertThat(r.status).isEqualTo("RESOLVED");
    assertThat(r.severity).isEqualTo("INFO");
    assertThat(r.resolvesId).isEqualTo("ov-1");
  }

  @Test
  void sameResultGivesTheSameRow() {
    assertThat(ReconciliationRow.of(match()))
        .usingRecursiveComparison()
        .isEqualTo(ReconciliationRow.of(match()));
  }

  private static PaymentMatch match() {
    PaymentMatch m = new PaymentMatch();
    m.eventId = "m-1";
    m.paymentId = "pay-1";
    m.merchantId = "merchant-1";
    m.settlementId = "l-1";
    m.source = "stripe";
    m.amountMinor = 1_000;
    m.feeAmountMinor = 30;
    m.currency = "EUR";
    m.rule = "amount-exact@1";
    m.matchedAtMs = 42;
    m.criteria =
        new MatchCriterion[] {
          new MatchCriterion("amount", "amount-exact@1", true, "1000", "1000", 0L)
        };
    m.deltas = new MatchDeltas(0L, null, null, 1L);
    return m;
  }
}
