package io.settleflow.reconcile;

import static io.settleflow.reconcile.Fixtures.payment;
import static io.settleflow.reconcile.Fixtures.settlement;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/** The whole pipeline on a MiniCluster with finite sources and collecting sinks. */
class ReconcileJobTest {
  static final MatcherSettings SETTINGS =
      withPayoutWindows(new MatcherSettings(60_000, 10_000, 60_000, 0));

  static MatcherSettings withPayoutWindows(MatcherSettings s) {
    ReconRules r = s.rules();
    return new MatcherSettings(
        s.orphanGraceMs(),
        s.decidedRetentionMs(),
        new ReconRules(
            r.version(),
            r.amount(),
            r.fees(),
            r.fx(),
            r.overdue(),
            r.batches(),
            new ReconRules.PayoutWindows(1, true, 86_400_000L, 0)));
  }

  @Test
  void pipelineMatchesAlertsAndIgnoresRedeliveriesAndFeeLines() throws Exception {
    long t0 = 1_767_225_600_000L; // 2026-01-01T00:00:00Z
    List<Object> payments = new ArrayList<>();
    List<Object> settlements = new ArrayList<>();
    // What the Kafka sources yield for records they cannot decode: dead letters, whose (absent)
    // event time must hold back nothing and whose place in the stream changes no result.
    DeadLetter badPayment = deadLetter("payments.authorized", 7);
    DeadLetter badLine = deadLetter("settlements.raw", 3);
    settlements.add(badLine);
    for (int i = 1; i <= 4; i++) {
      payments.add(payment("pe-" + i, "pay-" + i, 1_000L * i, "EUR", t0 + i));
    }
    payments.add(payment("pe-1", "pay-1", 1_000, "EUR", t0 + 1)); // CDC redelivery
    payments.add(payment("pe-5", "pay-5", 5_000, "EUR", t0 + 5)); // never settled
    payments.add(badPayment);
    settlements.add(settlement("se-1", "l-1", "pay-1", 1_000, "EUR", t0 + 100));
    settlements.add(settlement("se-2", "l-2", "pay-2", 2_000, "EUR", t0 + 100));
    settlements.add(settlement("se-3", "l-3", "pay-3", 3_000, "EUR", t0 + 100));
    settlements.add(settlement("se-4", "l-4", "pay-4", 4_400, "EUR", t0 + 100)); // amount mismatch
    settlements.add(settlement("se-1", "l-1", "pay-1", 1_000, "EUR", t0 + 100)); // re-import
    settlements.add(settlement("se-9", "l-9", "pay-9", 900, "EUR", t0 + 100)); // orphan
    Settlement fee = settlement("se-f", "l-f", "pay-2", 30, "EUR", t0 + 100);
    fee.recordType = "FEE";
    settlements.add(fee);
    payments.add(Fixtures.refund("pe-r3", "pay-3", 500, "EUR", t0 + 200));
    settlements.add(Fixtures.line("REFUND", "se-r3", "l-r3", "pay-3", -500, "EUR", t0 + 300));
    settlements.add(Fixtures.line("CHARGEBACK", "se-c2", "l-c2", "pay-2", -2_000, "EUR", t0 + 300));
    // One-to-many: a payout line settling batch b-1, whose members are pay-6 and pay-7's lines
    // (each also matched to its payment).
    payments.add(payment("pe-6", "pay-6", 600, "EUR", t0 + 6));
    payments.add(payment("pe-7", "pay-7", 700, "EUR", t0 + 7));
    settlements.add(Fixtures.member("se-6", "pay-6", "b-1", 600, 10, t0 + 400));
    settlements.add(Fixtures.member("se-7", "pay-7", "b-1", 700, 10, t0 + 400));
    settlements.add(Fixtures.payout("se-p1", "b-1", 1_280, t0 + 500));
    // One-to-many without a batch id: a bank credit of pay-1's and pay-2's net (990 + 1,980).
    settlements.add(
        new Settlement(
            "se-w",
            "l-w",
            "bank",
            "PAYMENT",
            null,
            "merchant-1",
            2_970,
            0,
            2_970,
            "EUR",
            t0 + 600));

    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false); // fails the job if anything would need Kryo
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, conf);
    String run = UUID.randomUUID().toString();
    CollectingSink<PaymentMatch> matches = new CollectingSink<>("matches-" + run);
    CollectingSink<ReconAlert> alerts = new CollectingSink<>("alerts-" + run);
    CollectingSink<PaymentMatch> settled = new CollectingSink<>("settled-" + run);
    CollectingSink<DeadLetter> deadLetters = new CollectingSink<>("dlq-" + run);
    new ReconcileJob(
            Fixtures.finite(payments, LedgerPayment.class),
            Fixtures.finite(settlements, Settlement.class),
            matches,
            alerts,
            settled,
            deadLetters,
            SETTINGS,
            Duration.ofSeconds(2),
            Duration.ofSeconds(5))
        .build(env);

    env.execute("reconcile-job-test");

    assertThat(matches.received())
        .extracting(m -> m.paymentId)
        .containsExactlyInAnyOrder(
            "pay-1", "pay-2", "pay-3", "pay-3", "pay-6", "pay-7", "batch:b-1", "payout:bank:l-w");
    assertThat(matches.received())
        .filteredOn(m -> m.paymentId.startsWith("payout:"))
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.rule).isEqualTo("payout-window-sum@1");
              assertThat(m.paymentIds).containsExactly("pay-1", "pay-2");
            });
    assertThat(matches.received())
        .filteredOn(m -> m.batchId != null)
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.rule).isEqualTo("payout-batch-sum@1");
              assertThat(m.paymentIds).containsExactly("pay-6", "pay-7");
            });
    // payments.settled: the sale matches only (pay-3's refund match settles no payment, the
    // batch and window matches no single payment).
    assertThat(settled.received())
        .extracting(m -> m.paymentId + (m.refund ? ":refund" : ""))
        .containsExactlyInAnyOrder("pay-1", "pay-2", "pay-3", "pay-6", "pay-7");
    assertThat(alerts.received())
        .extracting(a -> a.kind + ":" + a.paymentId)
        .containsExactlyInAnyOrder(
            "AMOUNT_MISMATCH:pay-4",
            "ORPHAN_SETTLEMENT:pay-9",
            "OVERDUE_PAYMENT:pay-5",
            "CHARGEBACK:pay-2");
    assertThat(matches.received())
        .filteredOn(m -> m.settlementId.equals("l-r3"))
        .singleElement()
        .satisfies(m -> assertThat(m.criteria).isNotEmpty());
    assertThat(deadLetters.received())
        .extracting(d -> d.topic + "@" + d.offset + " " + d.errorMessage)
        .containsExactlyInAnyOrder(
            "payments.authorized@7 not Confluent wire format: 3 bytes",
            "settlements.raw@3 not Confluent wire format: 3 bytes");
  }

  private static DeadLetter deadLetter(String topic, long offset) {
    DeadLetter d = new DeadLetter();
    d.topic = topic;
    d.offset = offset;
    d.value = new byte[] {1, 2, 3};
    d.headerKeys = new String[0];
    d.headerValues = new byte[0][];
    d.errorClass = "io.settleflow.schemas.WireFormatException";
    d.errorMessage = "not Confluent wire format: 3 bytes";
    return d;
  }

  @Test
  void everyTypeCrossingFlinkIsAPojo() {
    for (Class<?> type :
        List.of(
            LedgerPayment.class,
            Settlement.class,
            PaymentMatch.class,
            ReconAlert.class,
            ReconDecision.class,
            MatchCriterion.class,
            MatchDeltas.class,
            ReconciliationRow.class,
            DeadLetter.class,
            BatchTotals.class,
            WindowCandidate.class)) {
      assertThat(TypeInformation.of(type))
          .as(type.getSimpleName())
          .isInstanceOf(PojoTypeInfo.class);
    }
  }
}
