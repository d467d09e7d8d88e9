package io.settleflow.checker;

import io.settleflow.checker.ConservationReport.CheckResult;
import io.settleflow.checker.LedgerSnapshot.IdempotencyRow;
import io.settleflow.checker.LedgerSnapshot.PaymentRow;
import io.settleflow.checker.TopicSnapshot.Alert;
import io.settleflow.checker.TopicSnapshot.Decision;
import io.settleflow.checker.TopicSnapshot.LedgerEvent;
import io.settleflow.checker.TopicSnapshot.Match;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The conservation checks over a run: what the client saw, what the ledger holds and what the
 * topics committed. Pure: the three inputs in, a report out. Shares no code with the pipeline it
 * checks; it knows only the ledger's tables, the payloads' field names and the chart of accounts.
 */
public final class ConservationChecker {
  public static final String LEDGER_ZERO_SUM = "ledger entries sum to zero per currency";
  public static final String BALANCES = "payment balances equal their entries";
  public static final String PAYMENTS_ONCE = "accepted payments in the ledger once";
  public static final String MOVEMENTS_ONCE = "accepted captures/refunds booked once";
  public static final String IDEMPOTENT = "retries got the original response";
  public static final String EVENTS_ON_KAFKA = "every ledger event reached Kafka";
  public static final String ONE_DECISION = "one risk decision per authorization";
  public static final String LINES_ONCE = "settlement lines matched or alerted once";
  public static final String IDS_UNIQUE = "no alert or match id twice";
  public static final String PLANTED_FOUND = "planted discrepancies found, nothing else";

  /** Outbox event types per ledger transaction kind (an event per transaction). */
  private static final Map<String, String> EVENT_TYPE_OF_KIND =
      Map.of(
          "AUTHORIZE", "AUTHORIZED",
          "CAPTURE", "CAPTURED",
          "REFUND", "REFUNDED",
          "CANCEL", "CANCELLED");

  private static final String OVERDUE = "OVERDUE_PAYMENT";
  private static final String ORPHAN = "ORPHAN_SETTLEMENT";
  private static final String RESOLVED = "RESOLVED";

  private ConservationChecker() {}

  /**
   * @param observations the load generator's log, in any order
   * @param decidedEventType the event type the risk engine decides (AUTHORIZED)
   */
  public static ConservationReport check(
      List<Observation> observations,
      LedgerSnapshot ledger,
      TopicSnapshot topics,
      String decidedEventType) {
    List<CheckResult> checks = new ArrayList<>();
    checks.add(zeroSum(ledger));
    checks.add(balances(ledger));
    checks.add(paymentsOnce(observations, ledger));
    checks.add(movementsOnce(observations, ledger));
    checks.add(idempotent(observations, ledger));
    checks.add(eventsOnKafka(ledger, topics));
    checks.add(oneDecision(topics, decidedEventType));
    checks.add(linesOnce(observations, topics));
    checks.add(idsUnique(topics));
    checks.add(plantedFound(observations, ledger, topics));
    return new ConservationReport(List.copyOf(checks));
  }

  static CheckResult zeroSum(LedgerSnapshot ledger) {
    Tally t = new Tally(LEDGER_ZERO_SUM);
    new TreeMap<>(ledger.entrySumsByCurrency())
        .forEach(
            (currency, sum) -> {
              t.checked++;
              if (sum != 0) {
                t.other(currency + " entries sum to " + sum);
              }
            });
    return t.result();
  }

