package io.settleflow.ledger;

import io.settleflow.avro.PaymentEvent;
import io.settleflow.avro.PaymentEventType;
import io.settleflow.schemas.Topics;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import javax.sql.DataSource;

/**
 * The one entry point to the ledger for the application role. Each call is one transaction bound
 * to one merchant ({@code settleflow.merchant_id}), so row-level security holds whatever the SQL.
 *
 * <p>The authorize path only inserts (plus the update of its own idempotency row): no balance
 * column is updated, so concurrent payments never wait on a shared row (see DESIGN traps).
 */
public final class PaymentLedger {
  /** How long a request waits for another request holding the same idempotency key. */
  public static final Duration DEFAULT_KEY_WAIT = Duration.ofSeconds(5);
  /** Health checks give up after this long. */
  public static final int HEALTH_TIMEOUT_SECONDS = 2;
  public static final String EVENT_AUTHORIZED = "AUTHORIZED";

  private static final String LOCK_NOT_AVAILABLE = "55P03";
  private static final String TX_AUTHORIZE = "AUTHORIZE";

  private final DataSource app;
  private final Clock clock;
  private final Duration keyWait;

  /** @param app connections as {@code settleflow_app} (never the owner: it would bypass RLS) */
  public PaymentLedger(DataSource app, Clock clock) {
    this(app, clock, DEFAULT_KEY_WAIT);
  }

  public PaymentLedger(DataSource app, Clock clock, Duration keyWait) {
    if (keyWait.isNegative() || keyWait.isZero()) {
      throw new IllegalArgumentException("keyWait must be positive");
    }
    this.app = app;
    this.clock = clock;
    this.keyWait = keyWait;
  }

  /**
   * Authorizes a payment in one transaction: claims the idempotency key, books the balanced
   * entries, writes the outbox event and stores the response. A key seen before returns its stored
   * response (same request), or a conflict result; either way nothing more is written.
   *
   * @param encoder turns the event into the outbox payload (Confluent wire format)
   * @param renderer the response to store for the created payment and return on replays
   */
  public AuthorizeResult authorize(
      AuthorizeRequest request,
      Function<PaymentEvent, byte[]> encoder,
      Function<Payment, StoredResponse> renderer) {
    Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    try (Connection c = app.getConnection()) {
      c.setAutoCommit(false);
      try {
        AuthorizeResult result = authorizeInTransaction(c, request, now, encoder, renderer);
        if (result instanceof AuthorizeResult.Created) {
          c.commit();
        } else {
          c.rollback();
        }
        return result;
      } catch (SQLException | RuntimeException e) {
        rollbackQuietly(c, e);
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    } catch (SQLException e) {
      if (LOCK_NOT_AVAILABLE.equals(e.getSQLState())) {
        return new AuthorizeResult.InFlight();
      }
      throw new LedgerException(
          "cannot authorize a payment for merchant " + request.merchantId() + ": " + e.getMessage(), e);
    }
  }

  private AuthorizeResult authorizeInTransaction(
      Connection c,
      AuthorizeRequest request,
      Instant now,
      Function<PaymentEvent, byte[]> encoder,
      Function<Payment, StoredResponse> renderer)
      throws SQLException {
    String merchantId = request.merchantId();
    bindMerchant(c, merchantId, keyWait);
    if (!claimIdempotencyKey(c, request, now)) {
      return outcomeForExistingKey(c, request);
    }
    List<Posting> postings = LedgerPostings.authorize(request.amountMinor(), request.currency());
    ensureAccounts(c, merchantId, postings, now);
    Payment payment =
        new Payment(
            merchantId,
            UUID.randomUUID(),
            PaymentStatus.AUTHORIZED,
            request.amountMinor(),
            request.currency(),
            request.reference(),
            request.cardToken(),
            request.cardLast4(),
            now);
    insertPayment(c, payment);
    UUID txId = UUID.randomUUID();
    insertTransaction(c, merchantId, txId, payment.paymentId(), now);
    insertEntries(c, merchantId, txId, postings, now);
    UUID eventId = UUID.randomUUID();
    byte[] payload = encoder.apply(authorizedEvent(eventId, payment));
    insertOutbox(c, merchantId, eventId, payment.paymentId(), payload, now);
    StoredResponse response = renderer.apply(payment);
    storeResponse(c, request, response);
    return new AuthorizeResult.Created(payment, response);
  }

  /** The payment, if it exists and belongs to the merchant (RLS hides everyone else's). */
  public Optional<Payment> findPayment(String merchantId, UUID paymentId) {
    try (Connection c = app.getConnection()) {
      c.setAutoCommit(false);
      c.setReadOnly(true);
      try {
        bindMerchant(c, merchantId, keyWait);
        Optional<Payment> payment = selectPayment(c, merchantId, paymentId);
        c.commit();
        return payment;
      } catch (SQLException | RuntimeException e) {
        rollbackQuietly(c, e);
        throw e;
      } finally {
        c.setReadOnly(false);
        c.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw new LedgerException("cannot read payment " + paymentId + ": " + e.getMessage(), e);
    }
  }

  /** The merchant owning an unrevoked API key with this SHA-256, if any. */
  public Optional<String> authenticate(byte[] apiKeyHash) {
    try (Connection c = app.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT ledger.merchant_for_api_key(?)")) {
      ps.setBytes(1, apiKeyHash);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return Optional.ofNullable(rs.getString(1));
      }
    } catch (SQLException e) {
      throw new LedgerException("cannot look up an API key: " + e.getMessage(), e);
    }
  }

  /** Whether the database answers now (for /health). */
  public boolean databaseAnswers() {
    try (Connection c = app.getConnection()) {
      return c.isValid(HEALTH_TIMEOUT_SECONDS);
    } catch (SQLException e) {
      return false;
    }
  }

  static PaymentEvent authorizedEvent(UUID eventId, Payment payment) {
    return PaymentEvent.newBuilder()
        .setEventId(eventId.toString())
        .setEventType(PaymentEventType.AUTHORIZED)
        .setPaymentId(payment.paymentId().toString())
        .setMerchantId(payment.merchantId())
        .setAmountMinor(payment.amountMinor())
        .setCurrency(payment.currency())
        .setReference(payment.reference())
        .setCardToken(payment.cardToken())
        .setCardLast4(payment.cardLast4())
        .setOccurredAt(payment.createdAt())
        .build();
  }

  private static void bindMerchant(Connection c, String merchantId, Duration keyWait)
      throws SQLException {
    // Transaction-local (third argument true): a pooled connection never carries a merchant over.
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT set_config('settleflow.merchant_id', ?, true), set_config('lock_timeout', ?, true)")) {
      ps.setString(1, merchantId);
      ps.setString(2, Long.toString(keyWait.toMillis()));
      ps.executeQuery().close();
    }
  }

