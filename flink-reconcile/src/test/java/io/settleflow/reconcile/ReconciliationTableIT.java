package io.settleflow.reconcile;

import static io.settleflow.reconcile.Fixtures.payment;
import static io.settleflow.reconcile.Fixtures.settlement;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settleflow.ledger.LedgerTestDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ledger.reconciliation on a real PostgreSQL (ledger-db's migrations): the job writes every result
 * once, a replay of the same input writes nothing new, a RESOLVED event closes its alert, and the
 * application role reads only its merchant's rows.
 */
@Tag("integration")
class ReconciliationTableIT {
  static final String WRITER = "recon_writer_it";
  static final String WRITER_PASSWORD = "test-only-recon-writer";
  static final long T0 = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

  @TempDir static Path dir;
  static LedgerTestDatabase db;

  @BeforeAll
  static void startDatabase() throws Exception {
    db = LedgerTestDatabase.start(dir);
    try (Connection c = db.owner().getConnection();
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE ROLE "
              + WRITER
              + " LOGIN PASSWORD '"
              + WRITER_PASSWORD
              + "' IN ROLE settleflow_recon");
    }
  }

  @AfterAll
  static void stopDatabase() {
    if (db != null) {
      db.close();
    }
  }

  @Test
  void replayingTheSameInputWritesEachResultOnce() throws Exception {
    truncate();
    List<String> first = runJob();
    List<String> rows = rows();
    // 5 matches (pay-1..3, pay-3's refund, the batch b-1 and its members pay-6, pay-7 = 7) and
    // 4 alerts, each once.
    assertThat(rows).hasSize(first.size()).hasSize(11);
    assertThat(rows)
        .anySatisfy(r -> assertThat(r).startsWith("MATCH MATCHED batch:b-1 payout-batch-sum 1"))
        .anySatisfy(r -> assertThat(r).startsWith("AMOUNT_MISMATCH OPEN pay-4 amount-exact 1"))
        .anySatisfy(r -> assertThat(r).startsWith("ORPHAN_SETTLEMENT OPEN pay-9"));

    List<String> replay = runJob();

    assertThat(replay).containsExactlyInAnyOrderElementsOf(first);
    assertThat(rows()).containsExactlyElementsOf(rows);
  }

  @Test
  void resolvedEventClosesItsAlertAndAReplayKeepsItClosed() throws Exception {
    truncate();
    ReconAlert overdue = alert("ov-1", AlertKind.OVERDUE_PAYMENT, null);
    ReconAlert resolved = alert("rs-1", AlertKind.RESOLVED, "ov-1");
    write(List.of(ReconciliationRow.of(overdue)));
    write(List.of(ReconciliationRow.of(resolved)));
    write(List.of(ReconciliationRow.of(overdue), ReconciliationRow.of(resolved))); // replay

    assertThat(
            query(
                "SELECT id || ' ' || kind || ' ' || status || ' ' || coalesce(resolved_by, '-')"
                    + " || ' ' || coalesce(resolves_id, '-') FROM ledger.reconciliation ORDER BY"
                    + " id"))
        .containsExactly("ov-1 OVERDUE_PAYMENT RESOLVED rs-1 -", "rs-1 RESOLVED RESOLVED - ov-1");
  }

  @Test
  void applicationRoleReadsOnlyItsMerchantsRowsAndWritesNothing() throws Exception {
    truncate();
    ReconAlert mine = alert("a-mine", AlertKind.AMOUNT_MISMATCH, null);
    ReconAlert other = alert("a-other", AlertKind.AMOUNT_MISMATCH, null);
    other.merchantId = "merchant-2";
    write(List.of(ReconciliationRow.of(mine), ReconciliationRow.of(other)));

    try (Connection c = db.app().getConnection()) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.execute("SELECT set_config('settleflow.merchant_id', 'merchant-1', true)");
        try (ResultSet r = s.executeQuery("SELECT id FROM ledger.reconciliation")) {
          assertThat(r.next()).isTrue();
          assertThat(r.getString(1)).isEqualTo("a-mine");
          assertThat(r.next()).isFalse();
        }
        assertThatThrownBy(
                () -> s.executeUpdate("UPDATE ledger.reconciliation SET status = 'RESOLVED'"))
            .isInstanceOf(SQLException.class)
            .hasMessageContaining("permission denied");
      }
      c.rollback();
    }
  }

  private static ReconAlert alert(String id, AlertKind kind, String resolves) {
    ReconAlert a = new ReconAlert();
    a.eventId = id;
    a.kind = kind;
    a.paymentId = "pay-1";
    a.merchantId = "merchant-1";
    a.currency = "EUR";
    a.expectedAmountMinor = 1_000L;
    a.rule = kind == AlertKind.RESOLVED ? "late-settlement-resolves-overdue@1" : "amount-exact@1";
    a.detail = "test";
    a.detectedAtMs = T0;
    a.resolvesEventId = resolves;
    return a;
  }

  private static void write(List<ReconciliationRow> rows) throws SQLException {
    try (Connection c = writer()) {
      c.setAutoCommit(false);
      ReconciliationTableSink.writeAll(c, rows);
    }
  }

  private static Connection writer() throws SQLException {
    return java.sql.DriverManager.getConnection(
        db.server().jdbcUrl(LedgerTestDatabase.DATABASE), WRITER, WRITER_PASSWORD);
  }

  private static void truncate() throws SQLException {
    try (Connection c = db.owner().getConnection();
        Statement s = c.createStatement()) {
      s.execute("TRUNCATE ledger.reconciliation");
    }
  }

  /** Every row's content (written_at aside), ordered by id. */
  private static List<String> rows() throws SQLException {
    return query(
        "SELECT concat_ws(' ', kind, status, payment_id, rule, rule_version, id, merchant_id,"
            + " severity, settlement_id, batch_id, source, currency, expected_amount_minor,"
            + " actual_amount_minor, fee_amount_minor, explanation::text, resolves_id,"
            + " resolved_by, detected_at) FROM ledger.reconciliation ORDER BY id");
  }

  private static List<String> query(String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = db.owner().getConnection();
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery(sql)) {
      while (r.next()) {
        out.add(r.getString(1));
      }
    }
    return out;
  }

  /** The ReconcileJobTest input through the job with the table sink; returns the result ids. */
  private static List<String> runJob() throws Exception {
    List<LedgerPayment> payments = new ArrayList<>();
    List<Settlement> settlements = new ArrayList<>();
    for (int i = 1; i <= 4; i++) {
      payments.add(payment("pe-" + i, "pay-" + i, 1_000L * i, "EUR", T0 + i));
    }
    payments.add(payment("pe-5", "pay-5", 5_000, "EUR", T0 + 5)); // never settled
    settlements.add(settlement("se-1", "l-1", "pay-1", 1_000, "EUR", T0 + 100));
    settlements.add(settlement("se-2", "l-2", "pay-2", 2_000, "EUR", T0 + 100));
    settlements.add(settlement("se-3", "l-3", "pay-3", 3_000, "EUR", T0 + 100));
    settlements.add(settlement("se-4", "l-4", "pay-4", 4_400, "EUR", T0 + 100));
    settlements.add(settlement("se-9", "l-9", "pay-9", 900, "EUR", T0 + 100));
    payments.add(Fixtures.refund("pe-r3", "pay-3", 500, "EUR", T0 + 200));
    settlements.add(Fixtures.line("REFUND", "se-r3", "l-r3", "pay-3", -500, "EUR", T0 + 300));
    settlements.add(Fixtures.line("CHARGEBACK", "se-c2", "l-c2", "pay-2", -2_000, "EUR", T0 + 300));
    payments.add(payment("pe-6", "pay-6", 600, "EUR", T0 + 6));
    payments.add(payment("pe-7", "pay-7", 700, "EUR", T0 + 7));
    settlements.add(Fixtures.member("se-6", "pay-6", "b-1", 600, 10, T0 + 400));
    settlements.add(Fixtures.member("se-7", "pay-7", "b-1", 700, 10, T0 + 400));
    settlements.add(Fixtures.payout("se-p1", "b-1", 1_280, T0 + 500));

    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, conf);
    String run = UUID.randomUUID().toString();
    CollectingSink<PaymentMatch> matches = new CollectingSink<>("matches-" + run);
    CollectingSink<ReconAlert> alerts = new CollectingSink<>("alerts-" + run);
    new ReconcileJob(
            Fixtures.finite(payments, LedgerPayment.class),
            Fixtures.finite(settlements, Settlement.class),
            matches,
            alerts,
            new CollectingSink<>("settled-" + run),
            new CollectingSink<>("dlq-" + run),
            ReconcileJobTest.SETTINGS,
            Duration.ofSeconds(2),
            Duration.ofSeconds(5),
            new ReconciliationTableSink(
                db.server().jdbcUrl(LedgerTestDatabase.DATABASE), WRITER, WRITER_PASSWORD))
        .build(env);
    env.execute("reconciliation-table-it");
    List<String> ids = new ArrayList<>();
    matches.received().forEach(m -> ids.add(m.eventId));
    alerts.received().forEach(a -> ids.add(a.eventId));
    return ids;
  }
}