  /**
   * Each payment's state implies its account balances: authorized-not-captured on
   * card_authorizations (debit) and merchant_pending (credit), captured-not-refunded on
   * card_receivables (debit) and merchant_payable (credit); a cancelled payment holds nothing.
   */
  static CheckResult balances(LedgerSnapshot ledger) {
    Tally t = new Tally(BALANCES);
    for (PaymentRow p : ledger.payments()) {
      t.checked++;
      long open = "CANCELLED".equals(p.status()) ? 0 : p.amountMinor() - p.capturedMinor();
      long payable = p.capturedMinor() - p.refundedMinor();
      Map<String, Long> want = new TreeMap<>();
      want.put("card_authorizations", open);
      want.put("merchant_pending", -open);
      want.put("card_receivables", payable);
      want.put("merchant_payable", -payable);
      Map<String, Long> got = ledger.accountSumsByPayment().getOrDefault(p.paymentId(), Map.of());
      Set<String> accounts = new HashSet<>(want.keySet());
      accounts.addAll(got.keySet());
      for (String account : accounts.stream().sorted().toList()) {
        long w = want.getOrDefault(account, 0L);
        long g = got.getOrDefault(account, 0L);
        if (w != g) {
          t.other(
              "payment "
                  + p.paymentId()
                  + " "
                  + account
                  + ": entries sum to "
                  + g
                  + ", its state ("
                  + p.status()
                  + ") says "
                  + w);
        }
      }
    }
    return t.result();
  }

  static CheckResult paymentsOnce(List<Observation> observations, LedgerSnapshot ledger) {
    Tally t = new Tally(PAYMENTS_ONCE);
    Map<String, List<PaymentRow>> byReference = new HashMap<>();
    Set<String> ledgerIds = new HashSet<>();
    for (PaymentRow p : ledger.payments()) {
      byReference
          .computeIfAbsent(p.merchantId() + "/" + p.reference(), k -> new ArrayList<>())
          .add(p);
      ledgerIds.add(p.paymentId());
    }
    Set<String> seenReferences = new HashSet<>();
    for (Observation o : observations) {
      if (!Observation.PAYMENT.equals(o.type())) {
        continue;
      }
      t.checked++;
      String ref = o.merchantId() + "/" + o.reference();
      seenReferences.add(ref);
      List<PaymentRow> rows = byReference.getOrDefault(ref, List.of());
      if (o.accepted()) {
        if (!ledgerIds.contains(o.paymentId())) {
          t.lost("accepted payment " + o.paymentId() + " (" + ref + ") is not in the ledger");
        } else if (rows.size() > 1) {
          t.duplicated("accepted payment " + ref + " is in the ledger " + rows.size() + " times");
        } else if (rows.size() == 1
            && (rows.get(0).amountMinor() != o.amountMinor()
                || !rows.get(0).currency().equals(o.currency()))) {
          t.other(
              "payment "
                  + o.paymentId()
                  + ": ledger holds "
                  + rows.get(0).amountMinor()
                  + " "
                  + rows.get(0).currency()
                  + ", the client was answered for "
                  + o.amountMinor()
                  + " "
                  + o.currency());
        }
      } else if (o.rejected() && !rows.isEmpty()) {
        t.duplicated(
            "payment " + ref + " was rejected with HTTP " + o.status() + " but is in the ledger");
      } else if (o.inDoubt() && rows.size() > 1) {
        t.duplicated("payment " + ref + " (in doubt) is in the ledger " + rows.size() + " times");
      }
    }
    Set<String> observedMerchants = new HashSet<>();
    observations.stream()
        .filter(o -> o.merchantId() != null)
        .forEach(o -> observedMerchants.add(o.merchantId()));
    for (PaymentRow p : ledger.payments()) {
      String ref = p.merchantId() + "/" + p.reference();
      if (observedMerchants.contains(p.merchantId()) && !seenReferences.contains(ref)) {
        t.duplicated("ledger payment " + p.paymentId() + " (" + ref + ") was never requested");
      }
    }
    return t.result();
  }

