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
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;
import javax.sql.DataSource;

/**
 * The one entry point to the ledger for the application role. Each call is one transaction bound to
 * one merchant ({@code settleflow.merchant_id}), so row-level security holds whatever the SQL.
 *
 * <p>The authorize path only inserts (plus the update of its own idempotency row): no balance
 * column is updated, so concurrent payments never wait on a shared row (see DESIGN traps).
 * Captures, refunds and cancels also update their own payment row, under {@code FOR UPDATE}, so
 * concurrent movements on one payment run one after the other and cannot overdraw it.
 */
public final class PaymentLedger {
  /** How long a request waits for another request holding the same idempotency key. */
  public static final Duration DEFAULT_KEY_WAIT = Duration.ofSeconds(5);

  /** Health checks give up after this long. */
  public static final int HEALTH_TIMEOUT_SECONDS = 2;

  /** The last migration this code needs (V6: vault re-encryption after a key rotation). */
  public static final int SCHEMA_VERSION = 6;

  public static final String EVENT_AUTHORIZED = "AUTHORIZED";

  private static final String LOCK_NOT_AVAILABLE = "55P03";
  private static final String TX_AUTHORIZE = "AUTHORIZE";

  /**
   * Largest batch one {@link #purgeIdempotencyKeys} call deletes (the SQL function's own limit).
   */
  public static final int MAX_PURGE_BATCH_ROWS = 10_000;

  private final DataSource app;
  private final Clock clock;
  private final Duration keyWait;

  /**
   * @param app connections as {@code settleflow_app} (never the owner: it would bypass RLS)
   */
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
    try {
      return inTransaction(
          c -> authorizeInTransaction(c, request, now, encoder, renderer),
          result -> result instanceof AuthorizeResult.Created);
    } catch (SQLException e) {
      if (LOCK_NOT_AVAILABLE.equals(e.getSQLState())) {
        return new AuthorizeResult.InFlight();
      }
      throw new LedgerException(
          "cannot authorize a payment for merchant " + request.merchantId() + ": " + e.getMessage(),
          e);
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
    if (!claimIdempotencyKey(c, merchantId, request.idempotencyKey(), request.requestHash(), now)) {
      KeyState key = existingKey(c, merchantId, request.idempotencyKey(), request.requestHash());
      if (key instanceof KeyState.Replay replay) {
        return new AuthorizeResult.Replayed(replay.response());
      }
      return key instanceof KeyState.DifferentRequest
          ? new AuthorizeResult.KeyReusedWithDifferentRequest()
          : new AuthorizeResult.InFlight();
    }
    Optional<CardOnFile> card = cardForToken(c, request.cardToken());
    if (card.isEmpty()) {
      return new AuthorizeResult.UnknownCardToken();
    }
    // A card is valid through the last day of its expiry month (UTC).
    if (YearMonth.of(card.get().expYear(), card.get().expMonth())
        .isBefore(YearMonth.from(now.atOffset(ZoneOffset.UTC)))) {
      return new AuthorizeResult.CardExpired(card.get().expMonth(), card.get().expYear());
    }
    List<Posting> postings = LedgerPostings.authorize(request.amountMinor(), request.currency());
    ensureAccounts(c, merchantId, postings, now);
    Payment payment =
        new Payment(
            merchantId,
            UUID.randomUUID(),
            PaymentStatus.AUTHORIZED,
            request.amountMinor(),
            0,
            0,
            request.currency(),
            request.reference(),
            request.cardToken(),
            card.get().last4(),
            now);
    insertPayment(c, payment);
    UUID txId = UUID.randomUUID();
    insertTransaction(c, merchantId, txId, payment.paymentId(), TX_AUTHORIZE, now);
    insertEntries(c, merchantId, txId, postings, now);
    UUID eventId = UUID.randomUUID();
    byte[] payload = encoder.apply(authorizedEvent(eventId, payment));
    insertOutbox(
        c,
        merchantId,
        eventId,
        Topics.PAYMENTS_AUTHORIZED,
        EVENT_AUTHORIZED,
        payment.paymentId(),
        payload,
        now);
    StoredResponse response = renderer.apply(payment);
    storeResponse(c, merchantId, request.idempotencyKey(), response);
    return new AuthorizeResult.Created(payment, response);
  }

