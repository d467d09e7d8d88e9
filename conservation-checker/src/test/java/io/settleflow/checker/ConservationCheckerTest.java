package io.settleflow.checker;

import static io.settleflow.checker.ConservationChecker.BALANCES;
import static io.settleflow.checker.ConservationChecker.EVENTS_ON_KAFKA;
import static io.settleflow.checker.ConservationChecker.IDEMPOTENT;
import static io.settleflow.checker.ConservationChecker.IDS_UNIQUE;
import static io.settleflow.checker.ConservationChecker.LEDGER_ZERO_SUM;
import static io.settleflow.checker.ConservationChecker.LINES_ONCE;
import static io.settleflow.checker.ConservationChecker.MOVEMENTS_ONCE;
import static io.settleflow.checker.ConservationChecker.ONE_DECISION;
import static io.settleflow.checker.ConservationChecker.PAYMENTS_ONCE;
import static io.settleflow.checker.ConservationChecker.PLANTED_FOUND;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settleflow.checker.ConservationReport.CheckResult;
import io.settleflow.checker.LedgerSnapshot.IdempotencyRow;
import io.settleflow.checker.LedgerSnapshot.PaymentRow;
import io.settleflow.checker.TopicSnapshot.Alert;
import io.settleflow.checker.TopicSnapshot.Decision;
import io.settleflow.checker.TopicSnapshot.LedgerEvent;
import io.settleflow.checker.TopicSnapshot.Match;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** A clean run passes every check; each planted violation is reported by the check that owns it. */
class ConservationCheckerTest {
  private static final String M = "m1";
  private static final String P1 = "p1";
  private static final String P2 = "p2";

  /** A small run: p1 authorized, captured, partly refunded; p2 authorized; one payment refused. */
  static final class Run {
    final List<Observation> observations = new ArrayList<>();
    final List<PaymentRow> payments = new ArrayList<>();
    final Map<String, Long> byCurrency = new HashMap<>();
    final Map<String, Map<String, Long>> accounts = new HashMap<>();
    final Map<String, Map<String, Integer>> txs = new HashMap<>();
    final List<String> outbox = new ArrayList<>();
    final List<IdempotencyRow> keys = new ArrayList<>();
    final List<LedgerEvent> events = new ArrayList<>();
    final List<Decision> decisions = new ArrayList<>();
    final List<Match> matches = new ArrayList<>();
    final List<Alert> alerts = new ArrayList<>();

    Run() {
      observations.add(
          Observation.request("payment", M, "k1", "order-1", P1, 1000, "EUR", 201, 1, null));
      observations.add(
          Observation.request("capture", M, "k2", null, P1, 1000, "EUR", 200, 1, null));
      observations.add(Observation.request("refund", M, "k3", null, P1, 300, "EUR", 200, 2, true));
      observations.add(
          Observation.request("payment", M, "k4", "order-2", P2, 500, "EUR", 201, 3, true));
      observations.add(
          Observation.request("payment", M, "k5", "order-3", null, 700, "EUR", 422, 1, null));
      observations.add(
          Observation.settlementFile(
              "f1",
              List.of("s1", "s2", "s3"),
              List.of(P1),
              Map.of("AMOUNT_MISMATCH", List.of(P2), "ORPHAN_SETTLEMENT", List.of("s3"))));

      payments.add(new PaymentRow(M, P1, "PARTIALLY_REFUNDED", 1000, 1000, 300, "EUR", "order-1"));
      payments.add(new PaymentRow(M, P2, "AUTHORIZED", 500, 0, 0, "EUR", "order-2"));
      byCurrency.put("EUR", 0L);
      accounts.put(
          P1,
          new HashMap<>(
              Map.of(
                  "card_authorizations", 0L,
                  "merchant_pending", 0L,
                  "card_receivables", 700L,
                  "merchant_payable", -700L)));
      accounts.put(
          P2, new HashMap<>(Map.of("card_authorizations", 500L, "merchant_pending", -500L)));
      txs.put(P1, new HashMap<>(Map.of("AUTHORIZE", 1, "CAPTURE", 1, "REFUND", 1)));
      txs.put(P2, new HashMap<>(Map.of("AUTHORIZE", 1)));
      outbox.addAll(List.of("e1", "e2", "e3", "e4"));
      keys.add(new IdempotencyRow(M, "k1", 201, P1));
      keys.add(new IdempotencyRow(M, "k2", 200, P1));
      keys.add(new IdempotencyRow(M, "k3", 200, P1));
      keys.add(new IdempotencyRow(M, "k4", 201, P2));

      events.add(new LedgerEvent("payments.authorized", "e1", "AUTHORIZED", P1, M));
      events.add(new LedgerEvent("payments.authorized", "e1", "AUTHORIZED", P1, M)); // CDC replay
      events.add(new LedgerEvent("payments.captured", "e2", "CAPTURED", P1, M));
      events.add(new LedgerEvent("payments.refunded", "e3", "REFUNDED", P1, M));
      events.add(new LedgerEvent("payments.authorized", "e4", "AUTHORIZED", P2, M));
      decisions.add(new Decision("d1", "e1", P1));
      decisions.add(new Decision("d4", "e4", P2));
      matches.add(new Match("x1", P1, "s1"));
      alerts.add(new Alert("a1", "AMOUNT_MISMATCH", P2, "s2"));
      alerts.add(new Alert("a2", "ORPHAN_SETTLEMENT", null, "s3"));
    }

