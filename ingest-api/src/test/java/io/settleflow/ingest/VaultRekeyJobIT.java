package io.settleflow.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.settleflow.ledger.LedgerTestDatabase;
import io.settleflow.ledger.MerchantAdmin;
import io.settleflow.ledger.PaymentLedger;
import io.settleflow.ledger.StoredResponse;
import io.settleflow.ledger.TokenizeRequest;
import io.settleflow.ledger.TokenizeResult;
import io.settleflow.ledger.VaultCard;
import io.settleflow.ledger.VaultRekeyStore;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Vault re-encryption after a key rotation, on a real PostgreSQL 17 as the application role: rows
 * move to the new key in bounded runs, still decrypt (with the new key alone), a run is idempotent
 * and resumable, live tokenization alongside it keeps its rows, a row whose key is gone is skipped
 * without stopping the job.
 */
@Tag("integration")
class VaultRekeyJobIT {
  static final String OLD_KEY = CardVaultTest.newKey();
  static final String NEW_KEY = CardVaultTest.newKey();

  @TempDir static Path dir;
  static LedgerTestDatabase db;
  static PaymentLedger ledger;
  static VaultRekeyStore store;
  static MerchantAdmin admin;

  final CardVault oldVault = CardVault.fromConfig("old:" + OLD_KEY, new SecureRandom());
  final CardVault rotated =
      CardVault.fromConfig("new:" + NEW_KEY + ",old:" + OLD_KEY, new SecureRandom());
  final CardVault newOnly = CardVault.fromConfig("new:" + NEW_KEY, new SecureRandom());

  @BeforeAll
  static void start() {
    db = LedgerTestDatabase.start(dir);
    ledger = new PaymentLedger(db.app(), Clock.systemUTC());
    store = new VaultRekeyStore(db.app());
    admin = new MerchantAdmin(db.owner(), Clock.systemUTC());
  }

  @AfterAll
  static void stop() {
    if (db != null) {
      db.close();
    }
  }

  @Test
  void rowsMoveToTheNewKeyInBoundedResumableRunsAndStillDecrypt() throws Exception {
    Map<String, String> panByToken = new HashMap<>();
    for (String merchant : List.of(newMerchant(), newMerchant())) {
      for (int i = 0; i < 30; i++) {
        panByToken.put(merchant + "/" + tokenize(merchant, i, oldVault), pan(i));
      }
    }
    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    VaultRekeyJob job = new VaultRekeyJob(rotated, store, 20, 2, metrics);

    VaultRekeyJob.Outcome first = job.runOnce();
    assertThat(first.rekeyed()).isEqualTo(40);
    assertThat(first.remaining()).isEqualTo(20);
    assertThat(metrics.get("vault.cards.pending.rekey").gauge().value()).isEqualTo(20.0);

    VaultRekeyJob.Outcome second = job.runOnce(); // resumes with what is left
    assertThat(second.rekeyed()).isEqualTo(20);
    assertThat(second.remaining()).isZero();
    assertThat(job.runOnce()).isEqualTo(new VaultRekeyJob.Outcome(0, 0, 0, 0)); // idempotent
    assertThat(metrics.get("vault.cards.rekeyed").counter().count()).isEqualTo(60.0);
    assertThat(metrics.get("vault.cards.pending.rekey").gauge().value()).isZero();

    List<Row> rows = rows();
    assertThat(rows).hasSizeGreaterThanOrEqualTo(60).allMatch(r -> r.card().keyId().equals("new"));
    for (Row r : rows) {
      String pan = panByToken.get(r.merchant() + "/" + r.card().token());
      if (pan != null) {
        // the old key can now be dropped from the configuration
        assertThat(newOnly.open(r.merchant(), r.card())).isEqualTo(pan);
      }
    }
  }

