package io.settleflow.ledger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The database side of re-encrypting vault rows after a key rotation (ledger-db V6), as the
 * application role: pages of rows not under the current key, and a compare-and-swap of their
 * ciphertexts. Each call is its own short transaction, so a run can stop anywhere and the next one
 * resumes with whatever is still under an old key.
 */
public final class VaultRekeyStore {
  /** Largest page or swap one call handles (the SQL functions' own limit). */
  public static final int MAX_BATCH_ROWS = 1_000;

  private final DataSource app;

  /**
   * @param app connections as {@code settleflow_app}
   */
  public VaultRekeyStore(DataSource app) {
    this.app = app;
  }

  /**
   * At most {@code limit} rows whose key is not {@code currentKeyId}, in (merchant, token) order
   * after {@code after} (empty: from the start).
   */
  public List<VaultCiphertext> cardsToRekey(
      String currentKeyId, Optional<VaultCiphertext> after, int limit) {
    checkLimit(limit);
    try (Connection c = app.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT merchant_id, token, key_id, nonce, ciphertext FROM vault.cards_to_rekey(?, ?, ?, ?)")) {
      ps.setString(1, currentKeyId);
      ps.setString(2, after.map(VaultCiphertext::merchantId).orElse(null));
      ps.setString(3, after.map(VaultCiphertext::token).orElse(null));
      ps.setInt(4, limit);
      List<VaultCiphertext> rows = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rows.add(
              new VaultCiphertext(
                  rs.getString(1),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getBytes(4),
                  rs.getBytes(5)));
        }
      }
      return rows;
    } catch (SQLException e) {
      throw new LedgerException("cannot read vault rows to re-encrypt: " + e.getMessage(), e);
    }
  }

  /**
   * Stores each resealed row in place of the row it was read as, unless that row changed since
   * (then the newer row stays). All resealed rows must carry one key id. Returns how many rows
   * changed.
   */
  public int replace(List<VaultCiphertext> read, List<VaultCiphertext> resealed) {
    if (read.size() != resealed.size()) {
      throw new IllegalArgumentException("read and resealed must have the same size");
    }
    if (resealed.isEmpty()) {
      return 0;
    }
    checkLimit(resealed.size());
    String keyId = resealed.get(0).keyId();
    int n = resealed.size();
    String[] merchants = new String[n];
    String[] tokens = new String[n];
    byte[][] oldNonces = new byte[n][];
    byte[][] nonces = new byte[n][];
    byte[][] ciphertexts = new byte[n][];
    for (int i = 0; i < n; i++) {
      VaultCiphertext before = read.get(i);
      VaultCiphertext after = resealed.get(i);
      if (!before.sameCard(after) || !after.keyId().equals(keyId)) {
        throw new IllegalArgumentException(
            "resealed row " + i + " must be the same card under key " + keyId);
      }
      merchants[i] = before.merchantId();
      tokens[i] = before.token();
      oldNonces[i] = before.nonce();
      nonces[i] = after.nonce();
      ciphertexts[i] = after.ciphertext();
    }
    try (Connection c = app.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT vault.rekey_cards(?, ?, ?, ?, ?, ?)")) {
      ps.setArray(1, c.createArrayOf("text", merchants));
      ps.setArray(2, c.createArrayOf("text", tokens));
      ps.setArray(3, c.createArrayOf("bytea", oldNonces));
      ps.setString(4, keyId);
      ps.setArray(5, c.createArrayOf("bytea", nonces));
      ps.setArray(6, c.createArrayOf("bytea", ciphertexts));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    } catch (SQLException e) {
      throw new LedgerException("cannot store re-encrypted vault rows: " + e.getMessage(), e);
    }
  }

  /** How many vault rows (all merchants) are under another key than {@code keyId}. */
  public long countNotUnder(String keyId) {
    try (Connection c = app.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT vault.cards_not_under_key(?)")) {
      ps.setString(1, keyId);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw new LedgerException("cannot count vault rows under old keys: " + e.getMessage(), e);
    }
  }

  private static void checkLimit(int limit) {
    if (limit < 1 || limit > MAX_BATCH_ROWS) {
      throw new IllegalArgumentException(
          "batch rows must be 1.." + MAX_BATCH_ROWS + ", was " + limit);
    }
  }
}