  /** True when this transaction now holds the key; false when a committed row already had it. */
  private static boolean claimIdempotencyKey(Connection c, AuthorizeRequest request, Instant now)
      throws SQLException {
    // A concurrent holder makes this wait (up to lock_timeout) until it commits or rolls back.
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO ledger.idempotency_keys (merchant_id, idempotency_key, request_hash, created_at)"
                + " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
      ps.setString(1, request.merchantId());
      ps.setString(2, request.idempotencyKey());
      ps.setBytes(3, request.requestHash());
      ps.setObject(4, timestamp(now));
      return ps.executeUpdate() == 1;
    }
  }

  private static AuthorizeResult outcomeForExistingKey(Connection c, AuthorizeRequest request)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT request_hash, response_status, response_body FROM ledger.idempotency_keys"
                + " WHERE merchant_id = ? AND idempotency_key = ?")) {
      ps.setString(1, request.merchantId());
      ps.setString(2, request.idempotencyKey());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          // Purged between our insert and this read: the client's retry will claim it afresh.
          return new AuthorizeResult.InFlight();
        }
        if (!MessageDigest.isEqual(rs.getBytes(1), request.requestHash())) {
          return new AuthorizeResult.KeyReusedWithDifferentRequest();
        }
        int status = rs.getInt(2);
        if (rs.wasNull()) {
          return new AuthorizeResult.InFlight();
        }
        return new AuthorizeResult.Replayed(new StoredResponse(status, rs.getString(3)));
      }
    }
  }

  private static void ensureAccounts(
      Connection c, String merchantId, List<Posting> postings, Instant now) throws SQLException {
    // Insert-only: a merchant's sub-accounts are created by its first payment in a currency;
    // a repeated account in one batch is harmless (ON CONFLICT DO NOTHING).
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO ledger.accounts (merchant_id, account_code, currency, kind, created_at)"
                + " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
      for (Posting p : postings) {
        ps.setString(1, merchantId);
        ps.setString(2, p.account().code());
        ps.setString(3, p.currency());
        ps.setString(4, p.account().kind().name());
        ps.setObject(5, timestamp(now));
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  private static void insertPayment(Connection c, Payment p) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO ledger.payments (merchant_id, payment_id, status, amount_minor, currency,"
                + " reference, card_token, card_last4, created_at, updated_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      ps.setString(1, p.merchantId());
      ps.setObject(2, p.paymentId());
      ps.setString(3, p.status().name());
      ps.setLong(4, p.amountMinor());
      ps.setString(5, p.currency());
      ps.setString(6, p.reference());
      ps.setString(7, p.cardToken());
      ps.setString(8, p.cardLast4());
      ps.setObject(9, timestamp(p.createdAt()));
      ps.setObject(10, timestamp(p.createdAt()));
      ps.executeUpdate();
    }
  }

  private static void insertTransaction(
      Connection c, String merchantId, UUID txId, UUID paymentId, Instant now) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO ledger.ledger_transactions (merchant_id, tx_id, payment_id, kind, created_at)"
                + " VALUES (?, ?, ?, ?, ?)")) {
      ps.setString(1, merchantId);
      ps.setObject(2, txId);
      ps.setObject(3, paymentId);
      ps.setString(4, TX_AUTHORIZE);
      ps.setObject(5, timestamp(now));
      ps.executeUpdate();
    }
  }

  private static void insertEntries(
      Connection c, String merchantId, UUID txId, List<Posting> postings, Instant now)
      throws SQLException {
    if (!LedgerPostings.isBalanced(postings)) {
      // The database checks this again at COMMIT; failing here names the code path.
      throw new IllegalStateException("unbalanced postings " + postings);
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO ledger.ledger_entries (merchant_id, tx_id, account_code, currency, amount_minor, created_at)"
                + " VALUES (?, ?, ?, ?, ?, ?)")) {
      for (Posting p : postings) {
        ps.setString(1, merchantId);
        ps.setObject(2, txId);
        ps.setString(3, p.account().code());
        ps.setString(4, p.currency());
        ps.setLong(5, p.amountMinor());
        ps.setObject(6, timestamp(now));
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  private static void insertOutbox(
      Connection c, String merchantId, UUID eventId, UUID paymentId, byte[] payload, Instant now)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO ledger.outbox (merchant_id, id, aggregatetype, aggregateid, type, payload, created_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      ps.setString(1, merchantId);
      ps.setObject(2, eventId);
      ps.setString(3, Topics.PAYMENTS_AUTHORIZED);
      ps.setString(4, paymentId.toString());
      ps.setString(5, EVENT_AUTHORIZED);
      ps.setBytes(6, payload);
      ps.setObject(7, timestamp(now));
      ps.executeUpdate();
    }
  }

  private static void storeResponse(Connection c, AuthorizeRequest request, StoredResponse response)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE ledger.idempotency_keys SET response_status = ?, response_body = ?"
                + " WHERE merchant_id = ? AND idempotency_key = ?")) {
      ps.setInt(1, response.status());
      ps.setString(2, response.body());
      ps.setString(3, request.merchantId());
      ps.setString(4, request.idempotencyKey());
      if (ps.executeUpdate() != 1) {
        throw new IllegalStateException("the idempotency row this transaction claimed is gone");
      }
    }
  }

  private static Optional<Payment> selectPayment(Connection c, String merchantId, UUID paymentId)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT status, amount_minor, currency, reference, card_token, card_last4, created_at"
                + " FROM ledger.payments WHERE merchant_id = ? AND payment_id = ?")) {
      ps.setString(1, merchantId);
      ps.setObject(2, paymentId);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(
            new Payment(
                merchantId,
                paymentId,
                PaymentStatus.valueOf(rs.getString(1)),
                rs.getLong(2),
                rs.getString(3),
                rs.getString(4),
                rs.getString(5),
                rs.getString(6),
                rs.getObject(7, OffsetDateTime.class).toInstant()));
      }
    }
  }

  static OffsetDateTime timestamp(Instant instant) {
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }

  private static void rollbackQuietly(Connection c, Exception cause) {
    try {
      c.rollback();
    } catch (SQLException e) {
      // The original failure matters more; the pool discards a connection that cannot roll back.
      cause.addSuppressed(e);
    }
  }
}
