package io.settleflow.deploy.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settleflow.avro.SettlementRecord;
import io.settleflow.deploy.StackSettings;
import io.settleflow.deploy.demo.SettlementPlan.Counts;
import io.settleflow.deploy.demo.SettlementPlan.PlantedKind;
import io.settleflow.feeds.ParsedFile;
import io.settleflow.feeds.SettlementFormats;
import io.settleflow.feeds.UnreadableFileException;
import io.settleflow.reconcile.LedgerPayment;
import io.settleflow.reconcile.ReconRulesDocument;
import io.settleflow.reconcile.Settlement;
import io.settleflow.reconcile.SettlementMatchRules;
import io.settleflow.reconcile.SettlementMatchRules.Outcome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SettlementPlanTest {
  private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
  private static final Duration DEADLINE = Duration.ofSeconds(45);

  /** 3 amount, 1 currency, 2 orphans, 3 overdue (1 settled late), 1 duplicate, 2 fee, 2 FX, … */
  private static final Counts COUNTS =
      Counts.each(1, 3)
          .with(PlantedKind.AMOUNT_MISMATCH, 3)
          .with(PlantedKind.ORPHAN_SETTLEMENT, 2)
          .with(PlantedKind.OVERDUE_PAYMENT, 3)
          .with(PlantedKind.FEE_DEVIATION, 2)
          .with(PlantedKind.FX_DEVIATION, 2);

  private static final String[] CURRENCIES = {"EUR", "USD", "GBP"};

  /** The rules document `up` and `demo` give flink-reconcile, as the demo reads it. */
  static String rulesText;

  static DemoPricing pricing;

  @BeforeAll
  static void readTheStacksRules() throws IOException {
    // tests run in deploy/; the launcher resolves the same file under SETTLEFLOW_HOME
    rulesText =
        Files.readString(Path.of("..").resolve(StackSettings.RECON_RULES), StandardCharsets.UTF_8);
    pricing = DemoPricing.parse(rulesText);
  }

  /** Payments of the demo's merchants (1 and 2 with their own fee schedule, 3 on the default). */
  static List<AcceptedPayment> payments(int n) {
    List<AcceptedPayment> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      list.add(
          new AcceptedPayment(
              "p-" + i,
              "demo-merchant-" + (i % 3 + 1),
              1000 + 37L * i,
              CURRENCIES[i % 3],
              T0.plusMillis(i * 100L)));
    }
    return list;
  }

  private static SettlementPlan plan(int n, long seed) {
    return SettlementPlan.of(payments(n), COUNTS, T0.plusSeconds(60), seed, pricing);
  }

  @Test
  void plantsEachKindAndMatchesTheRest() {
    SettlementPlan plan = plan(100, 7);
    Map<PlantedKind, Integer> sizes = new HashMap<>();
    plan.planted().forEach((k, ids) -> sizes.put(k, ids.size()));
    assertThat(sizes)
        .containsEntry(PlantedKind.AMOUNT_MISMATCH, 3)
        .containsEntry(PlantedKind.CURRENCY_MISMATCH, 1)
        .containsEntry(PlantedKind.ORPHAN_SETTLEMENT, 2)
        .containsEntry(PlantedKind.OVERDUE_PAYMENT, 3)
        .containsEntry(PlantedKind.DUPLICATE_SETTLEMENT, 1)
        .containsEntry(PlantedKind.FEE_DEVIATION, 2)
        .containsEntry(PlantedKind.FX_DEVIATION, 2)
        .containsEntry(PlantedKind.CHARGEBACK, 1)
        .containsEntry(PlantedKind.RESOLVED, 1);
    // 100 − 3 overdue − 3 amount − 1 currency − 2 fee − 2 FX = 89 matches in the file (the
    // duplicate's first line, the chargeback's sale and the 3 converted FX lines among them), + the
    // late one after its RESOLVED
    assertThat(plan.expectedMatches()).hasSize(90);
    assertThat(plan.fxConverted()).hasSize(3).allMatch(plan.expectedMatches()::contains);
    // one line per settled payment + the duplicate's second + the chargeback + 2 orphans
    assertThat(plan.settlementLines()).isEqualTo(97 + 1 + 1 + 2);
    assertThat(plan.csvLines().get(0)).isEqualTo(SettlementPlan.HEADER);
  }

  @Test
  void overduePaymentsAreTheOldestAndLeftOutOfTheFileTheFirstSettlesLate() {
    SettlementPlan plan = plan(100, 7);
    assertThat(plan.planted().get(PlantedKind.OVERDUE_PAYMENT))
        .containsExactly("p-0", "p-1", "p-2");
    assertThat(plan.latePayments()).containsExactly("p-0");
    String file = String.join("\n", plan.csvLines());
    assertThat(file).doesNotContain(",p-0,").doesNotContain(",p-1,").doesNotContain(",p-2,");
    List<String> late = plan.lateCsvLines(DEADLINE);
    assertThat(late).hasSize(2);
    assertThat(late.get(0)).isEqualTo(SettlementPlan.HEADER);
    // settled one second after its deadline: late, yet no later than event time already is
    assertThat(late.get(1))
        .startsWith("stl-late-1,p-0,demo-merchant-1,PAYMENT,10.00,")
        .endsWith(",EUR," + T0.plus(DEADLINE).plusSeconds(1));
  }

  /**
   * The precision side as well as the recall side, line by line: the file goes through the real
   * importer's parser (every line accepted) and each record through flink-reconcile's own matching
   * rules under the stack's rules document. Planted lines get their kind; every other line must
   * match — correctly priced fees and correctly converted FX included.
   */
  @ParameterizedTest(name = "seed {0}")
  @CsvSource({"1", "7", "42", "1234"})
  void realRulesFindExactlyWhatWasPlanted(long seed) throws UnreadableFileException {
    List<AcceptedPayment> all = payments(150);
    SettlementPlan plan = SettlementPlan.of(all, COUNTS, T0.plusSeconds(60), seed, pricing);
    SettlementMatchRules rules = new SettlementMatchRules(ReconRulesDocument.parse(rulesText));
    Map<String, AcceptedPayment> byId =
        all.stream().collect(Collectors.toMap(AcceptedPayment::paymentId, p -> p));

    List<SettlementRecord> records = new ArrayList<>(parse(plan.csvLines()));
    records.addAll(parse(plan.lateCsvLines(DEADLINE)));

    Map<PlantedKind, Set<String>> found = new HashMap<>();
    List<String> matched = new ArrayList<>();
    for (SettlementRecord r : records) {
      String ref = r.getPaymentReference();
      AcceptedPayment p = byId.get(ref);
      if (p == null) {
        found
            .computeIfAbsent(PlantedKind.ORPHAN_SETTLEMENT, k -> new java.util.HashSet<>())
            .add(r.getSettlementId());
        continue;
      }
      Settlement s = settlement(r);
      if (s.isChargeback()) {
        assertThat(r.getGrossAmountMinor()).isEqualTo(-p.amountMinor());
        found.computeIfAbsent(PlantedKind.CHARGEBACK, k -> new java.util.HashSet<>()).add(ref);
        continue;
      }
      Outcome outcome = rules.compare(ledger(p), s).outcome();
      if (outcome == Outcome.MATCH) {
        matched.add(ref);
      } else {
        found
            .computeIfAbsent(PlantedKind.valueOf(outcome.name()), k -> new java.util.HashSet<>())
            .add(ref);
      }
    }
    for (PlantedKind k :
        List.of(
            PlantedKind.AMOUNT_MISMATCH,
            PlantedKind.CURRENCY_MISMATCH,
            PlantedKind.FEE_DEVIATION,
            PlantedKind.FX_DEVIATION,
            PlantedKind.CHARGEBACK,
            PlantedKind.ORPHAN_SETTLEMENT)) {
      assertThat(found.getOrDefault(k, Set.of())).as(k.name()).isEqualTo(plan.planted().get(k));
    }
    // the duplicate's two lines both satisfy the rules (the operator calls the second a duplicate)
    String duplicate = plan.planted().get(PlantedKind.DUPLICATE_SETTLEMENT).iterator().next();
    assertThat(matched.stream().filter(duplicate::equals)).hasSize(2);
    assertThat(Set.copyOf(matched)).isEqualTo(plan.expectedMatches());
    // overdue payments (but the late one) have no line at all
    Set<String> referenced =
        records.stream().map(SettlementRecord::getPaymentReference).collect(Collectors.toSet());
    for (String id : plan.planted().get(PlantedKind.OVERDUE_PAYMENT)) {
      assertThat(referenced.contains(id)).as(id).isEqualTo(plan.latePayments().contains(id));
    }
  }

  /** One row per planted kind: what its line looks like against the rules. */
  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "FEE_DEVIATION,     same currency, fee off the schedule",
    "FX_DEVIATION,      other currency with a rate, gross off the converted amount",
    "CURRENCY_MISMATCH, other currency without a rate, gross as the ledger's",
    "AMOUNT_MISMATCH,   same currency, gross short",
  })
  void plantedLineShape(PlantedKind kind, String currency, String amounts) {
    List<AcceptedPayment> all = payments(100);
    SettlementPlan plan = SettlementPlan.of(all, COUNTS, T0.plusSeconds(60), 3, pricing);
    for (String id : plan.planted().get(kind)) {
      AcceptedPayment p =
          all.stream().filter(x -> x.paymentId().equals(id)).findFirst().orElseThrow();
      String[] f = lineOf(plan, id).split(",", -1);
      String settledIn = f[7];
      long gross = minor(f[4], settledIn);
      long fee = minor(f[5], settledIn);
      long schedule = pricing.feeMinor(p.merchantId(), gross);
      switch (kind) {
        case FEE_DEVIATION -> {
          assertThat(settledIn).as(currency).isEqualTo(p.currency());
          assertThat(gross).isEqualTo(p.amountMinor());
          assertThat(Math.abs(fee - schedule))
              .as(amounts)
              .isGreaterThan(pricing.feeToleranceMinor());
        }
        case FX_DEVIATION -> {
          assertThat(pricing.rate(p.currency(), settledIn)).as(currency).isPresent();
          long converted = pricing.convertMinor(p.amountMinor(), p.currency(), settledIn);
          long allowed =
              Math.max(
                  pricing.fxToleranceMinor(),
                  java.math.BigDecimal.valueOf(converted)
                      .multiply(pricing.fxTolerancePercent())
                      .movePointLeft(2)
                      .longValue());
          assertThat(Math.abs(gross - converted)).as(amounts).isGreaterThan(allowed);
          assertThat(fee).isEqualTo(schedule);
        }
        case CURRENCY_MISMATCH -> {
          assertThat(settledIn).isNotEqualTo(p.currency());
          assertThat(pricing.rate(p.currency(), settledIn)).as(currency).isEmpty();
          assertThat(gross).as(amounts).isEqualTo(p.amountMinor());
        }
        case AMOUNT_MISMATCH -> {
          assertThat(settledIn).as(currency).isEqualTo(p.currency());
          assertThat(gross).as(amounts).isLessThan(p.amountMinor());
          assertThat(fee).isEqualTo(schedule);
        }
        default -> throw new AssertionError(kind);
      }
      // net = gross − fee on every line: the importer checks it, and so does reconciliation
      assertThat(minor(f[6], settledIn)).isEqualTo(gross - fee);
    }
  }

  @Test
  void aChargebackFollowsTheSaleItDisputes() {
    SettlementPlan plan = plan(100, 9);
    String id = plan.planted().get(PlantedKind.CHARGEBACK).iterator().next();
    List<String> lines = plan.csvLines().stream().filter(l -> l.contains("," + id + ",")).toList();
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0).split(",", -1)[3]).isEqualTo("PAYMENT");
    assertThat(lines.get(1).split(",", -1)[3]).isEqualTo("CHARGEBACK");
    assertThat(lines.get(1).split(",", -1)[4]).startsWith("-");
    assertThat(plan.expectedMatches()).contains(id);
  }

  @Test
  void sameSeedSamePlan() {
    assertThat(plan(60, 3).csvLines()).isEqualTo(plan(60, 3).csvLines());
    assertThat(plan(60, 3).lateCsvLines(DEADLINE)).isEqualTo(plan(60, 3).lateCsvLines(DEADLINE));
  }

  /** Bad plans are refused before anything is written, naming what is missing. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "too few payments        | 10  | EUR | true  | need at least",
        "no FX rate for the currency | 100 | JPY | true  | FX_DEVIATION: a currency the rules' fx.rates convert",
        "no fee schedule         | 100 | EUR | false | FEE_DEVIATION: a merchant with a fee schedule",
      })
  void refusesPlansItCannotPlant(
      String name, int n, String currency, boolean withRules, String message) {
    List<AcceptedPayment> list =
        payments(n).stream()
            .map(
                p ->
                    new AcceptedPayment(
                        p.paymentId(), p.merchantId(), p.amountMinor(), currency, p.createdAt()))
            .toList();
    DemoPricing rules =
        withRules
            ? pricing
            : new DemoPricing(
                0,
                pricing.amountTolerancePercent(),
                0,
                null,
                Map.of(),
                0,
                pricing.fxTolerancePercent(),
                pricing.rates());
    assertThatThrownBy(() -> SettlementPlan.of(list, COUNTS, T0, 1, rules))
        .as(name)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @Test
  void moreLateSettlementsThanOverduePaymentsIsRefused() {
    assertThatThrownBy(() -> COUNTS.with(PlantedKind.OVERDUE_PAYMENT, 0))
        .hasMessageContaining("RESOLVED: 1 late settlements need as many OVERDUE_PAYMENT");
    assertThatThrownBy(() -> COUNTS.with(PlantedKind.FEE_DEVIATION, -1))
        .hasMessageContaining("FEE_DEVIATION: count must be >= 0");
  }

  @Test
  void withTheBuiltInRulesOnlyTheBasicKindsArePlantedAndFeesAreProcessorStyle() {
    SettlementPlan plan =
        SettlementPlan.of(payments(60), Counts.basic(1, 1, 1, 1, 1), T0, 5, DemoPricing.builtIn());
    assertThat(plan.planted().get(PlantedKind.FEE_DEVIATION)).isEmpty();
    assertThat(plan.planted().get(PlantedKind.FX_DEVIATION)).isEmpty();
    assertThat(plan.planted().get(PlantedKind.RESOLVED)).isEmpty();
    assertThat(plan.lateCsvLines(DEADLINE)).containsExactly(SettlementPlan.HEADER);
    // without a schedule the processor charges 2.9 % + 30 (only net = gross − fee is checked)
    for (String id : plan.expectedMatches()) {
      long amount = payments(60).get(Integer.parseInt(id.substring(2))).amountMinor();
      long fee = amount * 29 / 1000 + 30;
      assertThat(lineOf(plan, id))
          .contains("," + SettlementPlan.major(amount, "EUR") + ",")
          .contains("," + SettlementPlan.major(fee, "EUR") + ",");
    }
    String currencyMismatch = plan.planted().get(PlantedKind.CURRENCY_MISMATCH).iterator().next();
    // no rate at all: any other currency is a CURRENCY_MISMATCH (the first one the demo settles in)
    String paid = payments(60).get(Integer.parseInt(currencyMismatch.substring(2))).currency();
    assertThat(lineOf(plan, currencyMismatch).split(",", -1)[7])
        .isEqualTo("EUR".equals(paid) ? "USD" : "EUR");
  }

  @Test
  void settlementIdsAreUniqueAcrossBothFiles() {
    SettlementPlan plan = plan(100, 5);
    List<String> all = new ArrayList<>(plan.csvLines().subList(1, plan.csvLines().size()));
    all.addAll(plan.lateCsvLines(DEADLINE).subList(1, 2));
    Set<String> ids = all.stream().map(l -> l.split(",", -1)[0]).collect(Collectors.toSet());
    assertThat(ids).hasSize(all.size());
  }

  @ParameterizedTest
  @CsvSource({"1234,EUR,12.34", "5,EUR,0.05", "-250,USD,-2.50", "1500,JPY,1500", "1234,BHD,1.234"})
  void writesMajorUnitsWithTheCurrencysDigits(long minor, String currency, String expected) {
    assertThat(SettlementPlan.major(minor, currency)).isEqualTo(expected);
  }

  private static String lineOf(SettlementPlan plan, String paymentId) {
    return plan.csvLines().stream()
        .filter(l -> l.contains("," + paymentId + ","))
        .findFirst()
        .orElseThrow();
  }

  private static long minor(String major, String currency) {
    return new java.math.BigDecimal(major)
        .movePointRight(DemoPricing.digits(currency))
        .longValueExact();
  }

  private static List<SettlementRecord> parse(List<String> lines) throws UnreadableFileException {
    byte[] bytes = (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
    ParsedFile parsed = SettlementFormats.detect(bytes).parse(bytes, "demo-processor", "file-1");
    assertThat(parsed.rejections()).as("every line of the demo's file is accepted").isEmpty();
    assertThat(parsed.records()).hasSize(lines.size() - 1);
    return parsed.records();
  }

  private static Settlement settlement(SettlementRecord r) {
    Settlement s = new Settlement();
    s.eventId = r.getEventId();
    s.settlementId = r.getSettlementId();
    s.source = r.getSource();
    s.recordType = r.getRecordType().name();
    s.paymentReference = r.getPaymentReference();
    s.merchantId = r.getMerchantId();
    s.grossAmountMinor = r.getGrossAmountMinor();
    s.feeAmountMinor = r.getFeeAmountMinor();
    s.netAmountMinor = r.getNetAmountMinor();
    s.currency = r.getCurrency();
    s.settledAtMs = r.getSettledAt().toEpochMilli();
    return s;
  }

  private static LedgerPayment ledger(AcceptedPayment p) {
    LedgerPayment l = new LedgerPayment();
    l.eventId = "evt-" + p.paymentId();
    l.eventType = "AUTHORIZED";
    l.paymentId = p.paymentId();
    l.merchantId = p.merchantId();
    l.amountMinor = p.amountMinor();
    l.currency = p.currency();
    l.occurredAtMs = p.createdAt().toEpochMilli();
    return l;
  }
}