  static CheckResult movementsOnce(List<Observation> observations, LedgerSnapshot ledger) {
    Tally t = new Tally(MOVEMENTS_ONCE);
    Map<String, PaymentRow> payments = new HashMap<>();
    ledger.payments().forEach(p -> payments.put(p.paymentId(), p));
    Map<String, long[]> want = new TreeMap<>(); // captures, captured, refunds, refunded, doubt
    for (Observation o : observations) {
      boolean capture = Observation.CAPTURE.equals(o.type());
      if (!capture && !Observation.REFUND.equals(o.type())) {
        continue;
      }
      t.checked++;
      long[] w = want.computeIfAbsent(o.paymentId(), k -> new long[5]);
      if (o.accepted()) {
        w[capture ? 0 : 2]++;
        w[capture ? 1 : 3] += o.amountMinor();
      } else if (o.inDoubt()) {
        w[4]++;
      }
    }
    want.forEach(
        (paymentId, w) -> {
          PaymentRow p = payments.get(paymentId);
          Map<String, Integer> txs =
              ledger.transactionsByPayment().getOrDefault(paymentId, Map.of());
          int captures = txs.getOrDefault("CAPTURE", 0);
          int refunds = txs.getOrDefault("REFUND", 0);
          long extra = (captures - w[0]) + (refunds - w[2]);
          long missing = Math.max(0, w[0] - captures) + Math.max(0, w[2] - refunds);
          if (p == null) {
            if (w[0] + w[2] > 0) {
              t.lost("payment " + paymentId + " was captured/refunded but is not in the ledger");
            }
          } else if (missing > 0) {
            t.lost(
                "payment "
                    + paymentId
                    + ": "
                    + w[0]
                    + " captures and "
                    + w[2]
                    + " refunds accepted, ledger booked "
                    + captures
                    + " and "
                    + refunds);
          } else if (extra > w[4]) {
            t.duplicated(
                "payment "
                    + paymentId
                    + ": "
                    + w[0]
                    + " captures and "
                    + w[2]
                    + " refunds accepted ("
                    + w[4]
                    + " in doubt), ledger booked "
                    + captures
                    + " and "
                    + refunds);
          } else if (w[4] == 0 && (p.capturedMinor() != w[1] || p.refundedMinor() != w[3])) {
            t.other(
                "payment "
                    + paymentId
                    + ": captured/refunded "
                    + p.capturedMinor()
                    + "/"
                    + p.refundedMinor()
                    + " in the ledger, "
                    + w[1]
                    + "/"
                    + w[3]
                    + " accepted");
          }
        });
    return t.result();
  }

  /**
   * Every answered request: the response the client finally got (after retries) is the one stored
   * with its key; a deliberate replay got the same answer.
   */
  static CheckResult idempotent(List<Observation> observations, LedgerSnapshot ledger) {
    Tally t = new Tally(IDEMPOTENT);
    Map<String, IdempotencyRow> stored = new HashMap<>();
    for (IdempotencyRow r : ledger.idempotencyRows()) {
      stored.put(r.merchantId() + "/" + r.idempotencyKey(), r);
    }
    for (Observation o : observations) {
      if (o.idempotencyKey() == null || !o.accepted()) {
        continue;
      }
      t.checked++;
      if (Boolean.FALSE.equals(o.replaySame())) {
        t.other("key " + o.idempotencyKey() + ": a replay got a different answer");
        continue;
      }
      IdempotencyRow row = stored.get(o.merchantId() + "/" + o.idempotencyKey());
      if (row == null) {
        t.lost("key " + o.idempotencyKey() + " answered " + o.status() + " but is not stored");
      } else if (row.responseStatus() == null
          || row.responseStatus() != o.status()
          || !o.paymentId().equals(row.responseId())) {
        t.other(
            "key "
                + o.idempotencyKey()
                + " ("
                + o.attempts()
                + " attempts): client got "
                + o.status()
                + " "
                + o.paymentId()
                + ", stored "
                + row.responseStatus()
                + " "
                + row.responseId());
      }
    }
    return t.result();
  }