  /**
   * Stores a card in the vault (through {@code vault.store_card}: this role cannot touch the table)
   * under an idempotency key, in one transaction with the key's stored response. A token the
   * merchant already holds is re-encrypted with the card's key and expiry.
   *
   * @param renderer the response to store and return on replays
   */
  public TokenizeResult tokenize(
      TokenizeRequest request, Function<VaultCard, StoredResponse> renderer) {
    Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    try {
      return inTransaction(
          c -> tokenizeInTransaction(c, request, now, renderer),
          result -> result instanceof TokenizeResult.Stored);
    } catch (SQLException e) {
      if (LOCK_NOT_AVAILABLE.equals(e.getSQLState())) {
        return new TokenizeResult.InFlight();
      }
      throw new LedgerException(
          "cannot tokenize a card for merchant " + request.merchantId() + ": " + e.getMessage(), e);
    }
  }

  private TokenizeResult tokenizeInTransaction(
      Connection c,
      TokenizeRequest request,
      Instant now,
      Function<VaultCard, StoredResponse> renderer)
      throws SQLException {
    String merchantId = request.merchantId();
    bindMerchant(c, merchantId, keyWait);
    if (!claimIdempotencyKey(c, merchantId, request.idempotencyKey(), request.requestHash(), now)) {
      KeyState key = existingKey(c, merchantId, request.idempotencyKey(), request.requestHash());
      if (key instanceof KeyState.Replay replay) {
        return new TokenizeResult.Replayed(replay.response());
      }
      return key instanceof KeyState.DifferentRequest
          ? new TokenizeResult.KeyReusedWithDifferentRequest()
          : new TokenizeResult.InFlight();
    }
    VaultCard card = request.card();
    try (PreparedStatement ps =
        c.prepareStatement("SELECT vault.store_card(?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      ps.setString(1, card.token());
      ps.setString(2, card.keyId());
      ps.setBytes(3, card.nonce());
      ps.setBytes(4, card.ciphertext());
      ps.setString(5, card.last4());
      ps.setString(6, card.brand());
      ps.setInt(7, card.expMonth());
      ps.setInt(8, card.expYear());
      ps.setObject(9, timestamp(now));
      ps.executeQuery().close();
    }
    StoredResponse response = renderer.apply(card);
    storeResponse(c, merchantId, request.idempotencyKey(), response);
    return new TokenizeResult.Stored(response);
  }

  /** What a payment may know of a vault card: never the ciphertext. */
  private record CardOnFile(String last4, int expMonth, int expYear) {}

  private static Optional<CardOnFile> cardForToken(Connection c, String token) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT last4, exp_month, exp_year FROM vault.card_for_token(?)")) {
      ps.setString(1, token);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next()
            ? Optional.of(new CardOnFile(rs.getString(1), rs.getInt(2), rs.getInt(3)))
            : Optional.empty();
      }
    }
  }

  /**
   * Whether the schema has every migration up to {@code version} applied successfully (readiness:
   * code that needs V3 must not serve against a V2 database).
   */
  public boolean schemaAtLeast(int version) {
    try (Connection c = app.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT count(*) FILTER (WHERE NOT success), count(*) FILTER (WHERE success AND version = ?)"
                    + " FROM ledger.flyway_schema_history")) {
      ps.setString(1, Integer.toString(version));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1) == 0 && rs.getLong(2) == 1;
      }
    } catch (SQLException e) {
      return false;
    }
  }

  /**
   * Captures, refunds or cancels a payment in one transaction: claims the idempotency key, locks
   * the payment row, checks the movement against its state ({@link PaymentLifecycle}), updates the
   * row, books the balanced entries, writes the outbox event and stores the response. Anything but
   * {@link MovementResult.Applied} rolls back, the key included, so nothing is written.
   *
   * @param encoder turns (topic, event) into the outbox payload (Confluent wire format)
   * @param renderer the response to store for the payment after the movement
   */
  public MovementResult move(
      MovementRequest request,
      BiFunction<String, PaymentEvent, byte[]> encoder,
      Function<Payment, StoredResponse> renderer) {
    Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    try {
      return inTransaction(
          c -> moveInTransaction(c, request, now, encoder, renderer),
          result -> result instanceof MovementResult.Applied);
    } catch (PaymentLocked e) {
      return new MovementResult.PaymentBusy(); // already rolled back
    } catch (SQLException e) {
      if (LOCK_NOT_AVAILABLE.equals(e.getSQLState())) {
        return new MovementResult.InFlight();
      }
      throw new LedgerException(
          "cannot "
              + request.movement().name().toLowerCase(Locale.ROOT)
              + " payment "
              + request.paymentId()
              + " of merchant "
              + request.merchantId()
              + ": "
              + e.getMessage(),
          e);
    }
  }

  private MovementResult moveInTransaction(
      Connection c,
      MovementRequest request,
      Instant now,
      BiFunction<String, PaymentEvent, byte[]> encoder,
      Function<Payment, StoredResponse> renderer)
      throws SQLException {
    String merchantId = request.merchantId();
    bindMerchant(c, merchantId, keyWait);
    if (!claimIdempotencyKey(c, merchantId, request.idempotencyKey(), request.requestHash(), now)) {
      KeyState key = existingKey(c, merchantId, request.idempotencyKey(), request.requestHash());
      if (key instanceof KeyState.Replay replay) {
        return new MovementResult.Replayed(replay.response());
      }
      return key instanceof KeyState.DifferentRequest
          ? new MovementResult.KeyReusedWithDifferentRequest()
          : new MovementResult.InFlight();
    }
    Optional<Payment> locked = lockPayment(c, merchantId, request.paymentId());
    if (locked.isEmpty()) {
      return new MovementResult.NotFound();
    }
    PaymentMovement movement = request.movement();
    PaymentLifecycle.Transition transition =
        PaymentLifecycle.apply(locked.get(), movement, request.amountMinor());
    if (transition instanceof PaymentLifecycle.Refused refused) {
      return new MovementResult.Refused(refused.code(), refused.detail());
    }
    PaymentLifecycle.Allowed allowed = (PaymentLifecycle.Allowed) transition;
    Payment after = allowed.after();
    ensureAccounts(c, merchantId, allowed.postings(), now);
    updatePayment(c, after, now);
    UUID txId = UUID.randomUUID();
    insertTransaction(c, merchantId, txId, after.paymentId(), movement.transactionKind(), now);
    insertEntries(c, merchantId, txId, allowed.postings(), now);
    UUID eventId = UUID.randomUUID();
    byte[] payload =
        encoder.apply(
            movement.topic(), movementEvent(eventId, movement, after, allowed.movedMinor(), now));
    insertOutbox(
        c,
        merchantId,
        eventId,
        movement.topic(),
        movement.eventType().name(),
        after.paymentId(),
        payload,
        now);
    StoredResponse response = renderer.apply(after);
    storeResponse(c, merchantId, request.idempotencyKey(), response);
    return new MovementResult.Applied(after, allowed.movedMinor(), response);
  }

  /** A page of the merchant's payments, newest first (keyset pagination on created_at, id). */
  public PaymentPage listPayments(PaymentQuery query) {
    StringBuilder sql =
        new StringBuilder(
            "SELECT payment_id, status, amount_minor, captured_minor, refunded_minor, currency, reference,"
                + " card_token, card_last4, created_at FROM ledger.payments WHERE merchant_id = ?");
    List<Object> args = new ArrayList<>();
    args.add(query.merchantId());
    if (query.status() != null) {
      sql.append(" AND status = ?");
      args.add(query.status().name());
    }
    if (query.createdFrom() != null) {
      sql.append(" AND created_at >= ?");
      args.add(timestamp(query.createdFrom()));
    }
    if (query.createdBefore() != null) {
      sql.append(" AND created_at < ?");
      args.add(timestamp(query.createdBefore()));
    }
    if (query.after() != null) {
      sql.append(" AND (created_at, payment_id) < (?, ?)");
      args.add(timestamp(query.after().createdAt()));
      args.add(query.after().paymentId());
    }
    // One row more than the page tells whether another page follows.
    sql.append(" ORDER BY created_at DESC, payment_id DESC LIMIT ?");
    args.add(query.limit() + 1);
    return inReadTransaction(
        query.merchantId(),
        "list payments",
        c -> {
          List<Payment> payments = new ArrayList<>();
          try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < args.size(); i++) {
              ps.setObject(i + 1, args.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                payments.add(paymentFrom(query.merchantId(), rs.getObject(1, UUID.class), rs, 2));
              }
            }
          }
          if (payments.size() <= query.limit()) {
            return new PaymentPage(payments, Optional.empty());
          }
          List<Payment> page = List.copyOf(payments.subList(0, query.limit()));
          Payment last = page.get(page.size() - 1);
          return new PaymentPage(
              page, Optional.of(new PaymentQuery.PageKey(last.createdAt(), last.paymentId())));
        });
  }

  /** The merchant's balances per currency, summed from its ledger entries. */
  public List<CurrencyBalance> balances(String merchantId) {
    return inReadTransaction(
        merchantId,
        "read balances",
        c -> {
          Map<String, Map<Account, Long>> sums = new TreeMap<>();
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT currency, account_code, sum(amount_minor) FROM ledger.ledger_entries"
                      + " WHERE merchant_id = ? GROUP BY currency, account_code")) {
            ps.setString(1, merchantId);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                sums.computeIfAbsent(rs.getString(1), k -> new EnumMap<>(Account.class))
                    .put(Account.ofCode(rs.getString(2)), rs.getBigDecimal(3).longValueExact());
              }
            }
          }
          List<CurrencyBalance> balances = new ArrayList<>();
          sums.forEach(
              (currency, byAccount) -> balances.add(new CurrencyBalance(currency, byAccount)));
          return balances;
        });
  }

  /**
   * Deletes at most {@code maxRows} idempotency keys created before {@code cutoff}, oldest first,
   * across all merchants (a SECURITY DEFINER function: the role itself cannot). Returns how many.
   */
  public int purgeIdempotencyKeys(Instant cutoff, int maxRows) {
    if (maxRows < 1 || maxRows > MAX_PURGE_BATCH_ROWS) {
      throw new IllegalArgumentException(
          "maxRows must be 1.." + MAX_PURGE_BATCH_ROWS + ", was " + maxRows);
    }
    try (Connection c = app.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT ledger.purge_idempotency_keys(?, ?)")) {
      ps.setObject(1, timestamp(cutoff));
      ps.setInt(2, maxRows);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    } catch (SQLException e) {
      throw new LedgerException("cannot purge idempotency keys: " + e.getMessage(), e);
    }
  }

  /** The payment, if it exists and belongs to the merchant (RLS hides everyone else's). */
  public Optional<Payment> findPayment(String merchantId, UUID paymentId) {
    return inReadTransaction(
        merchantId,
        "read payment " + paymentId,
        c -> selectPayment(c, merchantId, paymentId, false));
  }

  private interface ReadWork<T> {
    T run(Connection c) throws SQLException;
  }

  private <T> T inReadTransaction(String merchantId, String what, ReadWork<T> work) {
    try (Connection c = app.getConnection()) {
      c.setAutoCommit(false);
      c.setReadOnly(true);
      try {
        bindMerchant(c, merchantId, keyWait);
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        rollbackQuietly(c, e);
        throw e;
      } finally {
        c.setReadOnly(false);
        c.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw new LedgerException(
          "cannot " + what + " for merchant " + merchantId + ": " + e.getMessage(), e);
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

  static PaymentEvent movementEvent(
      UUID eventId, PaymentMovement movement, Payment payment, long movedMinor, Instant now) {
    return PaymentEvent.newBuilder()
        .setEventId(eventId.toString())
        .setEventType(movement.eventType())
        .setPaymentId(payment.paymentId().toString())
        .setMerchantId(payment.merchantId())
        .setAmountMinor(movedMinor)
        .setCurrency(payment.currency())
        .setReference(payment.reference())
        .setCardToken(payment.cardToken())
        .setCardLast4(payment.cardLast4())
        .setOccurredAt(now)
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
  private static boolean claimIdempotencyKey(
      Connection c, String merchantId, String idempotencyKey, byte[] requestHash, Instant now)
      throws SQLException {
    // A concurrent holder makes this wait (up to lock_timeout) until it commits or rolls back.
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO ledger.idempotency_keys (merchant_id, idempotency_key, request_hash, created_at)"
                + " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
      ps.setString(1, merchantId);
      ps.setString(2, idempotencyKey);
      ps.setBytes(3, requestHash);
      ps.setObject(4, timestamp(now));
      return ps.executeUpdate() == 1;
    }
  }

  /** What a key committed by an earlier request means for this one. */
  private sealed interface KeyState {
    record Replay(StoredResponse response) implements KeyState {}

    record DifferentRequest() implements KeyState {}

    record Unfinished() implements KeyState {}
  }

  private static KeyState existingKey(
      Connection c, String merchantId, String idempotencyKey, byte[] requestHash)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT request_hash, response_status, response_body FROM ledger.idempotency_keys"
                + " WHERE merchant_id = ? AND idempotency_key = ?")) {
      ps.setString(1, merchantId);
      ps.setString(2, idempotencyKey);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          // Purged between our insert and this read: the client's retry will claim it afresh.
          return new KeyState.Unfinished();
        }
        if (!MessageDigest.isEqual(rs.getBytes(1), requestHash)) {
          return new KeyState.DifferentRequest();
        }
        int status = rs.getInt(2);
        if (rs.wasNull()) {
          return new KeyState.Unfinished();
        }
        return new KeyState.Replay(new StoredResponse(status, rs.getString(3)));
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

  /** Thrown when the payment row stays locked by other movements for longer than the wait. */
  private static final class PaymentLocked extends RuntimeException {
    PaymentLocked(SQLException cause) {
      super(cause.getMessage(), cause, false, false);
    }
  }

  private static Optional<Payment> lockPayment(Connection c, String merchantId, UUID paymentId)
      throws SQLException {
    try {
      return selectPayment(c, merchantId, paymentId, true);
    } catch (SQLException e) {
      if (LOCK_NOT_AVAILABLE.equals(e.getSQLState())) {
        throw new PaymentLocked(e);
      }
      throw e;
    }
  }

  private static void updatePayment(Connection c, Payment p, Instant now) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE ledger.payments SET status = ?, captured_minor = ?, refunded_minor = ?, updated_at = ?"
                + " WHERE merchant_id = ? AND payment_id = ?")) {
      ps.setString(1, p.status().name());
      ps.setLong(2, p.capturedMinor());
      ps.setLong(3, p.refundedMinor());
      ps.setObject(4, timestamp(now));
      ps.setString(5, p.merchantId());
      ps.setObject(6, p.paymentId());
      if (ps.executeUpdate() != 1) {
        throw new IllegalStateException("the payment row this transaction locked is gone");
      }
    }
  }

  private static void insertTransaction(
      Connection c, String merchantId, UUID txId, UUID paymentId, String kind, Instant now)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO ledger.ledger_transactions (merchant_id, tx_id, payment_id, kind, created_at)"
                + " VALUES (?, ?, ?, ?, ?)")) {
      ps.setString(1, merchantId);
      ps.setObject(2, txId);
      ps.setObject(3, paymentId);
      ps.setString(4, kind);
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
      Connection c,
      String merchantId,
      UUID eventId,
      String topic,
      String eventType,
      UUID paymentId,
      byte[] payload,
      Instant now)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO ledger.outbox (merchant_id, id, aggregatetype, aggregateid, type, payload, created_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      ps.setString(1, merchantId);
      ps.setObject(2, eventId);
      ps.setString(3, topic);
      ps.setString(4, paymentId.toString());
      ps.setString(5, eventType);
      ps.setBytes(6, payload);
      ps.setObject(7, timestamp(now));
      ps.executeUpdate();
    }
  }

  private static void storeResponse(
      Connection c, String merchantId, String idempotencyKey, StoredResponse response)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE ledger.idempotency_keys SET response_status = ?, response_body = ?"
                + " WHERE merchant_id = ? AND idempotency_key = ?")) {
      ps.setInt(1, response.status());
      ps.setString(2, response.body());
      ps.setString(3, merchantId);
      ps.setString(4, idempotencyKey);
      if (ps.executeUpdate() != 1) {
        throw new IllegalStateException("the idempotency row this transaction claimed is gone");
      }
    }
  }

  private static Optional<Payment> selectPayment(
      Connection c, String merchantId, UUID paymentId, boolean forUpdate) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT status, amount_minor, captured_minor, refunded_minor, currency, reference, card_token,"
                + " card_last4, created_at FROM ledger.payments WHERE merchant_id = ? AND payment_id = ?"
                + (forUpdate ? " FOR UPDATE" : ""))) {
      ps.setString(1, merchantId);
      ps.setObject(2, paymentId);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(paymentFrom(merchantId, paymentId, rs, 1));
      }
    }
  }

  /** A payment from the columns status .. created_at, starting at column {@code first}. */
  private static Payment paymentFrom(String merchantId, UUID paymentId, ResultSet rs, int first)
      throws SQLException {
    return new Payment(
        merchantId,
        paymentId,
        PaymentStatus.valueOf(rs.getString(first)),
        rs.getLong(first + 1),
        rs.getLong(first + 2),
        rs.getLong(first + 3),
        rs.getString(first + 4),
        rs.getString(first + 5),
        rs.getString(first + 6),
        rs.getString(first + 7),
        rs.getObject(first + 8, OffsetDateTime.class).toInstant());
  }

  static OffsetDateTime timestamp(Instant instant) {
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }

  /** Work inside one transaction. */
  @FunctionalInterface
  private interface TransactionWork<R> {
    R run(Connection c) throws SQLException;
  }

  /**
   * Runs the work in one transaction and commits only when {@code keep} accepts its result; any
   * other result, and any failure, rolls back everything (the idempotency key included).
   */
  private <R> R inTransaction(TransactionWork<R> work, Predicate<R> keep) throws SQLException {
    try (Connection c = app.getConnection()) {
      c.setAutoCommit(false);
      try {
        R result = work.run(c);
        if (keep.test(result)) {
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
    }
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
