package io.settleflow.ledger;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HexFormat;
import javax.sql.DataSource;

/**
 * Merchant onboarding for operators, the launcher and the demo. Runs as the schema owner (which
 * bypasses row-level security), never on the request path.
 */
public final class MerchantAdmin {
  /** How long idempotency keys are kept (DESIGN: 24 h). */
  public static final Duration IDEMPOTENCY_RETENTION = Duration.ofHours(24);

  /** Rows one purge statement deletes at most, so no purge holds locks or WAL for long. */
  public static final int PURGE_BATCH_ROWS = 1_000;

  private static final int KEY_ID_BYTES = 8;

  private final DataSource owner;
  private final Clock clock;
  private final SecureRandom random;

  public MerchantAdmin(DataSource owner, Clock clock) {
    this(owner, clock, new SecureRandom());
  }

  public MerchantAdmin(DataSource owner, Clock clock, SecureRandom random) {
    this.owner = owner;
    this.clock = clock;
    this.random = random;
  }

  /** Creates the merchant unless it exists; returns whether it was created now. */
  public boolean createMerchant(String merchantId, String name) {
    try (Connection c = owner.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO ledger.merchants (merchant_id, name, created_at) VALUES (?, ?, ?)"
                    + " ON CONFLICT (merchant_id) DO NOTHING")) {
      ps.setString(1, merchantId);
      ps.setString(2, name);
      ps.setObject(3, PaymentLedger.timestamp(clock.instant()));
      return ps.executeUpdate() == 1;
    } catch (SQLException e) {
      throw new LedgerException("cannot create merchant " + merchantId + ": " + e.getMessage(), e);
    }
  }

  /** Issues a new API key and returns it; this is the only time the plaintext exists. */
  public String issueApiKey(String merchantId) {
    String key = ApiKeys.generate(random);
    byte[] keyId = new byte[KEY_ID_BYTES];
    random.nextBytes(keyId);
    try (Connection c = owner.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO ledger.api_keys (merchant_id, key_id, key_hash, created_at) VALUES (?, ?, ?, ?)")) {
      ps.setString(1, merchantId);
      ps.setString(2, "key_" + HexFormat.of().formatHex(keyId));
      ps.setBytes(3, ApiKeys.hash(key));
      ps.setObject(4, PaymentLedger.timestamp(clock.instant()));
      ps.executeUpdate();
      return key;
    } catch (SQLException e) {
      throw new LedgerException(
          "cannot issue an API key for merchant " + merchantId + ": " + e.getMessage(), e);
    }
  }

  /** Revokes every key of the merchant; returns how many were active. */
  public int revokeApiKeys(String merchantId) {
    try (Connection c = owner.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "UPDATE ledger.api_keys SET revoked_at = ? WHERE merchant_id = ? AND revoked_at IS NULL")) {
      ps.setObject(1, PaymentLedger.timestamp(clock.instant()));
      ps.setString(2, merchantId);
      return ps.executeUpdate();
    } catch (SQLException e) {
      throw new LedgerException(
          "cannot revoke the API keys of merchant " + merchantId + ": " + e.getMessage(), e);
    }
  }

  /**
   * Deletes idempotency keys older than the retention, in batches of {@link #PURGE_BATCH_ROWS}
   * (each its own short transaction), until a batch comes back short. Returns how many.
   */
  public int purgeExpiredIdempotencyKeys() {
    OffsetDateTime cutoff = PaymentLedger.timestamp(clock.instant().minus(IDEMPOTENCY_RETENTION));
    int purged = 0;
    try (Connection c = owner.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT ledger.purge_idempotency_keys(?, ?)")) {
      int batch;
      do {
        ps.setObject(1, cutoff);
        ps.setInt(2, PURGE_BATCH_ROWS);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          batch = rs.getInt(1);
        }
        purged += batch;
      } while (batch == PURGE_BATCH_ROWS);
      return purged;
    } catch (SQLException e) {
      throw new LedgerException("cannot purge idempotency keys: " + e.getMessage(), e);
    }
  }
}
