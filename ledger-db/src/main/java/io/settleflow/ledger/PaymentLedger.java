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

  /** The last migration this code needs (V8: the outbox's traceparent column). */
  public static final int SCHEMA_VERSION = 8;

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
    // Round trip 1: bind the merchant, claim the key and read the card, sent together.
    Pipeline first =
        bindAndClaim(merchantId, request.idempotencyKey(), request.requestHash(), now, keyWait)
            .add(CARD_FOR_TOKEN_SQL, request.cardToken());
    Optional<CardOnFile> card;
    boolean claimed;
    try (PreparedStatement ps = first.execute(c)) {
      claimed = Pipeline.nextUpdateCount(ps) == 1;
      card = cardFrom(Pipeline.nextResultSet(ps));
    }
    if (!claimed) {
      KeyState key = existingKey(c, merchantId, request.idempotencyKey(), request.requestHash());
      if (key instanceof KeyState.Replay replay) {
        return new AuthorizeResult.Replayed(replay.response());
      }
      return key instanceof KeyState.DifferentRequest
          ? new AuthorizeResult.KeyReusedWithDifferentRequest()
          : new AuthorizeResult.InFlight();
    }
    if (card.isEmpty()) {
      return new AuthorizeResult.UnknownCardToken();
    }
    // A card is valid through the last day of its expiry month (UTC).
    if (YearMonth.of(card.get().expYear(), card.get().expMonth())
        .isBefore(YearMonth.from(now.atOffset(ZoneOffset.UTC)))) {
      return new AuthorizeResult.CardExpired(card.get().expMonth(), card.get().expYear());
    }
    List<Posting> postings = LedgerPostings.authorize(request.amountMinor(), request.currency());
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
    UUID txId = UUID.randomUUID();
    UUID eventId = UUID.randomUUID();
    byte[] payload = encoder.apply(authorizedEvent(eventId, payment));
    StoredResponse response = renderer.apply(payment);
    // Round trip 2: every row of the booking and the stored response (then COMMIT).
    Pipeline booking = new Pipeline();
    ensureAccounts(booking, merchantId, postings, now);
    insertPayment(booking, payment);
    insertTransaction(booking, merchantId, txId, payment.paymentId(), TX_AUTHORIZE, now);
    insertEntries(booking, merchantId, txId, postings, now);
    insertOutbox(
        booking,
        merchantId,
        eventId,
        Topics.PAYMENTS_AUTHORIZED,
        EVENT_AUTHORIZED,
        payment.paymentId(),
        payload,
        request.traceparent(),
        now);
    storeResponse(booking, merchantId, request.idempotencyKey(), response);
    booking.executeExpectingLastCount(c, 1, "the idempotency row this transaction claimed is gone");
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
    if (!bindAndClaim(merchantId, request.idempotencyKey(), request.requestHash(), now, keyWait)
        .claimed(c)) {
      KeyState key = existingKey(c, merchantId, request.idempotencyKey(), request.requestHash());
      if (key instanceof KeyState.Replay replay) {
        return new TokenizeResult.Replayed(replay.response());
      }
      return key instanceof KeyState.DifferentRequest
          ? new TokenizeResult.KeyReusedWithDifferentRequest()
          : new TokenizeResult.InFlight();
    }
    VaultCard card = request.card();
    StoredResponse response = renderer.apply(card);
    Pipeline store =
        new Pipeline()
            .add(
                "SELECT vault.store_card(?, ?, ?, ?, ?, ?, ?, ?, ?)",
                card.token(),
                card.keyId(),
                card.nonce(),
                card.ciphertext(),
                card.last4(),
                card.brand(),
                card.expMonth(),
                card.expYear(),
                timestamp(now));
    storeResponse(store, merchantId, request.idempotencyKey(), response);
    store.executeExpectingLastCount(c, 1, "the idempotency row this transaction claimed is gone");
    return new TokenizeResult.Stored(response);
  }

  /** What a payment may know of a vault card: never the ciphertext. */
  private record CardOnFile(String last4, int expMonth, int expYear) {}

  private static final String CARD_FOR_TOKEN_SQL =
      "SELECT last4, exp_month, exp_year FROM vault.card_for_token(?)";

  private static Optional<CardOnFile> cardFrom(ResultSet rs) throws SQLException {
    try (rs) {
      return rs.next()
          ? Optional.of(new CardOnFile(rs.getString(1), rs.getInt(2), rs.getInt(3)))
          : Optional.empty();
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
    if (!bindAndClaim(merchantId, request.idempotencyKey(), request.requestHash(), now, keyWait)
        .claimed(c)) {
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
    UUID txId = UUID.randomUUID();
    UUID eventId = UUID.randomUUID();
    byte[] payload =
        encoder.apply(
            movement.topic(), movementEvent(eventId, movement, after, allowed.movedMinor(), now));
    StoredResponse response = renderer.apply(after);
    // One round trip for the whole booking (the payment row is already locked).
    Pipeline booking = new Pipeline();
    ensureAccounts(booking, merchantId, allowed.postings(), now);
    updatePayment(booking, after, now);
    insertTransaction(
        booking, merchantId, txId, after.paymentId(), movement.transactionKind(), now);
    insertEntries(booking, merchantId, txId, allowed.postings(), now);
    insertOutbox(
        booking,
        merchantId,
        eventId,
        movement.topic(),
        movement.eventType().name(),
        after.paymentId(),
        payload,
        request.traceparent(),
        now);
    storeResponse(booking, merchantId, request.idempotencyKey(), response);
    int[] counts =
        booking.executeExpectingLastCount(
            c, 1, "the idempotency row this transaction claimed is gone");
    if (counts[1] != 1) {
      throw new IllegalStateException("the payment row this transaction locked is gone");
    }
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
    try (PreparedStatement ps = c.prepareStatement(BIND_MERCHANT_SQL)) {
      ps.setString(1, merchantId);
      ps.setString(2, Long.toString(keyWait.toMillis()));
      ps.executeQuery().close();
    }
  }

  private static final String BIND_MERCHANT_SQL =
      "SELECT set_config('settleflow.merchant_id', ?, true), set_config('lock_timeout', ?, true)";

  private static final String CLAIM_KEY_SQL =
      "INSERT INTO ledger.idempotency_keys (merchant_id, idempotency_key, request_hash, created_at)"
          + " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING";

  /**
   * The first statements of every write, to be sent in one round trip: bind the transaction to the
   * merchant, then claim the idempotency key (its update count is 1 when this transaction now holds
   * the key, 0 when a committed row already had it). A concurrent holder makes the claim wait (up
   * to lock_timeout) until it commits or rolls back.
   */
  private static Pipeline bindAndClaim(
      String merchantId, String idempotencyKey, byte[] requestHash, Instant now, Duration keyWait) {
    // Transaction-local (third argument true): a pooled connection never carries a merchant over.
    return new Pipeline()
        .add(BIND_MERCHANT_SQL, merchantId, Long.toString(keyWait.toMillis()))
        .add(CLAIM_KEY_SQL, merchantId, idempotencyKey, requestHash, timestamp(now));
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
      Pipeline p, String merchantId, List<Posting> postings, Instant now) {
    // Insert-only: a merchant's sub-accounts are created by its first payment in a currency;
    // a repeated account in one statement is harmless (ON CONFLICT DO NOTHING).
    StringBuilder sql =
        new StringBuilder(
            "INSERT INTO ledger.accounts (merchant_id, account_code, currency, kind, created_at) VALUES ");
    List<Object> values = new ArrayList<>();
    for (Posting posting : postings) {
      sql.append(values.isEmpty() ? "" : ", ").append("(?, ?, ?, ?, ?)");
      values.addAll(
          List.of(
              merchantId,
              posting.account().code(),
              posting.currency(),
              posting.account().kind().name(),
              timestamp(now)));
    }
    p.add(sql.append(" ON CONFLICT DO NOTHING").toString(), values.toArray());
  }

  private static void insertPayment(Pipeline p, Payment payment) {
    p.add(
        "INSERT INTO ledger.payments (merchant_id, payment_id, status, amount_minor, currency,"
            + " reference, card_token, card_last4, created_at, updated_at)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        payment.merchantId(),
        payment.paymentId(),
        payment.status().name(),
        payment.amountMinor(),
        payment.currency(),
        payment.reference(),
        payment.cardToken(),
        payment.cardLast4(),
        timestamp(payment.createdAt()),
        timestamp(payment.createdAt()));
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

  private static void updatePayment(Pipeline p, Payment payment, Instant now) {
    p.add(
        "UPDATE ledger.payments SET status = ?, captured_minor = ?, refunded_minor = ?, updated_at = ?"
            + " WHERE merchant_id = ? AND payment_id = ?",
        payment.status().name(),
        payment.capturedMinor(),
        payment.refundedMinor(),
        timestamp(now),
        payment.merchantId(),
        payment.paymentId());
  }

  private static void insertTransaction(
      Pipeline p, String merchantId, UUID txId, UUID paymentId, String kind, Instant now) {
    p.add(
        "INSERT INTO ledger.ledger_transactions (merchant_id, tx_id, payment_id, kind, created_at)"
            + " VALUES (?, ?, ?, ?, ?)",
        merchantId,
        txId,
        paymentId,
        kind,
        timestamp(now));
  }

  private static void insertEntries(
      Pipeline p, String merchantId, UUID txId, List<Posting> postings, Instant now) {
    if (!LedgerPostings.isBalanced(postings)) {
      // The database checks this again at COMMIT; failing here names the code path.
      throw new IllegalStateException("unbalanced postings " + postings);
    }
    StringBuilder sql =
        new StringBuilder(
            "INSERT INTO ledger.ledger_entries (merchant_id, tx_id, account_code, currency, amount_minor, created_at) VALUES ");
    List<Object> values = new ArrayList<>();
    for (Posting posting : postings) {
      sql.append(values.isEmpty() ? "" : ", ").append("(?, ?, ?, ?, ?, ?)");
      values.addAll(
          List.of(
              merchantId,
              txId,
              posting.account().code(),
              posting.currency(),
              posting.amountMinor(),
              timestamp(now)));
    }
    p.add(sql.toString(), values.toArray());
  }

  private static void insertOutbox(
      Pipeline p,
      String merchantId,
      UUID eventId,
      String topic,
      String eventType,
      UUID paymentId,
      byte[] payload,
      String traceparent,
      Instant now) {
    p.add(
        "INSERT INTO ledger.outbox (merchant_id, id, aggregatetype, aggregateid, type, payload,"
            + " traceparent, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        merchantId,
        eventId,
        topic,
        paymentId.toString(),
        eventType,
        payload,
        traceparent,
        timestamp(now));
  }

  private static void storeResponse(
      Pipeline p, String merchantId, String idempotencyKey, StoredResponse response) {
    p.add(
        "UPDATE ledger.idempotency_keys SET response_status = ?, response_body = ?"
            + " WHERE merchant_id = ? AND idempotency_key = ?",
        response.status(),
        response.body(),
        merchantId,
        idempotencyKey);
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

  /**
   * Statements sent to PostgreSQL together: pgjdbc sends the parts of a multi-statement query in
   * one network round trip (one Sync) and the server runs them in order, in the surrounding
   * transaction, stopping at the first error. A write is two round trips and COMMIT instead of one
   * round trip per statement; the SQL stays the same.
   */
  private static final class Pipeline {
    private final StringBuilder sql = new StringBuilder();
    private final List<Object> parameters = new ArrayList<>();
    private int statements;

    /** Appends a statement with its parameters (String, UUID, Long, Integer, bytes, timestamp). */
    Pipeline add(String statement, Object... values) {
      sql.append(statements == 0 ? "" : "; ").append(statement);
      parameters.addAll(java.util.Arrays.asList(values));
      statements++;
      return this;
    }

    /** Sends everything; read the results in order with the next… methods. */
    PreparedStatement execute(Connection c) throws SQLException {
      PreparedStatement ps = c.prepareStatement(sql.toString());
      try {
        for (int i = 0; i < parameters.size(); i++) {
          Object v = parameters.get(i);
          if (v == null) {
            ps.setNull(i + 1, java.sql.Types.VARCHAR);
          } else if (v instanceof String text) {
            ps.setString(i + 1, text);
          } else if (v instanceof byte[] bytes) {
            ps.setBytes(i + 1, bytes);
          } else {
            ps.setObject(i + 1, v);
          }
        }
        ps.execute(); // positioned on the first statement's result

        return ps;
      } catch (SQLException | RuntimeException e) {
        ps.close();
        throw e;
      }
    }

    /** Whether the claim (second statement of {@link #bindAndClaim}) took the key. */
    boolean claimed(Connection c) throws SQLException {
      try (PreparedStatement ps = execute(c)) {
        return nextUpdateCount(ps) == 1;
      }
    }

    /**
     * Sends everything (no statement may return rows but the first); returns each statement's
     * update count and fails unless the last one changed {@code expectedLast} rows.
     */
    int[] executeExpectingLastCount(Connection c, int expectedLast, String otherwise)
        throws SQLException {
      int[] counts = new int[statements];
      try (PreparedStatement ps = execute(c)) {
        counts[0] = ps.getUpdateCount();
        for (int i = 1; i < statements; i++) {
          counts[i] = nextUpdateCount(ps);
        }
      }
      if (counts[statements - 1] != expectedLast) {
        throw new IllegalStateException(otherwise);
      }
      return counts;
    }

    static int nextUpdateCount(PreparedStatement ps) throws SQLException {
      if (ps.getMoreResults() || ps.getUpdateCount() < 0) {
        throw new IllegalStateException("expected an update count from the pipelined statement");
      }
      return ps.getUpdateCount();
    }

    static ResultSet nextResultSet(PreparedStatement ps) throws SQLException {
      if (!ps.getMoreResults()) {
        throw new IllegalStateException("expected rows from the pipelined statement");
      }
      return ps.getResultSet();
    }
  }
}
