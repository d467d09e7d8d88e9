package io.settleflow.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Migration V6 on a real PostgreSQL 17: the vault re-encryption functions as the application role
 * (every merchant's rows under an old key, paged; compare-and-swap), and the CDC role set-up.
 */
@Tag("integration")
class VaultRekeyAndCdcRoleIT {
  static final Instant NOW = Instant.parse("2026-11-25T10:00:00.123Z");
  static final String CDC_PASSWORD = "test-only-cdc-role-password";

  @TempDir static Path dir;
  static LedgerTestDatabase db;
  static VaultRekeyStore store;

  @BeforeAll
  static void start() {
    db = LedgerTestDatabase.start(dir);
    store = new VaultRekeyStore(db.app());
    MerchantAdmin admin = new MerchantAdmin(db.owner(), Clock.fixed(NOW, ZoneOffset.UTC));
    admin.createMerchant("m-a", "A");
    admin.createMerchant("m-b", "B");
  }

  @AfterAll
  static void stop() {
    if (db != null) {
      db.close();
    }
  }

  @Test
  void pagesThroughEveryMerchantsRowsUnderOldKeysAndSwapsOnlyUnchangedRows() throws Exception {
    insertCard("m-a", "tok_rk1", "old1", 1);
    insertCard("m-a", "tok_rk2", "new", 2);
    insertCard("m-b", "tok_rk3", "old2", 3);
    insertCard("m-b", "tok_rk4", "old1", 4);
    assertThat(store.countNotUnder("new")).isEqualTo(3);

    List<VaultCiphertext> first = store.cardsToRekey("new", Optional.empty(), 2);
    assertThat(first).extracting(VaultCiphertext::token).containsExactly("tok_rk1", "tok_rk3");
    List<VaultCiphertext> second =
        store.cardsToRekey("new", Optional.of(first.get(first.size() - 1)), 2);
    assertThat(second).extracting(VaultCiphertext::token).containsExactly("tok_rk4");
    assertThat(first.get(0).ciphertext()).containsExactly(ciphertext(1));

    // tok_rk3 is re-tokenized between read and swap: its newer row must survive
    insertCard("m-b", "tok_rk3", "new", 33);
    List<VaultCiphertext> read = new ArrayList<>(first);
    read.addAll(second);
    List<VaultCiphertext> resealed =
        read.stream()
            .map(
                r -> new VaultCiphertext(r.merchantId(), r.token(), "new", nonce(9), ciphertext(9)))
            .toList();
    assertThat(store.replace(read, resealed)).isEqualTo(2);
    assertThat(rowKeyAndFirstByte("m-a", "tok_rk1")).isEqualTo("new:9");
    assertThat(rowKeyAndFirstByte("m-b", "tok_rk3")).isEqualTo("new:33");
    assertThat(rowKeyAndFirstByte("m-b", "tok_rk4")).isEqualTo("new:9");
    assertThat(store.countNotUnder("new")).isZero();
    // idempotent: the same swap again changes nothing
    assertThat(store.replace(read, resealed)).isZero();
  }

  @Test
  void badBatchesAreRefusedNamingTheLimit() {
    assertThatThrownBy(() -> store.cardsToRekey("new", Optional.empty(), 0))
        .hasMessageContaining("batch rows must be 1..1000");
    VaultCiphertext a = new VaultCiphertext("m-a", "tok_x", "old", nonce(1), ciphertext(1));
    VaultCiphertext b = new VaultCiphertext("m-b", "tok_x", "new", nonce(1), ciphertext(1));
    assertThatThrownBy(() -> store.replace(List.of(a), List.of(b)))
        .hasMessageContaining("same card");
  }

  @Test
  void theApplicationRoleStillCannotReadTheVaultTable() {
    assertThatThrownBy(() -> query(db.app(), "SELECT count(*) FROM vault.card"))
        .isInstanceOf(SQLException.class)
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42501"));
  }

  @Test
  void cdcRoleGetsWhatTheRelayNeedsAndNothingMore() throws Exception {
    exec(db.owner(), "CREATE ROLE plain_login LOGIN PASSWORD 'plain-login-password'");
    assertThatThrownBy(() -> query(as("plain_login"), "SELECT ledger.purge_outbox('s', now(), 1)"))
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42501"));

    LedgerSchema.grantCdcRole(db.owner(), "settleflow_cdc_test", CDC_PASSWORD);
    LedgerSchema.grantCdcRole(db.owner(), "settleflow_cdc_test", CDC_PASSWORD); // idempotent
    insertOutbox("m-a");
    insertOutbox("m-b");
    DataSource cdc = as("settleflow_cdc_test");
    // every merchant's rows (the snapshot), the clean-up function, the heartbeat
    assertThat(query(cdc, "SELECT count(DISTINCT merchant_id) FROM ledger.outbox")).isEqualTo(2);
    assertThat(query(cdc, "SELECT ledger.purge_outbox('no_such_slot', now(), 10)")).isZero();
    assertThat(
            query(cdc, "SELECT count(*) FROM (SELECT pg_logical_emit_message(true, 'hb', '')) m"))
        .isEqualTo(1);
    assertThat(
            query(
                db.owner(),
                "SELECT count(*) FROM pg_roles WHERE rolname = 'settleflow_cdc_test'"
                    + " AND rolreplication AND rolbypassrls AND rolcanlogin"
                    + " AND pg_has_role(oid, 'settleflow_cdc', 'MEMBER')"))
        .isEqualTo(1);
    // and no more: no writes to the ledger, no vault
    for (String write :
        List.of(
            "DELETE FROM ledger.outbox",
            "INSERT INTO ledger.merchants (merchant_id, name, created_at) VALUES ('x', 'x', now())",
            "SELECT count(*) FROM vault.card")) {
      assertThatThrownBy(() -> exec(cdc, write))
          .as(write)
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42501"));
    }
  }

  @Test
  void reconRoleWritesResultsAndNothingElse() throws Exception {
    LedgerSchema.grantReconRole(db.owner(), "settleflow_recon_test", CDC_PASSWORD);
    LedgerSchema.grantReconRole(db.owner(), "settleflow_recon_test", CDC_PASSWORD); // idempotent
    assertThat(
            query(
                db.owner(),
                "SELECT count(*) FROM pg_roles WHERE rolname = 'settleflow_recon_test'"
                    + " AND rolcanlogin AND NOT rolbypassrls AND NOT rolreplication"
                    + " AND pg_has_role(oid, 'settleflow_recon', 'MEMBER')"))
        .isEqualTo(1);
    DataSource recon = as("settleflow_recon_test");
    exec(
        recon,
        "INSERT INTO ledger.reconciliation (id, merchant_id, kind, status, rule, explanation,"
            + " detected_at) VALUES ('r-1', 'm-a', 'MATCH', 'MATCHED', 'exact-reference', '{}',"
            + " now())");
    exec(recon, "UPDATE ledger.reconciliation SET status = 'RESOLVED' WHERE id = 'r-1'");
    assertThat(query(recon, "SELECT count(*) FROM ledger.reconciliation WHERE status = 'RESOLVED'"))
        .isEqualTo(1);
    // and no more: results are not rewritten or deleted, and nothing else is readable
    for (String write :
        List.of(
            "UPDATE ledger.reconciliation SET kind = 'AMOUNT_MISMATCH'",
            "DELETE FROM ledger.reconciliation",
            "SELECT count(*) FROM ledger.outbox",
            "SELECT count(*) FROM vault.card")) {
      assertThatThrownBy(() -> exec(recon, write))
          .as(write)
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("42501"));
    }
    assertThatThrownBy(
            () -> LedgerSchema.grantReconRole(db.owner(), "settleflow_recon", CDC_PASSWORD))
        .hasMessageContaining("must not be settleflow_recon");
  }

  @Test
  void cdcRoleSetUpRefusesBadNamesAndShortPasswords() {
    assertThatThrownBy(() -> LedgerSchema.grantCdcRole(db.owner(), "Robert'); DROP", CDC_PASSWORD))
        .hasMessageContaining("CDC role name");
    assertThatThrownBy(() -> LedgerSchema.grantCdcRole(db.owner(), "settleflow_app", CDC_PASSWORD))
        .hasMessageContaining("must not be settleflow_app");
    assertThatThrownBy(() -> LedgerSchema.grantCdcRole(db.owner(), "cdc_x", "short"))
        .hasMessageContaining("password");
  }

  private static DataSource as(String role) {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setURL(db.server().jdbcUrl(LedgerTestDatabase.DATABASE));
    ds.setUser(role);
    ds.setPassword("unused-with-local-trust-auth");
    return ds;
  }

  private static byte[] nonce(int b) {
    byte[] n = new byte[VaultCard.NONCE_BYTES];
    n[0] = (byte) b;
    return n;
  }

  private static byte[] ciphertext(int b) {
    byte[] c = new byte[32];
    c[0] = (byte) b;
    return c;
  }

  /** Inserts or overwrites a vault row as the owner (a stand-in for vault.store_card). */
  private static void insertCard(String merchant, String token, String keyId, int seed)
      throws SQLException {
    try (Connection c = db.owner().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO vault.card (merchant_id, token, key_id, nonce, ciphertext, last4, brand,"
                    + " exp_month, exp_year, created_at, updated_at)"
                    + " VALUES (?, ?, ?, ?, ?, '4242', 'visa', 12, 2030, now(), now())"
                    + " ON CONFLICT (merchant_id, token) DO UPDATE SET key_id = EXCLUDED.key_id,"
                    + " nonce = EXCLUDED.nonce, ciphertext = EXCLUDED.ciphertext")) {
      ps.setString(1, merchant);
      ps.setString(2, token);
      ps.setString(3, keyId);
      ps.setBytes(4, nonce(seed));
      ps.setBytes(5, ciphertext(seed));
      ps.executeUpdate();
    }
  }

  private static String rowKeyAndFirstByte(String merchant, String token) throws SQLException {
    try (Connection c = db.owner().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT key_id, get_byte(ciphertext, 0) FROM vault.card WHERE merchant_id = ? AND token = ?")) {
      ps.setString(1, merchant);
      ps.setString(2, token);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getString(1) + ":" + rs.getInt(2);
      }
    }
  }

  private static void insertOutbox(String merchant) throws SQLException {
    try (Connection c = db.owner().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO ledger.outbox (merchant_id, id, aggregatetype, aggregateid, type, payload, created_at)"
                    + " VALUES (?, ?, 'payments.authorized', ?, 'AUTHORIZED', '\\x00'::bytea, now())")) {
      ps.setString(1, merchant);
      ps.setObject(2, UUID.randomUUID());
      ps.setString(3, UUID.randomUUID().toString());
      ps.executeUpdate();
    }
  }

  private static long query(DataSource ds, String sql) throws SQLException {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static void exec(DataSource ds, String sql) throws SQLException {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