  /**
   * One event per ledger transaction reached Kafka (copies of an event are fine, a second event id
   * for the same transaction is not), and every outbox row still present is on Kafka.
   */
  static CheckResult eventsOnKafka(LedgerSnapshot ledger, TopicSnapshot topics) {
    Tally t = new Tally(EVENTS_ON_KAFKA);
    Map<String, Set<String>> eventIdsByPaymentAndType = new HashMap<>();
    Set<String> eventIds = new HashSet<>();
    for (LedgerEvent e : topics.ledgerEvents()) {
      eventIds.add(e.eventId());
      eventIdsByPaymentAndType
          .computeIfAbsent(e.paymentId() + "/" + e.eventType(), k -> new HashSet<>())
          .add(e.eventId());
    }
    for (String outboxId : ledger.outboxEventIds()) {
      t.checked++;
      if (!eventIds.contains(outboxId)) {
        t.lost("outbox event " + outboxId + " is not on Kafka");
      }
    }
    Set<String> expectedKeys = new HashSet<>();
    new TreeMap<>(ledger.transactionsByPayment())
        .forEach(
            (paymentId, byKind) ->
                byKind.forEach(
                    (kind, count) -> {
                      String type = EVENT_TYPE_OF_KIND.get(kind);
                      if (type == null) {
                        return; // ADJUSTMENT: booked by finance, no payment event
                      }
                      t.checked += count;
                      String key = paymentId + "/" + type;
                      expectedKeys.add(key);
                      int onKafka = eventIdsByPaymentAndType.getOrDefault(key, Set.of()).size();
                      if (onKafka < count) {
                        t.lost(
                            count - onKafka,
                            key + ": " + count + " booked, " + onKafka + " on Kafka");
                      } else if (onKafka > count) {
                        t.duplicated(
                            onKafka - count,
                            key
                                + ": "
                                + count
                                + " booked, "
                                + onKafka
                                + " distinct events on Kafka");
                      }
                    }));
    new TreeMap<>(eventIdsByPaymentAndType)
        .forEach(
            (key, ids) -> {
              if (!expectedKeys.contains(key)) {
                t.duplicated(ids.size(), key + ": " + ids.size() + " events for nothing booked");
              }
            });
    return t.result();
  }

  static CheckResult oneDecision(TopicSnapshot topics, String decidedEventType) {
    Tally t = new Tally(ONE_DECISION);
    Set<String> decided = new HashSet<>();
    topics.ledgerEvents().stream()
        .filter(e -> decidedEventType.equals(e.eventType()))
        .forEach(e -> decided.add(e.eventId()));
    Map<String, Integer> decisions = new HashMap<>();
    for (Decision d : topics.decisions()) {
      decisions.merge(d.sourceEventId(), 1, Integer::sum);
    }
    for (String eventId : decided.stream().sorted().toList()) {
      t.checked++;
      int n = decisions.getOrDefault(eventId, 0);
      if (n == 0) {
        t.lost("event " + eventId + " has no risk decision");
      } else if (n > 1) {
        t.duplicated(n - 1, "event " + eventId + " has " + n + " risk decisions");
      }
    }
    new TreeMap<>(decisions)
        .forEach(
            (eventId, n) -> {
              if (!decided.contains(eventId)) {
                t.duplicated(n, "decision for event " + eventId + " that is not on Kafka");
              }
            });
    return t.result();
  }

  /** Each line of each imported file has exactly one outcome: a match or an alert naming it. */
  static CheckResult linesOnce(List<Observation> observations, TopicSnapshot topics) {
    Tally t = new Tally(LINES_ONCE);
    Map<String, Integer> outcomes = new HashMap<>();
    for (Match m : topics.matches()) {
      if (m.settlementId() != null) {
        outcomes.merge(m.settlementId(), 1, Integer::sum);
      }
    }
    for (Alert a : topics.alerts()) {
      if (a.settlementId() != null && !OVERDUE.equals(a.kind()) && !RESOLVED.equals(a.kind())) {
        outcomes.merge(a.settlementId(), 1, Integer::sum);
      }
    }
    for (Observation o : observations) {
      if (!Observation.SETTLEMENT_FILE.equals(o.type())) {
        continue;
      }
      for (String id : o.settlementIds()) {
        t.checked++;
        int n = outcomes.getOrDefault(id, 0);
        if (n == 0) {
          t.lost("settlement " + id + " (file " + o.fileId() + ") was neither matched nor alerted");
        } else if (n > 1) {
          t.duplicated(n - 1, "settlement " + id + " has " + n + " outcomes");
        }
      }
    }
    return t.result();
  }