    ConservationReport check() {
      return ConservationChecker.check(
          observations,
          new LedgerSnapshot(payments, byCurrency, accounts, txs, outbox, keys),
          new TopicSnapshot(events, decisions, matches, alerts),
          "AUTHORIZED");
    }

    void replacePayment(String id, PaymentRow row) {
      payments.removeIf(p -> p.paymentId().equals(id));
      payments.add(row);
    }
  }

  @Test
  void aCleanRunIsConserved() {
    ConservationReport report = new Run().check();
    assertThat(report.conserved()).as(report.render()).isTrue();
    assertThat(report.lost()).isZero();
    assertThat(report.duplicated()).isZero();
    assertThat(report.checks()).hasSize(10).allMatch(c -> c.checked() > 0);
  }

  static Stream<Arguments> violations() {
    return Stream.of(
        row(
            "an entry without its counter-entry",
            r -> r.byCurrency.put("EUR", 5L),
            LEDGER_ZERO_SUM,
            0,
            0,
            1),
        row(
            "a payment's entries disagree with its state",
            r -> r.accounts.get(P2).put("card_authorizations", 400L),
            BALANCES,
            0,
            0,
            1),
        row(
            "an accepted payment missing from the ledger",
            r -> {
              r.payments.removeIf(p -> p.paymentId().equals(P2));
              r.accounts.remove(P2);
            },
            PAYMENTS_ONCE,
            1,
            0,
            0),
        row(
            "an accepted payment written twice (second id, same reference)",
            r -> r.payments.add(new PaymentRow(M, "p9", "AUTHORIZED", 500, 0, 0, "EUR", "order-2")),
            PAYMENTS_ONCE,
            0,
            1,
            0),
        row(
            "a rejected payment that was written anyway",
            r -> r.payments.add(new PaymentRow(M, "p8", "AUTHORIZED", 700, 0, 0, "EUR", "order-3")),
            PAYMENTS_ONCE,
            0,
            1,
            0),
        row(
            "a payment in the ledger nobody requested",
            r -> r.payments.add(new PaymentRow(M, "p7", "AUTHORIZED", 10, 0, 0, "EUR", "order-77")),
            PAYMENTS_ONCE,
            0,
            1,
            0),
        row(
            "an accepted payment booked with another amount",
            r ->
                r.replacePayment(
                    P2, new PaymentRow(M, P2, "AUTHORIZED", 501, 0, 0, "EUR", "order-2")),
            PAYMENTS_ONCE,
            0,
            0,
            1),
        row(
            "an accepted refund not booked",
            r -> r.txs.get(P1).put("REFUND", 0),
            MOVEMENTS_ONCE,
            1,
            0,
            0),
        row(
            "an accepted capture booked twice",
            r -> r.txs.get(P1).put("CAPTURE", 2),
            MOVEMENTS_ONCE,
            0,
            1,
            0),
        row(
            "captured amount differs from what was accepted",
            r ->
                r.replacePayment(
                    P1,
                    new PaymentRow(M, P1, "PARTIALLY_REFUNDED", 1000, 1000, 200, "EUR", "order-1")),
            MOVEMENTS_ONCE,
            0,
            0,
            1),
        row(
            "a retry got another payment than the stored response",
            r -> {
              r.keys.removeIf(k -> k.idempotencyKey().equals("k4"));
              r.keys.add(new IdempotencyRow(M, "k4", 201, "p-other"));
            },
            IDEMPOTENT,
            0,
            0,
            1),
        row(
            "a deliberate replay answered differently",
            r ->
                r.observations.add(
                    Observation.request(
                        "payment", M, "k6", "order-6", P2, 500, "EUR", 201, 1, false)),
            IDEMPOTENT,
            0,
            0,
            1),
        row(
            "an answered key not stored",
            r -> r.keys.removeIf(k -> k.idempotencyKey().equals("k2")),
            IDEMPOTENT,
            1,
            0,
            0),
        row(
            "an outbox event that never reached Kafka",
            r -> r.events.removeIf(e -> e.eventId().equals("e3")),
            EVENTS_ON_KAFKA,
            2, // the outbox row and the booked refund
            0,
            0),
        row(
            "a ledger transaction published under two event ids",
            r -> r.events.add(new LedgerEvent("payments.captured", "e2b", "CAPTURED", P1, M)),
            EVENTS_ON_KAFKA,
            0,
            1,
            0),
        row(
            "an event for nothing booked",
            r -> r.events.add(new LedgerEvent("payments.authorized", "e9", "AUTHORIZED", "p9", M)),
            EVENTS_ON_KAFKA,
            0,
            1,
            0),
        row(
            "an authorization without a decision",
            r -> r.decisions.removeIf(d -> d.sourceEventId().equals("e4")),
            ONE_DECISION,
            1,
            0,
            0),
        row(
            "an authorization decided twice (dedupe failed)",
            r -> r.decisions.add(new Decision("d1b", "e1", P1)),
            ONE_DECISION,
            0,
            1,
            0),
        row("a settlement line with no outcome", r -> r.matches.clear(), LINES_ONCE, 1, 0, 0),
        row(
            "a settlement line matched and alerted",
            r -> r.alerts.add(new Alert("a3", "DUPLICATE_SETTLEMENT", P1, "s1")),
            LINES_ONCE,
            0,
            1,
            0),
        row(
            "an alert id twice",
            r -> r.alerts.add(new Alert("a2", "ORPHAN_SETTLEMENT", null, "s3")),
            IDS_UNIQUE,
            0,
            1,
            0),
        row(
            "a planted discrepancy not found",
            r -> r.alerts.removeIf(a -> a.eventId().equals("a1")),
            PLANTED_FOUND,
            1,
            0,
            0),
        row(
            "an overdue alert for a payment settled cleanly",
            r -> r.alerts.add(new Alert("a4", "OVERDUE_PAYMENT", P1, null)),
            PLANTED_FOUND,
            0,
            0,
            0)); // P1 was refunded: its refund has no settlement line yet, so overdue is right
  }