  @Test
  void liveTokenizationAlongsideARunKeepsEveryRowReadable() throws Exception {
    String merchant = newMerchant();
    for (int i = 0; i < 60; i++) {
      tokenize(merchant, i, oldVault);
    }
    VaultRekeyJob job = new VaultRekeyJob(rotated, store, 5, 100, new SimpleMeterRegistry());
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      // the API re-tokenizes half the cards (new key, new expiry) while the job runs
      Future<?> live =
          pool.submit(
              () -> {
                for (int i = 0; i < 60; i += 2) {
                  tokenize(merchant, i, rotated, 2031);
                }
                return null;
              });
      Future<VaultRekeyJob.Outcome> run = pool.submit(job::runOnce);
      live.get();
      VaultRekeyJob.Outcome outcome = run.get();
      assertThat(outcome.failed()).isZero();
    } finally {
      pool.shutdownNow();
    }
    job.runOnce(); // whatever the race left (nothing, or rows it found changed)
    assertThat(store.countNotUnder("new")).isZero();
    for (Row r : rows()) {
      if (r.merchant().equals(merchant)) {
        int i = Integer.parseInt(r.card().token().substring(r.card().token().lastIndexOf('_') + 1));
        assertThat(newOnly.open(merchant, r.card())).isEqualTo(pan(i));
        // a re-tokenized card keeps the expiry the live request stored
        assertThat(r.card().expYear()).isEqualTo(i % 2 == 0 ? 2031 : 2030);
      }
    }
  }

  @Test
  void aRowWhoseKeyIsGoneIsSkippedAndCountedWithoutStoppingTheRun() throws Exception {
    String merchant = newMerchant();
    CardVault retired =
        CardVault.fromConfig("retired:" + CardVaultTest.newKey(), new SecureRandom());
    tokenize(merchant, 1, retired);
    tokenize(merchant, 2, oldVault);
    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    VaultRekeyJob job = new VaultRekeyJob(rotated, store, 1, 100, metrics);

    VaultRekeyJob.Outcome outcome = job.runOnce();

    assertThat(outcome.failed()).isEqualTo(1);
    assertThat(outcome.remaining()).isEqualTo(1);
    assertThat(metrics.get("vault.cards.rekey.failed").counter().count()).isEqualTo(1.0);
    assertThat(rows())
        .filteredOn(r -> r.merchant().equals(merchant))
        .extracting(r -> r.card().keyId())
        .containsExactlyInAnyOrder("retired", "new");
    // leave nothing behind for the other cases' counts
    deleteCards(merchant, "retired");
  }

  private static String newMerchant() {
    String merchant = "m-" + UUID.randomUUID();
    admin.createMerchant(merchant, merchant);
    return merchant;
  }

  /** A Luhn-valid 16-digit PAN per index. */
  static String pan(int i) {
    String body = String.format(Locale.ROOT, "411111%09d", i);
    int sum = 0;
    for (int k = 0; k < body.length(); k++) {
      int d = body.charAt(body.length() - 1 - k) - '0';
      if (k % 2 == 0) {
        d *= 2;
        if (d > 9) {
          d -= 9;
        }
      }
      sum += d;
    }
    return body + ((10 - sum % 10) % 10);
  }

  private static String tokenize(String merchant, int i, CardVault vault) {
    return tokenize(merchant, i, vault, 2030);
  }

  /** Stores card i for the merchant through the API's write path (vault.store_card). */
  private static String tokenize(String merchant, int i, CardVault vault, int expYear) {
    String pan = pan(i);
    CardToken token = new CardToken("tok_card_" + i, pan.substring(12));
    VaultCard sealed = vault.seal(merchant, token, new CardDetails(pan, 12, expYear), "visa");
    TokenizeResult result =
        ledger.tokenize(
            new TokenizeRequest(merchant, UUID.randomUUID().toString(), new byte[] {1}, sealed),
            card -> new StoredResponse(201, "{}"));
    assertThat(result).isInstanceOf(TokenizeResult.Stored.class);
    return token.token();
  }

  record Row(String merchant, VaultCard card) {}

  /** Every vault row, read as the owner (the application role cannot). */
  private static List<Row> rows() throws SQLException {
    List<Row> rows = new ArrayList<>();
    try (Connection c = db.owner().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT merchant_id, token, key_id, nonce, ciphertext, last4, brand, exp_month, exp_year"
                    + " FROM vault.card");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        rows.add(
            new Row(
                rs.getString(1),
                new VaultCard(
                    rs.getString(2),
                    rs.getString(3),
                    rs.getBytes(4),
                    rs.getBytes(5),
                    rs.getString(6),
                    rs.getString(7),
                    rs.getInt(8),
                    rs.getInt(9))));
      }
    }
    return rows;
  }

  private static void deleteCards(String merchant, String keyId) throws SQLException {
    try (Connection c = db.owner().getConnection();
        PreparedStatement ps =
            c.prepareStatement("DELETE FROM vault.card WHERE merchant_id = ? AND key_id = ?")) {
      ps.setString(1, merchant);
      ps.setString(2, keyId);
      ps.executeUpdate();
    }
  }
}