  static CheckResult idsUnique(TopicSnapshot topics) {
    Tally t = new Tally(IDS_UNIQUE);
    Map<String, Integer> ids = new TreeMap<>();
    topics.alerts().forEach(a -> ids.merge("alert " + a.eventId(), 1, Integer::sum));
    topics.matches().forEach(m -> ids.merge("match " + m.eventId(), 1, Integer::sum));
    ids.forEach(
        (id, n) -> {
          t.checked++;
          if (n > 1) {
            t.duplicated(n - 1, id + " appears " + n + " times");
          }
        });
    return t.result();
  }

  /**
   * Every planted discrepancy was alerted with its kind, and no alert names something that was not
   * planted. Overdue alerts on payments or refunds no file has settled yet are expected; an overdue
   * alert on a payment a file settled cleanly (and never refunded) is not.
   */
  static CheckResult plantedFound(
      List<Observation> observations, LedgerSnapshot ledger, TopicSnapshot topics) {
    Tally t = new Tally(PLANTED_FOUND);
    Set<String> alerted = new HashSet<>();
    for (Alert a : topics.alerts()) {
      alerted.add(a.kind() + ":" + (ORPHAN.equals(a.kind()) ? a.settlementId() : a.paymentId()));
    }
    Set<String> planted = new HashSet<>();
    Set<String> settledCleanly = new HashSet<>();
    for (Observation o : observations) {
      if (!Observation.SETTLEMENT_FILE.equals(o.type())) {
        continue;
      }
      settledCleanly.addAll(o.expectedMatches());
      new TreeMap<>(o.planted())
          .forEach(
              (kind, ids) -> {
                for (String id : ids) {
                  t.checked++;
                  planted.add(kind + ":" + id);
                  if (!alerted.contains(kind + ":" + id)) {
                    t.lost("planted " + kind + " " + id + " (file " + o.fileId() + ") not alerted");
                  }
                }
              });
    }
    Set<String> refunded = new HashSet<>();
    ledger.payments().stream()
        .filter(p -> p.refundedMinor() > 0)
        .forEach(p -> refunded.add(p.paymentId()));
    for (String key : alerted.stream().sorted().toList()) {
      if (planted.contains(key) || key.startsWith(RESOLVED + ":")) {
        continue;
      }
      if (key.startsWith(OVERDUE + ":")) {
        String paymentId = key.substring(OVERDUE.length() + 1);
        if (!settledCleanly.contains(paymentId) || refunded.contains(paymentId)) {
          continue; // not (fully) in a file yet: overdue is the right answer
        }
      }
      t.other("unexpected alert " + key);
    }
    return t.result();
  }

  /** Counts and the first examples of one check. */
  private static final class Tally {
    final String name;
    long checked;
    long lost;
    long duplicated;
    long other;
    final List<String> examples = new ArrayList<>();

    Tally(String name) {
      this.name = name;
    }

    void lost(String example) {
      lost(1, example);
    }

    void lost(long n, String example) {
      lost += n;
      example(example);
    }

    void duplicated(String example) {
      duplicated(1, example);
    }

    void duplicated(long n, String example) {
      duplicated += n;
      example(example);
    }

    void other(String example) {
      other++;
      example(example);
    }

    private void example(String example) {
      if (examples.size() < ConservationReport.MAX_EXAMPLES) {
        examples.add(example);
      }
    }

    CheckResult result() {
      return new CheckResult(name, checked, lost, duplicated, other, List.copyOf(examples));
    }
  }
}