  private static Arguments row(
      String name, Consumer<Run> plant, String check, long lost, long duplicated, long other) {
    return Arguments.of(name, plant, check, lost, duplicated, other);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("violations")
  void eachViolationIsReportedByItsCheck(
      String name, Consumer<Run> plant, String check, long lost, long duplicated, long other) {
    Run run = new Run();
    plant.accept(run);
    ConservationReport report = run.check();

    CheckResult c = report.check(check);
    assertThat(c.lost()).as(report.render()).isEqualTo(lost);
    assertThat(c.duplicated()).as(report.render()).isEqualTo(duplicated);
    assertThat(c.other()).as(report.render()).isEqualTo(other);
    // a real violation may show in more than one check (a second payment also unbalances); the
    // run is conserved only when nothing was planted
    assertThat(report.conserved()).isEqualTo(lost + duplicated + other == 0);
  }

  @Test
  void anOverdueAlertOnACleanlySettledUnrefundedPaymentIsUnexpected() {
    Run run = new Run();
    run.observations.add(Observation.settlementFile("f2", List.of("s4"), List.of(P2), Map.of()));
    run.matches.add(new Match("x2", P2, "s4"));
    run.alerts.add(new Alert("a5", "OVERDUE_PAYMENT", P2, null));
    ConservationReport report = run.check();
    assertThat(report.check(PLANTED_FOUND).other()).isEqualTo(1);
    assertThat(report.check(PLANTED_FOUND).examples())
        .containsExactly("unexpected alert OVERDUE_PAYMENT:p2");
  }

  @Test
  void aPaymentInDoubtMayBeInTheLedgerOnce() {
    Run run = new Run();
    run.observations.add(
        Observation.request("payment", M, "k7", "order-7", null, 10, "EUR", 0, 40, null));
    run.payments.add(new PaymentRow(M, "p7", "AUTHORIZED", 10, 0, 0, "EUR", "order-7"));
    run.accounts.put("p7", Map.of("card_authorizations", 10L, "merchant_pending", -10L));
    run.txs.put("p7", Map.of("AUTHORIZE", 1));
    run.events.add(new LedgerEvent("payments.authorized", "e7", "AUTHORIZED", "p7", M));
    run.decisions.add(new Decision("d7", "e7", "p7"));
    assertThat(run.check().conserved()).as(run.check().render()).isTrue();

    run.payments.add(new PaymentRow(M, "p7b", "AUTHORIZED", 10, 0, 0, "EUR", "order-7"));
    assertThat(run.check().check(PAYMENTS_ONCE).duplicated()).isEqualTo(1);
  }

  @Test
  void renderPrintsEveryCheckAndTheTotals() {
    Run run = new Run();
    run.decisions.clear();
    String text = run.check().render();
    assertThat(text)
        .contains("check " + ONE_DECISION)
        .contains("FAIL")
        .contains("event e1 has no risk decision")
        .endsWith("checker: conserved=false lost=2 duplicated=0\n");
  }

  static Stream<Arguments> badLines() {
    return Stream.of(
        Arguments.of("not json", "observations line 3: not a JSON observation"),
        Arguments.of("{}", "observations line 3: type is missing"),
        Arguments.of(
            "{\"type\":\"void\"}", "type must be payment, capture, refund or settlement_file"),
        Arguments.of("{\"type\":\"payment\",\"idempotency_key\":\"k\"}", "merchant_id is missing"),
        Arguments.of(
            "{\"type\":\"payment\",\"merchant_id\":\"m\",\"idempotency_key\":\"k\",\"status\":201}",
            "payment_id is missing"),
        Arguments.of(
            "{\"type\":\"payment\",\"merchant_id\":\"m\",\"idempotency_key\":\"k\",\"status\":422}",
            "reference is missing"),
        Arguments.of(
            "{\"type\":\"capture\",\"merchant_id\":\"m\",\"status\":200}",
            "idempotency_key is missing"),
        Arguments.of("{\"type\":\"settlement_file\"}", "file_id is missing"),
        Arguments.of(
            "{\"type\":\"settlement_file\",\"file_id\":\"f\",\"settlement_ids\":[],\"expected_matches\":[]}",
            "planted is missing"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badLines")
  void aBadObservationLineNamesItsLineAndField(String line, String message) {
    assertThatThrownBy(() -> Observation.parse(line, 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @Test
  void observationsRoundTripThroughTheirJsonLine() {
    Observation request =
        Observation.request("refund", M, "k3", null, P1, 300, "EUR", 200, 2, true);
    Observation file =
        Observation.settlementFile("f1", List.of("s1"), List.of(P1), Map.of("X", List.of("s1")));
    assertThat(Observation.parse(request.toJsonLine(), 1)).isEqualTo(request);
    assertThat(Observation.parse(file.toJsonLine(), 2)).isEqualTo(file);
    assertThat(request.toJsonLine()).doesNotContain("file_id").contains("\"replay_same\":true");
    assertThat(Observation.request("payment", M, "k", "r", null, 1, "EUR", 503, 40, null).inDoubt())
        .isTrue();
  }
}
