package io.settleflow.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settleflow.avro.PaymentEvent;
import io.settleflow.avro.PaymentEventType;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.InMemorySchemaRegistry;
import io.settleflow.schemas.Topics;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The write path against a real PostgreSQL 17, connected as the application role. */
@Tag("integration")
class PaymentLedgerIT {
  static final Instant NOW = Instant.parse("2026-11-25T10:00:00.123Z");
  static final List<String> MERCHANT_TABLES =
      List.of(
          "accounts",
          "payments",
          "ledger_transactions",
          "ledger_entries",
          "outbox",
          "idempotency_keys");
  static final AtomicInteger MERCHANTS = new AtomicInteger();

  @TempDir static Path dir;
  static LedgerTestDatabase db;
  static DataSource owner;
  static DataSource app;
  static PaymentLedger ledger;
  static MerchantAdmin admin;
  static final ConfluentWireFormat WIRE = new ConfluentWireFormat(new InMemorySchemaRegistry());
  static final Function<PaymentEvent, byte[]> ENCODER =
      e -> WIRE.encode(Topics.PAYMENTS_AUTHORIZED, e);
  static final Function<Payment, StoredResponse> RENDERER =
      p -> new StoredResponse(201, "{\"id\":\"" + p.paymentId() + "\"}");
  static final BiFunction<String, PaymentEvent, byte[]> MOVE_ENCODER = WIRE::encode;
  static final String TOKEN = "tok_test";
  static final Function<VaultCard, StoredResponse> CARD_RENDERER =
      card -> new StoredResponse(201, "{\"token\":\"" + card.token() + "\"}");
  static final Function<Payment, StoredResponse> MOVE_RENDERER =
      p ->
          new StoredResponse(
              200, "{\"id\":\"" + p.paymentId() + "\",\"status\":\"" + p.status() + "\"}");

  @BeforeAll
  static void start() {
    db = LedgerTestDatabase.start(dir);
    owner = db.owner();
    app = db.app();
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    ledger = new PaymentLedger(app, clock);
    admin = new MerchantAdmin(owner, clock);
  }

  @AfterAll
  static void stop() {
    if (db != null) {
      db.close();
    }
  }

  @Test
  void authorizeCommitsPaymentEntriesOutboxAndIdempotencyRowTogether() throws Exception {
    String merchant = newMerchant();
    AuthorizeRequest request = request(merchant, "key-1", "body-1", 1999, "EUR");

    AuthorizeResult result = ledger.authorize(request, ENCODER, RENDERER);

    assertThat(result).isInstanceOf(AuthorizeResult.Created.class);
    Payment payment = ((AuthorizeResult.Created) result).payment();
    assertThat(payment.status()).isEqualTo(PaymentStatus.AUTHORIZED);
    assertThat(payment.createdAt()).isEqualTo(NOW);
    assertThat(ledger.findPayment(merchant, payment.paymentId())).contains(payment);
    assertThat(counts(merchant))
        .containsEntry("payments", 1L)
        .containsEntry("ledger_transactions", 1L)
        .containsEntry("ledger_entries", 2L)
        .containsEntry("outbox", 1L)
        .containsEntry("idempotency_keys", 1L)
        .containsEntry("accounts", 2L);
    assertThat(
            rows(
                merchant,
                "SELECT account_code || ' ' || currency || ' ' || amount_minor FROM ledger.ledger_entries ORDER BY amount_minor DESC"))
        .containsExactly("card_authorizations EUR 1999", "merchant_pending EUR -1999");
    assertThat(
            rows(
                merchant,
                "SELECT account_code || ' ' || kind FROM ledger.accounts ORDER BY account_code"))
        .containsExactly("card_authorizations ASSET", "merchant_pending LIABILITY");
    assertThat(
            rows(
                merchant,
                "SELECT response_status || ' ' || response_body FROM ledger.idempotency_keys"))
        .containsExactly("201 {\"id\":\"" + payment.paymentId() + "\"}");

    try (Connection c = owner.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT id, aggregatetype, aggregateid, type, payload FROM ledger.outbox WHERE merchant_id = ?")) {
      ps.setString(1, merchant);
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString("aggregatetype")).isEqualTo(Topics.PAYMENTS_AUTHORIZED);
        assertThat(rs.getString("aggregateid")).isEqualTo(payment.paymentId().toString());
        assertThat(rs.getString("type")).isEqualTo("AUTHORIZED");
        PaymentEvent event = WIRE.decode(rs.getBytes("payload"), PaymentEvent.class);
        assertThat(event)
            .isEqualTo(
                PaymentEvent.newBuilder()
                    .setEventId(rs.getObject("id", UUID.class).toString())
                    .setEventType(PaymentEventType.AUTHORIZED)
                    .setPaymentId(payment.paymentId().toString())
                    .setMerchantId(merchant)
                    .setAmountMinor(1999)
                    .setCurrency("EUR")
                    .setReference("order-17")
                    .setCardToken("tok_test")
                    .setCardLast4("4242")
                    .setOccurredAt(NOW)
                    .build());
      }
    }
  }

  @Test
  void replayWithSameKeyAndSameRequestReturnsTheStoredResponseAndWritesNothingMore() {
    String merchant = newMerchant();
    AuthorizeRequest request = request(merchant, "key-1", "body-1", 500, "USD");
    AuthorizeResult.Created first =
        (AuthorizeResult.Created) ledger.authorize(request, ENCODER, RENDERER);
    Map<String, Long> before = counts(merchant);

    AuthorizeResult again =
        ledger.authorize(
            request,
            e -> {
              throw new AssertionError("a replay encodes nothing");
            },
            p -> {
              throw new AssertionError("a replay renders nothing");
            });

    assertThat(again).isEqualTo(new AuthorizeResult.Replayed(first.response()));
    assertThat(counts(merchant)).isEqualTo(before);
  }

  @Test
  void sameKeyWithDifferentRequestIsRejectedAndWritesNothing() {
    String merchant = newMerchant();
    AuthorizeResult.Created first =
        (AuthorizeResult.Created)
            ledger.authorize(request(merchant, "key-1", "body-1", 500, "USD"), ENCODER, RENDERER);
    Map<String, Long> before = counts(merchant);

    AuthorizeResult reused =
        ledger.authorize(request(merchant, "key-1", "body-2", 700, "USD"), ENCODER, RENDERER);

    assertThat(reused).isInstanceOf(AuthorizeResult.KeyReusedWithDifferentRequest.class);
    assertThat(counts(merchant)).isEqualTo(before);
    assertThat(rows(merchant, "SELECT response_body FROM ledger.idempotency_keys"))
        .containsExactly(first.response().body());
  }

  @Test
  void theSameKeyIsIndependentPerMerchant() {
    String a = newMerchant();
    String b = newMerchant();
    assertThat(ledger.authorize(request(a, "shared-key", "body-a", 100, "EUR"), ENCODER, RENDERER))
        .isInstanceOf(AuthorizeResult.Created.class);
    assertThat(ledger.authorize(request(b, "shared-key", "body-b", 100, "EUR"), ENCODER, RENDERER))
        .isInstanceOf(AuthorizeResult.Created.class);
  }

  @Test
  void aKeyCommittedWithoutResponseIsInFlight() throws Exception {
    String merchant = newMerchant();
    try (Connection c = owner.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO ledger.idempotency_keys (merchant_id, idempotency_key, request_hash, created_at) VALUES (?, ?, ?, now())")) {
      ps.setString(1, merchant);
      ps.setString(2, "key-1");
      ps.setBytes(3, hash("body-1"));
      ps.executeUpdate();
    }

    assertThat(
            ledger.authorize(request(merchant, "key-1", "body-1", 100, "EUR"), ENCODER, RENDERER))
        .isInstanceOf(AuthorizeResult.InFlight.class);
    assertThat(counts(merchant)).containsEntry("payments", 0L);
  }

  @Test
  void aKeyHeldByAnUnfinishedTransactionIsInFlightAfterTheWait() throws Exception {
    String merchant = newMerchant();
    PaymentLedger impatient =
        new PaymentLedger(app, Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofMillis(300));
    try (Connection holder = app.getConnection()) {
      holder.setAutoCommit(false);
      bind(holder, merchant);
      try (PreparedStatement ps =
          holder.prepareStatement(
              "INSERT INTO ledger.idempotency_keys (merchant_id, idempotency_key, request_hash, created_at) VALUES (?, ?, ?, now())")) {
        ps.setString(1, merchant);
        ps.setString(2, "key-1");
        ps.setBytes(3, hash("body-1"));
        ps.executeUpdate();
      }

      assertThat(
              impatient.authorize(
                  request(merchant, "key-1", "body-1", 100, "EUR"), ENCODER, RENDERER))
          .isInstanceOf(AuthorizeResult.InFlight.class);
      holder.rollback();
    }
    // Once the holder gave up, the key is free again.
    assertThat(
            impatient.authorize(
                request(merchant, "key-1", "body-1", 100, "EUR"), ENCODER, RENDERER))
        .isInstanceOf(AuthorizeResult.Created.class);
  }

  static Stream<Arguments> failurePoints() {
    Function<PaymentEvent, byte[]> failingEncoder =
        e -> {
          throw new IllegalStateException("registry down");
        };
    Function<Payment, StoredResponse> failingRenderer =
        p -> {
          throw new IllegalStateException("renderer broke");
        };
    return Stream.of(
        Arguments.of("encoder (after payment and entries)", failingEncoder, RENDERER),
        Arguments.of("renderer (after the outbox row)", ENCODER, failingRenderer));
  }

  @ParameterizedTest(name = "failure in the {0}")
  @MethodSource("failurePoints")
  void aFailureMidTransactionLeavesNoRowsBehind(
      String where,
      Function<PaymentEvent, byte[]> encoder,
      Function<Payment, StoredResponse> renderer) {
    String merchant = newMerchant();

    assertThatThrownBy(
            () ->
                ledger.authorize(
                    request(merchant, "key-1", "body-1", 100, "EUR"), encoder, renderer))
        .isInstanceOf(IllegalStateException.class);

    assertThat(counts(merchant).values()).containsOnly(0L);
    // The key was released with the rollback: a retry succeeds.
    assertThat(
            ledger.authorize(request(merchant, "key-1", "body-1", 100, "EUR"), ENCODER, RENDERER))
        .isInstanceOf(AuthorizeResult.Created.class);
  }

  static Stream<Arguments> rawEntrySets() {
    return Stream.of(
        Arguments.of(
            "+100 EUR, -100 EUR",
            List.of(
                new Posting(Account.CARD_AUTHORIZATIONS, "EUR", 100),
                new Posting(Account.MERCHANT_PENDING, "EUR", -100)),
            true),
        Arguments.of(
            "+100 EUR alone", List.of(new Posting(Account.CARD_AUTHORIZATIONS, "EUR", 100)), false),
        Arguments.of(
            "+100 EUR, -99 EUR",
            List.of(
                new Posting(Account.CARD_AUTHORIZATIONS, "EUR", 100),
                new Posting(Account.MERCHANT_PENDING, "EUR", -99)),
            false),
        Arguments.of(
            "+100 EUR, -100 USD",
            List.of(
                new Posting(Account.CARD_AUTHORIZATIONS, "EUR", 100),
                new Posting(Account.MERCHANT_PENDING, "USD", -100)),
            false),
        Arguments.of(
            "+100 EUR, -100 EUR, +1 USD",
            List.of(
                new Posting(Account.CARD_AUTHORIZATIONS, "EUR", 100),
                new Posting(Account.MERCHANT_PENDING, "EUR", -100),
                new Posting(Account.CARD_AUTHORIZATIONS, "USD", 1)),
            false));
  }

  @ParameterizedTest(name = "{0} commits: {2}")
  @MethodSource("rawEntrySets")
  void theDatabaseRejectsAnUnbalancedTransactionAtCommit(
      String name, List<Posting> entries, boolean commits) throws Exception {
    String merchant = newMerchant();
    try (Connection c = app.getConnection()) {
      c.setAutoCommit(false);
      bind(c, merchant);
      UUID paymentId = UUID.randomUUID();
      UUID txId = UUID.randomUUID();
      try (Statement s = c.createStatement()) {
        for (String currency : List.of("EUR", "USD")) {
          for (Account account : Account.values()) {
            s.execute(
                "INSERT INTO ledger.accounts (merchant_id, account_code, currency, kind) VALUES ('"
                    + merchant
                    + "', '"
                    + account.code()
                    + "', '"
                    + currency
                    + "', '"
                    + account.kind()
                    + "')");
          }
        }
        s.execute(
            "INSERT INTO ledger.payments (merchant_id, payment_id, status, amount_minor, currency, created_at, updated_at)"
                + " VALUES ('"
                + merchant
                + "', '"
                + paymentId
                + "', 'AUTHORIZED', 100, 'EUR', now(), now())");
        s.execute(
            "INSERT INTO ledger.ledger_transactions (merchant_id, tx_id, payment_id, kind, created_at)"
                + " VALUES ('"
                + merchant
                + "', '"
                + txId
                + "', '"
                + paymentId
                + "', 'AUTHORIZE', now())");
        for (Posting p : entries) {
          // Each insert is accepted on its own: the balance is checked when the transaction
          // commits.
          s.execute(
              "INSERT INTO ledger.ledger_entries (merchant_id, tx_id, account_code, currency, amount_minor, created_at)"
                  + " VALUES ('"
                  + merchant
                  + "', '"
                  + txId
                  + "', '"
                  + p.account().code()
                  + "', '"
                  + p.currency()
                  + "', "
                  + p.amountMinor()
                  + ", now())");
        }
      }
      if (commits) {
        c.commit();
        assertThat(counts(merchant)).containsEntry("ledger_entries", (long) entries.size());
      } else {
        assertThatThrownBy(c::commit)
            .isInstanceOfSatisfying(
                SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("23514"))
            .hasMessageContaining("unbalanced ledger transaction");
        assertThat(counts(merchant).values()).containsOnly(0L);
      }
    }
  }

  static Stream<Arguments> historyChanges() {
    return Stream.of(
        Arguments.of("app", "UPDATE ledger.ledger_entries SET amount_minor = amount_minor * 2"),
        Arguments.of("app", "DELETE FROM ledger.ledger_entries"),
        Arguments.of("owner", "UPDATE ledger.ledger_entries SET amount_minor = amount_minor * 2"),
        Arguments.of("owner", "DELETE FROM ledger.ledger_entries"));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("historyChanges")
  void ledgerEntriesCannotBeUpdatedOrDeletedEvenByTheOwner(String role, String sql)
      throws Exception {
    String merchant = newMerchant();
    ledger.authorize(request(merchant, "key-1", "body-1", 100, "EUR"), ENCODER, RENDERER);
    List<String> before =
        rows(
            merchant,
            "SELECT entry_id || ' ' || amount_minor FROM ledger.ledger_entries ORDER BY entry_id");

    try (Connection c = (role.equals("app") ? app : owner).getConnection()) {
      c.setAutoCommit(false);
      bind(c, merchant);
      try (Statement s = c.createStatement()) {
        assertThatThrownBy(() -> s.execute(sql + " WHERE merchant_id = '" + merchant + "'"))
            .isInstanceOfSatisfying(
                SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"));
      }
      c.rollback();
    }
    assertThat(
            rows(
                merchant,
                "SELECT entry_id || ' ' || amount_minor FROM ledger.ledger_entries ORDER BY entry_id"))
        .isEqualTo(before)
        .hasSize(2);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "accounts",
        "payments",
        "ledger_transactions",
        "ledger_entries",
        "outbox",
        "idempotency_keys"
      })
  void merchantACannotReadMerchantBsRows(String table) throws Exception {
    String a = newMerchant();
    String b = newMerchant();
    ledger.authorize(request(a, "key-a", "body-a", 100, "EUR"), ENCODER, RENDERER);
    ledger.authorize(request(b, "key-b", "body-b", 200, "EUR"), ENCODER, RENDERER);
    assertThat(counts(b).get(table)).isPositive();

    try (Connection c = app.getConnection()) {
      c.setAutoCommit(false);
      bind(c, a);
      assertThat(
              count(c, "SELECT count(*) FROM ledger." + table + " WHERE merchant_id = '" + b + "'"))
          .isZero();
      assertThat(
              count(
                  c, "SELECT count(*) FROM ledger." + table + " WHERE merchant_id <> '" + a + "'"))
          .isZero();
      assertThat(
              count(c, "SELECT count(*) FROM ledger." + table + " WHERE merchant_id = '" + a + "'"))
          .isPositive();
      c.rollback();
    }
    // Without a merchant bound, the application role sees nothing at all.
    try (Connection c = app.getConnection()) {
      assertThat(count(c, "SELECT count(*) FROM ledger." + table)).isZero();
    }
  }

  @Test
  void merchantACannotFindOrChangeMerchantBsPayment() throws Exception {
    String a = newMerchant();
    String b = newMerchant();
    Payment bs =
        ((AuthorizeResult.Created)
                ledger.authorize(request(b, "key-b", "body-b", 200, "EUR"), ENCODER, RENDERER))
            .payment();

    assertThat(ledger.findPayment(a, bs.paymentId())).isEmpty();
    assertThat(ledger.findPayment(b, bs.paymentId())).contains(bs);
    try (Connection c = app.getConnection()) {
      c.setAutoCommit(false);
      bind(c, a);
      try (Statement s = c.createStatement()) {
        assertThat(
                s.executeUpdate(
                    "UPDATE ledger.payments SET status = 'CANCELLED' WHERE payment_id = '"
                        + bs.paymentId()
                        + "'"))
            .isZero();
        assertThatThrownBy(
                () ->
                    s.execute(
                        "INSERT INTO ledger.payments (merchant_id, payment_id, status, amount_minor, currency, created_at, updated_at)"
                            + " VALUES ('"
                            + b
                            + "', '"
                            + UUID.randomUUID()
                            + "', 'AUTHORIZED', 100, 'EUR', now(), now())"))
            .isInstanceOfSatisfying(
                SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("42501"))
            .hasMessageContaining("row-level security");
      }
      c.rollback();
    }
    assertThat(ledger.findPayment(b, bs.paymentId())).contains(bs);
  }

  @Test
  void theApplicationRoleHasNoBypassAndOwnsNothing() throws Exception {
    try (Connection c = owner.getConnection()) {
      assertThat(
              rowsOf(
                  c,
                  "SELECT rolsuper || ' ' || rolbypassrls || ' ' || rolcreaterole || ' ' || rolcreatedb FROM pg_roles WHERE rolname = 'settleflow_app'"))
          .containsExactly("false false false false");
      assertThat(
              count(
                  c,
                  "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = 'settleflow_app'"))
          .isZero();
      assertThat(
              count(
                  c,
                  "SELECT count(*) FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner WHERE r.rolname = 'settleflow_app'"))
          .isZero();
      // Every merchant table has RLS on.
      assertThat(
              count(
                  c,
                  "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                      + " WHERE n.nspname = 'ledger' AND c.relkind = 'r' AND c.relname <> 'flyway_schema_history' AND NOT c.relrowsecurity"))
          .isZero();
    }
  }

  @Test
  void authenticateFindsTheMerchantOfAnActiveKeyOnly() {
    String merchant = newMerchant();
    String key = admin.issueApiKey(merchant);

    assertThat(key).matches("^sk_[A-Za-z0-9_-]{43}$");
    assertThat(ledger.authenticate(ApiKeys.hash(key))).contains(merchant);
    assertThat(ledger.authenticate(ApiKeys.hash(key + "x"))).isEmpty();
    assertThat(admin.revokeApiKeys(merchant)).isEqualTo(1);
    assertThat(ledger.authenticate(ApiKeys.hash(key))).isEmpty();
  }

  @Test
  void onlyTheKeysHashIsStored() throws Exception {
    String merchant = newMerchant();
    String key = admin.issueApiKey(merchant);
    try (Connection c = owner.getConnection()) {
      assertThat(
              count(
                  c,
                  "SELECT count(*) FROM ledger.api_keys WHERE merchant_id = '"
                      + merchant
                      + "' AND key_hash = sha256(convert_to('"
                      + key
                      + "', 'UTF8'))"))
          .isEqualTo(1);
      assertThat(
              count(
                  c,
                  "SELECT count(*) FROM ledger.api_keys WHERE key_id LIKE '%"
                      + key.substring(3)
                      + "%'"))
          .isZero();
    }
  }

  @Test
  void createMerchantIsIdempotent() {
    String merchant = "idem-" + MERCHANTS.incrementAndGet();
    assertThat(admin.createMerchant(merchant, "First")).isTrue();
    assertThat(admin.createMerchant(merchant, "First")).isFalse();
  }

  @Test
  void idempotencyKeysOlderThanTheRetentionArePurged() {
    String merchant = newMerchant();
    ledger.authorize(request(merchant, "key-1", "body-1", 100, "EUR"), ENCODER, RENDERER);
    MerchantAdmin later =
        new MerchantAdmin(
            owner,
            Clock.fixed(
                NOW.plus(MerchantAdmin.IDEMPOTENCY_RETENTION).plusSeconds(1), ZoneOffset.UTC));

    assertThat(later.purgeExpiredIdempotencyKeys()).isGreaterThanOrEqualTo(1);
    assertThat(counts(merchant))
        .containsEntry("idempotency_keys", 0L)
        .containsEntry("payments", 1L);
  }

  @Test
  void concurrentRequestsWithOneKeyCreateExactlyOnePayment() throws Exception {
    String merchant = newMerchant();
    List<AuthorizeResult> results =
        runConcurrently(8, i -> request(merchant, "same-key", "same-body", 300, "EUR"));

    assertThat(results).filteredOn(r -> r instanceof AuthorizeResult.Created).hasSize(1);
    assertThat(results).filteredOn(r -> r instanceof AuthorizeResult.Replayed).hasSize(7);
    assertThat(counts(merchant)).containsEntry("payments", 1L).containsEntry("outbox", 1L);
  }

  @Test
  void concurrentFirstPaymentsOfAMerchantShareItsNewAccounts() throws Exception {
    String merchant = newMerchant();
    List<AuthorizeResult> results =
        runConcurrently(8, i -> request(merchant, "key-" + i, "body-" + i, 100 + i, "CHF"));

    assertThat(results).allMatch(r -> r instanceof AuthorizeResult.Created);
    assertThat(counts(merchant))
        .containsEntry("payments", 8L)
        .containsEntry("ledger_entries", 16L)
        .containsEntry("accounts", 2L);
    assertThat(rows(merchant, "SELECT sum(amount_minor)::text FROM ledger.ledger_entries"))
        .containsExactly("0");
  }

  // --- capture, refund, cancel

  @Test
  void captureRefundAndCancelEachCommitTheirRowEntriesOutboxEventAndKey() throws Exception {
    String merchant = newMerchant();
    Payment p = authorized(merchant, 1000, "EUR");

    MovementResult captured =
        ledger.move(
            move(merchant, "cap-1", p, PaymentMovement.CAPTURE, 400L), MOVE_ENCODER, MOVE_RENDERER);
    MovementResult refunded =
        ledger.move(
            move(merchant, "ref-1", p, PaymentMovement.REFUND, 150L), MOVE_ENCODER, MOVE_RENDERER);
    Payment other = authorized(merchant, 700, "EUR");
    MovementResult cancelled =
        ledger.move(
            move(merchant, "can-1", other, PaymentMovement.CANCEL, null),
            MOVE_ENCODER,
            MOVE_RENDERER);

    assertThat(captured)
        .isInstanceOfSatisfying(
            MovementResult.Applied.class,
            a -> {
              assertThat(a.movedMinor()).isEqualTo(400);
              assertThat(a.payment().status()).isEqualTo(PaymentStatus.CAPTURED);
            });
    assertThat(refunded)
        .isInstanceOfSatisfying(
            MovementResult.Applied.class, a -> assertThat(a.movedMinor()).isEqualTo(150));
    assertThat(cancelled)
        .isInstanceOfSatisfying(
            MovementResult.Applied.class, a -> assertThat(a.movedMinor()).isEqualTo(700));
    assertThat(ledger.findPayment(merchant, p.paymentId()))
        .hasValueSatisfying(
            found -> {
              assertThat(found.status()).isEqualTo(PaymentStatus.PARTIALLY_REFUNDED);
              assertThat(found.capturedMinor()).isEqualTo(400);
              assertThat(found.refundedMinor()).isEqualTo(150);
            });
    assertThat(ledger.findPayment(merchant, other.paymentId()).orElseThrow().status())
        .isEqualTo(PaymentStatus.CANCELLED);
    assertThat(counts(merchant))
        .containsEntry("payments", 2L)
        .containsEntry("ledger_transactions", 5L)
        .containsEntry("ledger_entries", 2L + 4L + 2L + 2L + 2L)
        .containsEntry("outbox", 5L)
        .containsEntry("idempotency_keys", 5L)
        .containsEntry("accounts", 4L);
    assertThat(rows(merchant, "SELECT kind FROM ledger.ledger_transactions ORDER BY kind"))
        .containsExactly("AUTHORIZE", "AUTHORIZE", "CANCEL", "CAPTURE", "REFUND");
    // Every transaction balances on its own, so the whole merchant does too.
    assertThat(
            rows(
                merchant,
                "SELECT tx_id::text FROM ledger.ledger_entries GROUP BY tx_id HAVING sum(amount_minor) <> 0"))
        .isEmpty();
    assertThat(
            rows(
                merchant,
                "SELECT response_status || ' ' || response_body FROM ledger.idempotency_keys AND idempotency_key = 'ref-1'"))
        .containsExactly(
            "200 {\"id\":\"" + p.paymentId() + "\",\"status\":\"PARTIALLY_REFUNDED\"}");

    try (Connection c = owner.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT id, aggregatetype, aggregateid, type, payload FROM ledger.outbox WHERE merchant_id = ? AND type <> 'AUTHORIZED' ORDER BY type")) {
      ps.setString(1, merchant);
      List<String> seen = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          PaymentEvent event = WIRE.decode(rs.getBytes("payload"), PaymentEvent.class);
          assertThat(event.getEventId()).isEqualTo(rs.getObject("id", UUID.class).toString());
          assertThat(event.getPaymentId()).isEqualTo(rs.getString("aggregateid"));
          assertThat(event.getEventType().name()).isEqualTo(rs.getString("type"));
          assertThat(event.getOccurredAt()).isEqualTo(NOW);
          assertThat(event.getCardToken()).isEqualTo("tok_test");
          seen.add(
              rs.getString("type")
                  + " "
                  + rs.getString("aggregatetype")
                  + " "
                  + event.getAmountMinor());
        }
      }
      assertThat(seen)
          .containsExactly(
              "CANCELLED " + Topics.PAYMENTS_CANCELLED + " 700",
              "CAPTURED " + Topics.PAYMENTS_CAPTURED + " 400",
              "REFUNDED " + Topics.PAYMENTS_REFUNDED + " 150");
    }
  }

  /**
   * One line per illegal movement: how the payment of 1000 got where it is (movements applied
   * first), the movement tried, and the code it gets. Nothing may be written, not even the key.
   */
  @ParameterizedTest(name = "after [{0}]: {1} {2} -> {3}")
  @org.junit.jupiter.params.provider.CsvSource(
      delimiter = '|',
      nullValues = "",
      value = {
        "CANCEL               | CAPTURE |      | payment_cancelled",
        "CANCEL               | REFUND  | 1    | payment_cancelled",
        "CANCEL               | CANCEL  |      | payment_cancelled",
        "                     | CAPTURE | 1001 | amount_exceeds_authorized",
        "CAPTURE 600          | CAPTURE | 401  | amount_exceeds_authorized",
        "CAPTURE 1000         | CAPTURE |      | amount_exceeds_authorized",
        "                     | REFUND  | 1    | payment_not_captured",
        "CAPTURE 500          | REFUND  | 501  | amount_exceeds_captured",
        "CAPTURE 500,REFUND 200 | REFUND | 301 | amount_exceeds_captured",
        "CAPTURE 500,REFUND 500 | REFUND |     | amount_exceeds_captured",
        "CAPTURE 1            | CANCEL  |      | payment_already_captured",
      })
  void anIllegalMovementIsRefusedWithItsCodeAndWritesNothing(
      String history, PaymentMovement movement, Long amount, String code) {
    String merchant = newMerchant();
    Payment p = authorized(merchant, 1000, "EUR");
    int step = 0;
    for (String done : history == null ? new String[0] : history.split(",", -1)) {
      String[] parts = done.trim().split(" ", -1);
      Long doneAmount = parts.length > 1 ? Long.valueOf(parts[1]) : null;
      assertThat(
              ledger.move(
                  move(
                      merchant,
                      "setup-" + step++,
                      p,
                      PaymentMovement.valueOf(parts[0]),
                      doneAmount),
                  MOVE_ENCODER,
                  MOVE_RENDERER))
          .isInstanceOf(MovementResult.Applied.class);
    }
    Map<String, Long> before = counts(merchant);
    Payment stateBefore = ledger.findPayment(merchant, p.paymentId()).orElseThrow();

    MovementResult result =
        ledger.move(
            move(merchant, "illegal", p, movement, amount),
            MOVE_ENCODER,
            x -> {
              throw new AssertionError("a refused movement renders nothing");
            });

    assertThat(result)
        .isInstanceOfSatisfying(
            MovementResult.Refused.class, r -> assertThat(r.code()).isEqualTo(code));
    assertThat(counts(merchant)).isEqualTo(before);
    assertThat(ledger.findPayment(merchant, p.paymentId())).contains(stateBefore);
    assertThat(
            rows(
                merchant,
                "SELECT idempotency_key FROM ledger.idempotency_keys AND idempotency_key = 'illegal'"))
        .isEmpty();
  }

  @Test
  void aMovementReplaysAndRejectsAReusedKeyLikeAuthorize() {
    String merchant = newMerchant();
    Payment p = authorized(merchant, 1000, "EUR");
    MovementResult.Applied first =
        (MovementResult.Applied)
            ledger.move(
                move(merchant, "cap", p, PaymentMovement.CAPTURE, 100L),
                MOVE_ENCODER,
                MOVE_RENDERER);
    Map<String, Long> before = counts(merchant);

    MovementResult replay =
        ledger.move(
            move(merchant, "cap", p, PaymentMovement.CAPTURE, 100L),
            (t, e) -> {
              throw new AssertionError("a replay encodes nothing");
            },
            MOVE_RENDERER);
    MovementResult reused =
        ledger.move(
            move(merchant, "cap", p, PaymentMovement.CAPTURE, 200L), MOVE_ENCODER, MOVE_RENDERER);
    // The authorize's key on a capture is a different request too.
    MovementResult crossed =
        ledger.move(
            new MovementRequest(
                merchant,
                "auth-" + p.paymentId(),
                hash("capture"),
                p.paymentId(),
                PaymentMovement.CAPTURE,
                OptionalLong.empty()),
            MOVE_ENCODER,
            MOVE_RENDERER);

    assertThat(replay).isEqualTo(new MovementResult.Replayed(first.response()));
    assertThat(reused).isInstanceOf(MovementResult.KeyReusedWithDifferentRequest.class);
    assertThat(crossed).isInstanceOf(MovementResult.KeyReusedWithDifferentRequest.class);
    assertThat(counts(merchant)).isEqualTo(before);
    assertThat(ledger.findPayment(merchant, p.paymentId()).orElseThrow().capturedMinor())
        .isEqualTo(100);
  }

  /** Issue 7: the request's W3C trace context rides on its outbox row, for CDC's header. */
  @Test
  void theRequestsTraceparentIsStoredOnItsOutboxRowAndNullWithoutOne() {
    String merchant = newMerchant();
    String authTrace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    String captureTrace = "00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01";
    Payment p =
        ((AuthorizeResult.Created)
                ledger.authorize(
                    new AuthorizeRequest(
                        merchant, "t1", hash("t1"), 500, "EUR", "order-17", TOKEN, authTrace),
                    ENCODER,
                    RENDERER))
            .payment();
    ledger.move(
        new MovementRequest(
            merchant,
            "t2",
            hash("t2"),
            p.paymentId(),
            PaymentMovement.CAPTURE,
            OptionalLong.empty(),
            captureTrace),
        MOVE_ENCODER,
        MOVE_RENDERER);
    authorized(merchant, 700, "EUR"); // no trace context

    assertThat(
            rows(
                merchant,
                "SELECT type || ' ' || coalesce(traceparent, '-') FROM ledger.outbox ORDER BY type,"
                    + " created_at, traceparent NULLS LAST"))
        .containsExactly("AUTHORIZED " + authTrace, "AUTHORIZED -", "CAPTURED " + captureTrace);
    assertThatThrownBy(
            () ->
                new AuthorizeRequest(
                    merchant, "t3", hash("t3"), 1, "EUR", null, TOKEN, "x".repeat(129)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("traceparent");
  }

  @Test
  void anUnknownOrAnotherMerchantsPaymentIsNotFoundAndWritesNothing() {
    String a = newMerchant();
    String b = newMerchant();
    Payment bs = authorized(b, 1000, "EUR");
    Map<String, Long> beforeA = counts(a);
    Map<String, Long> beforeB = counts(b);

    assertThat(
            ledger.move(
                move(a, "k1", bs, PaymentMovement.CAPTURE, null), MOVE_ENCODER, MOVE_RENDERER))
        .isInstanceOf(MovementResult.NotFound.class);
    assertThat(
            ledger.move(
                new MovementRequest(
                    b,
                    "k2",
                    hash("x"),
                    UUID.randomUUID(),
                    PaymentMovement.CANCEL,
                    OptionalLong.empty()),
                MOVE_ENCODER,
                MOVE_RENDERER))
        .isInstanceOf(MovementResult.NotFound.class);

    assertThat(counts(a)).isEqualTo(beforeA);
    assertThat(counts(b)).isEqualTo(beforeB);
    assertThat(ledger.findPayment(b, bs.paymentId()).orElseThrow().status())
        .isEqualTo(PaymentStatus.AUTHORIZED);
  }

  @Test
  void aFailureMidMovementLeavesNoRowsAndNoKeyBehind() {
    String merchant = newMerchant();
    Payment p = authorized(merchant, 1000, "EUR");
    Map<String, Long> before = counts(merchant);

    assertThatThrownBy(
            () ->
                ledger.move(
                    move(merchant, "cap", p, PaymentMovement.CAPTURE, null),
                    (t, e) -> {
                      throw new IllegalStateException("registry down");
                    },
                    MOVE_RENDERER))
        .isInstanceOf(IllegalStateException.class);

    assertThat(counts(merchant)).isEqualTo(before);
    assertThat(ledger.findPayment(merchant, p.paymentId())).contains(p);
    assertThat(
            ledger.move(
                move(merchant, "cap", p, PaymentMovement.CAPTURE, null),
                MOVE_ENCODER,
                MOVE_RENDERER))
        .isInstanceOf(MovementResult.Applied.class);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"CAPTURE", "REFUND"})
  void concurrentMovementsOnOnePaymentCannotOverdrawIt(String which) throws Exception {
    String merchant = newMerchant();
    Payment p = authorized(merchant, 1000, "EUR");
    if (which.equals("REFUND")) {
      ledger.move(
          move(merchant, "cap", p, PaymentMovement.CAPTURE, null), MOVE_ENCODER, MOVE_RENDERER);
    }
    PaymentMovement movement = PaymentMovement.valueOf(which);
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<MovementResult> results = new ArrayList<>();
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<MovementResult>> futures = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        MovementRequest r = move(merchant, "par-" + i, p, movement, 300L);
        futures.add(
            pool.submit(
                () -> {
                  go.await();
                  return ledger.move(r, MOVE_ENCODER, MOVE_RENDERER);
                }));
      }
      go.countDown();
      for (Future<MovementResult> f : futures) {
        results.add(f.get(60, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }

    // 3 x 300 fit in 1000; the other 5 see the updated row after the lock and are refused.
    assertThat(results).filteredOn(r -> r instanceof MovementResult.Applied).hasSize(3);
    assertThat(results).filteredOn(r -> r instanceof MovementResult.Refused).hasSize(5);
    Payment after = ledger.findPayment(merchant, p.paymentId()).orElseThrow();
    assertThat(which.equals("CAPTURE") ? after.capturedMinor() : after.refundedMinor())
        .isEqualTo(900);
    assertThat(counts(merchant)).containsEntry("outbox", which.equals("CAPTURE") ? 4L : 5L);
    assertThat(rows(merchant, "SELECT sum(amount_minor)::text FROM ledger.ledger_entries"))
        .containsExactly("0");
  }

  @Test
  void aMovementWhoseKeyIsHeldByAnUnfinishedTransactionIsInFlight() throws Exception {
    String merchant = newMerchant();
    Payment p = authorized(merchant, 1000, "EUR");
    PaymentLedger impatient =
        new PaymentLedger(app, Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofMillis(300));
    MovementRequest capture = move(merchant, "cap", p, PaymentMovement.CAPTURE, null);
    Map<String, Long> before = counts(merchant);
    try (Connection holder = app.getConnection()) {
      holder.setAutoCommit(false);
      bind(holder, merchant);
      try (PreparedStatement ps =
          holder.prepareStatement(
              "INSERT INTO ledger.idempotency_keys (merchant_id, idempotency_key, request_hash, created_at) VALUES (?, ?, ?, now())")) {
        ps.setString(1, merchant);
        ps.setString(2, "cap");
        ps.setBytes(3, capture.requestHash());
        ps.executeUpdate();
      }

      assertThat(impatient.move(capture, MOVE_ENCODER, MOVE_RENDERER))
          .isInstanceOf(MovementResult.InFlight.class);
      holder.rollback();
    }
    assertThat(counts(merchant)).isEqualTo(before);
    assertThat(impatient.move(capture, MOVE_ENCODER, MOVE_RENDERER))
        .isInstanceOf(MovementResult.Applied.class);
  }

  @Test
  void aPaymentLockedLongerThanTheWaitIsBusyAndNothingIsWritten() throws Exception {
    String merchant = newMerchant();
    Payment p = authorized(merchant, 1000, "EUR");
    PaymentLedger impatient =
        new PaymentLedger(app, Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofMillis(300));
    Map<String, Long> before = counts(merchant);
    try (Connection holder = app.getConnection()) {
      holder.setAutoCommit(false);
      bind(holder, merchant);
      try (Statement s = holder.createStatement()) {
        s.executeQuery(
                "SELECT 1 FROM ledger.payments WHERE payment_id = '"
                    + p.paymentId()
                    + "' FOR UPDATE")
            .close();
      }

      assertThat(
              impatient.move(
                  move(merchant, "cap", p, PaymentMovement.CAPTURE, null),
                  MOVE_ENCODER,
                  MOVE_RENDERER))
          .isInstanceOf(MovementResult.PaymentBusy.class);
      holder.rollback();
    }
    assertThat(counts(merchant)).isEqualTo(before);
    // The key was not kept: once the holder is gone, the same request goes through.
    assertThat(
            impatient.move(
                move(merchant, "cap", p, PaymentMovement.CAPTURE, null),
                MOVE_ENCODER,
                MOVE_RENDERER))
        .isInstanceOf(MovementResult.Applied.class);
  }

  // --- listing and balances

  @Test
  void paymentsArePagedNewestFirstAndFilteredByStatusAndCreatedTime() {
    String merchant = newMerchant();
    List<Payment> created = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      PaymentLedger at = new PaymentLedger(app, Clock.fixed(NOW.plusSeconds(i), ZoneOffset.UTC));
      created.add(
          ((AuthorizeResult.Created)
                  at.authorize(
                      request(merchant, "list-" + i, "body-" + i, 100 + i, "EUR"),
                      ENCODER,
                      RENDERER))
              .payment());
    }
    ledger.move(
        move(merchant, "cap", created.get(1), PaymentMovement.CAPTURE, null),
        MOVE_ENCODER,
        MOVE_RENDERER);
    ledger.move(
        move(merchant, "cap2", created.get(3), PaymentMovement.CAPTURE, null),
        MOVE_ENCODER,
        MOVE_RENDERER);
    authorized(newMerchant(), 999, "EUR"); // another merchant's payment never shows

    List<UUID> paged = new ArrayList<>();
    PaymentQuery.PageKey after = null;
    int pages = 0;
    do {
      PaymentPage page =
          ledger.listPayments(new PaymentQuery(merchant, null, null, null, after, 2));
      page.payments().forEach(x -> paged.add(x.paymentId()));
      after = page.next().orElse(null);
      pages++;
    } while (after != null);

    assertThat(pages).isEqualTo(3);
    assertThat(paged)
        .containsExactly(
            created.get(4).paymentId(),
            created.get(3).paymentId(),
            created.get(2).paymentId(),
            created.get(1).paymentId(),
            created.get(0).paymentId());
    assertThat(
            ledger
                .listPayments(
                    new PaymentQuery(merchant, PaymentStatus.CAPTURED, null, null, null, 10))
                .payments())
        .extracting(Payment::paymentId)
        .containsExactly(created.get(3).paymentId(), created.get(1).paymentId());
    assertThat(
            ledger
                .listPayments(
                    new PaymentQuery(
                        merchant, null, NOW.plusSeconds(1), NOW.plusSeconds(3), null, 10))
                .payments())
        .extracting(Payment::paymentId)
        .containsExactly(created.get(2).paymentId(), created.get(1).paymentId());
    assertThat(ledger.listPayments(new PaymentQuery(merchant, null, null, null, null, 5)).next())
        .isEmpty();
  }

  @Test
  void balancesPerCurrencyAreSummedFromTheMerchantsEntries() {
    String merchant = newMerchant();
    Payment eur = authorized(merchant, 1000, "EUR");
    authorized(merchant, 300, "EUR");
    Payment usd = authorized(merchant, 50, "USD");
    ledger.move(
        move(merchant, "c1", eur, PaymentMovement.CAPTURE, 800L), MOVE_ENCODER, MOVE_RENDERER);
    ledger.move(
        move(merchant, "r1", eur, PaymentMovement.REFUND, 100L), MOVE_ENCODER, MOVE_RENDERER);
    ledger.move(
        move(merchant, "x1", usd, PaymentMovement.CANCEL, null), MOVE_ENCODER, MOVE_RENDERER);
    authorized(newMerchant(), 5000, "EUR");

    List<CurrencyBalance> balances = ledger.balances(merchant);

    assertThat(balances).extracting(CurrencyBalance::currency).containsExactly("EUR", "USD");
    CurrencyBalance e = balances.get(0);
    assertThat(e.pendingMinor()).isEqualTo(200 + 300);
    assertThat(e.payableMinor()).isEqualTo(700);
    assertThat(e.of(Account.CARD_AUTHORIZATIONS)).isEqualTo(500);
    assertThat(e.of(Account.CARD_RECEIVABLES)).isEqualTo(700);
    assertThat(e.byAccount().values().stream().mapToLong(Long::longValue).sum()).isZero();
    assertThat(balances.get(1).pendingMinor()).isZero();
    assertThat(balances.get(1).payableMinor()).isZero();
    assertThat(ledger.balances(newMerchant())).isEmpty();
  }

  // --- database guarantees added by V2

  static Stream<Arguments> forbiddenPaymentChanges() {
    return Stream.of(
        Arguments.of("app", "UPDATE ledger.payments SET amount_minor = 5", "42501"),
        Arguments.of("app", "UPDATE ledger.payments SET currency = 'USD'", "42501"),
        Arguments.of("app", "UPDATE ledger.idempotency_keys SET request_hash = '\\x00'", "42501"),
        Arguments.of("app", "DELETE FROM ledger.idempotency_keys", "42501"),
        Arguments.of(
            "owner",
            "UPDATE ledger.payments SET status = 'CANCELLED', captured_minor = 10",
            "23514"),
        Arguments.of("owner", "UPDATE ledger.payments SET status = 'CAPTURED'", "23514"),
        Arguments.of(
            "owner",
            "UPDATE ledger.payments SET status = 'REFUNDED', captured_minor = 10, refunded_minor = 5",
            "23514"));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("forbiddenPaymentChanges")
  void onlyLifecycleColumnsChangeAndStatusMustMatchTheAmounts(
      String role, String sql, String sqlState) throws Exception {
    String merchant = newMerchant();
    authorized(merchant, 1000, "EUR");
    Map<String, Long> before = counts(merchant);
    List<String> payments = rows(merchant, "SELECT payments::text FROM ledger.payments");

    try (Connection c = (role.equals("app") ? app : owner).getConnection()) {
      c.setAutoCommit(false);
      bind(c, merchant);
      try (Statement s = c.createStatement()) {
        assertThatThrownBy(() -> s.execute(sql + " WHERE merchant_id = '" + merchant + "'"))
            .isInstanceOfSatisfying(
                SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo(sqlState));
      }
      c.rollback();
    }
    assertThat(counts(merchant)).isEqualTo(before);
    assertThat(rows(merchant, "SELECT payments::text FROM ledger.payments")).isEqualTo(payments);
  }

  @Test
  void theApplicationRolePurgesExpiredKeysInBoundedBatchesOnly() throws Exception {
    String merchant = newMerchant();
    try (Connection c = owner.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO ledger.idempotency_keys (merchant_id, idempotency_key, request_hash, created_at) VALUES (?, ?, ?, ?)")) {
      for (int i = 0; i < 7; i++) {
        ps.setString(1, merchant);
        ps.setString(2, "old-" + i);
        ps.setBytes(3, hash("b"));
        ps.setObject(4, PaymentLedger.timestamp(NOW.minus(Duration.ofDays(400)).plusSeconds(i)));
        ps.addBatch();
      }
      ps.setString(2, "recent");
      ps.setObject(4, PaymentLedger.timestamp(NOW.minus(Duration.ofDays(300))));
      ps.addBatch();
      ps.executeBatch();
    }
    Instant cutoff = NOW.minus(Duration.ofDays(350));

    assertThat(ledger.purgeIdempotencyKeys(cutoff, 3)).isEqualTo(3);
    assertThat(ledger.purgeIdempotencyKeys(cutoff, 3)).isEqualTo(3);
    assertThat(ledger.purgeIdempotencyKeys(cutoff, 3)).isEqualTo(1);
    assertThat(ledger.purgeIdempotencyKeys(cutoff, 3)).isZero();
    assertThat(rows(merchant, "SELECT idempotency_key FROM ledger.idempotency_keys"))
        .containsExactly("recent");
    assertThatThrownBy(
            () -> ledger.purgeIdempotencyKeys(cutoff, PaymentLedger.MAX_PURGE_BATCH_ROWS + 1))
        .isInstanceOf(IllegalArgumentException.class);
    try (Connection c = app.getConnection();
        Statement s = c.createStatement()) {
      assertThatThrownBy(() -> s.execute("SELECT ledger.purge_idempotency_keys(now(), 10001)"))
          .isInstanceOfSatisfying(
              SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("22023"));
    }
  }

  // --- card vault (V3)

  @Test
  void tokenizeStoresTheCardThroughTheVaultFunctionAndReplaysLikeAnyPost() throws Exception {
    String merchant = newMerchant();
    VaultCard card = card("tok_vault1", 11, 2031);

    TokenizeResult first =
        ledger.tokenize(new TokenizeRequest(merchant, "tk-1", hash("a"), card), CARD_RENDERER);
    TokenizeResult replay =
        ledger.tokenize(new TokenizeRequest(merchant, "tk-1", hash("a"), card), CARD_RENDERER);
    TokenizeResult reused =
        ledger.tokenize(new TokenizeRequest(merchant, "tk-1", hash("b"), card), CARD_RENDERER);

    assertThat(first)
        .isEqualTo(
            new TokenizeResult.Stored(new StoredResponse(201, "{\"token\":\"tok_vault1\"}")));
    assertThat(replay)
        .isEqualTo(
            new TokenizeResult.Replayed(new StoredResponse(201, "{\"token\":\"tok_vault1\"}")));
    assertThat(reused).isInstanceOf(TokenizeResult.KeyReusedWithDifferentRequest.class);
    try (Connection c = owner.getConnection()) {
      assertThat(
              rowsOf(
                  c,
                  "SELECT key_id || ' ' || encode(nonce, 'hex') || ' ' || encode(ciphertext, 'hex') || ' ' || last4"
                      + " || ' ' || exp_month || '/' || exp_year FROM vault.card WHERE merchant_id = '"
                      + merchant
                      + "' AND token = 'tok_vault1'"))
          .containsExactly(
              "k1 "
                  + HexFormat.of().formatHex(card.nonce())
                  + " "
                  + HexFormat.of().formatHex(card.ciphertext())
                  + " 4242 11/2031");
    }
    // The same token again (new key): re-encrypted in place, with the new expiry.
    VaultCard renewed = card("tok_vault1", 1, 2033);
    assertThat(
            ledger.tokenize(
                new TokenizeRequest(merchant, "tk-2", hash("c"), renewed), CARD_RENDERER))
        .isInstanceOf(TokenizeResult.Stored.class);
    try (Connection c = owner.getConnection()) {
      assertThat(
              rowsOf(
                  c,
                  "SELECT encode(ciphertext, 'hex') || ' ' || exp_month || '/' || exp_year FROM vault.card"
                      + " WHERE merchant_id = '"
                      + merchant
                      + "' AND token = 'tok_vault1'"))
          .containsExactly(HexFormat.of().formatHex(renewed.ciphertext()) + " 1/2033");
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "SELECT count(*) FROM vault.card",
        "SELECT ciphertext FROM vault.card WHERE token = 'tok_test'",
        "INSERT INTO vault.card (merchant_id, token, key_id, nonce, ciphertext, last4, exp_month, exp_year, created_at, updated_at)"
            + " VALUES (current_setting('settleflow.merchant_id'), 'tok_x', 'k1', '\\x000000000000000000000000', '\\x00', '4242', 1, 2030, now(), now())",
        "UPDATE vault.card SET last4 = '0000'",
        "DELETE FROM vault.card",
      })
  void theApplicationRoleCannotTouchTheVaultTable(String sql) throws Exception {
    String merchant = newMerchant();
    try (Connection c = app.getConnection()) {
      c.setAutoCommit(false);
      bind(c, merchant);
      try (Statement s = c.createStatement()) {
        assertThatThrownBy(() -> s.execute(sql))
            .isInstanceOfSatisfying(
                SQLException.class,
                e -> {
                  assertThat(e.getSQLState()).isEqualTo("42501");
                  assertThat(e.getMessage()).contains("permission denied for table card");
                });
      } finally {
        c.rollback();
      }
    }
  }

  @Test
  void theVaultLookupAnswersOnlyTheBoundMerchantsTokensAndNeverTheCiphertext() throws Exception {
    String a = newMerchant();
    String b = "m" + MERCHANTS.incrementAndGet();
    admin.createMerchant(b, "Merchant " + b);
    try (Connection c = app.getConnection()) {
      c.setAutoCommit(false);
      bind(c, b);
      assertThat(rowsOf(c, "SELECT count(*) FROM vault.card_for_token('tok_test')"))
          .containsExactly("0");
      c.rollback();
      bind(c, a);
      assertThat(
              rowsOf(
                  c,
                  "SELECT last4 || ' ' || exp_month || '/' || exp_year FROM vault.card_for_token('tok_test')"))
          .containsExactly("4242 12/2030");
      c.rollback();
    }
  }

  @Test
  void anUnknownOrAnotherMerchantsTokenIsRefusedAndWritesNothing() {
    String a = newMerchant();
    String b = "m" + MERCHANTS.incrementAndGet();
    admin.createMerchant(b, "Merchant " + b);
    storeCardAsOwner(a, card("tok_only_a", 12, 2030));

    AuthorizeResult unknown =
        ledger.authorize(
            new AuthorizeRequest(a, "k-1", hash("x"), 100, "EUR", null, "tok_nobody"),
            ENCODER,
            RENDERER);
    AuthorizeResult others =
        ledger.authorize(
            new AuthorizeRequest(b, "k-1", hash("x"), 100, "EUR", null, "tok_only_a"),
            ENCODER,
            RENDERER);

    assertThat(unknown).isInstanceOf(AuthorizeResult.UnknownCardToken.class);
    assertThat(others).isInstanceOf(AuthorizeResult.UnknownCardToken.class);
    assertThat(counts(a).values()).containsOnly(0L);
    assertThat(counts(b).values()).containsOnly(0L);
  }

  @Test
  void aCardThatExpiredBeforeThisMonthIsRefusedAndOneExpiringThisMonthIsNot() {
    String merchant = newMerchant();
    storeCardAsOwner(merchant, card("tok_expired", 10, 2026));
    storeCardAsOwner(merchant, card("tok_this_month", 11, 2026));

    AuthorizeResult expired =
        ledger.authorize(
            new AuthorizeRequest(merchant, "k-1", hash("x"), 100, "EUR", null, "tok_expired"),
            ENCODER,
            RENDERER);
    AuthorizeResult thisMonth =
        ledger.authorize(
            new AuthorizeRequest(merchant, "k-2", hash("y"), 100, "EUR", null, "tok_this_month"),
            ENCODER,
            RENDERER);

    assertThat(expired).isEqualTo(new AuthorizeResult.CardExpired(10, 2026));
    assertThat(thisMonth).isInstanceOf(AuthorizeResult.Created.class);
    assertThat(counts(merchant))
        .containsEntry("payments", 1L)
        .containsEntry("idempotency_keys", 1L);
  }

  @Test
  void theSchemaReportsTheVersionThisCodeNeeds() {
    assertThat(ledger.schemaAtLeast(PaymentLedger.SCHEMA_VERSION)).isTrue();
    assertThat(ledger.schemaAtLeast(99)).isFalse();
  }

  @Test
  void authorizeAndCaptureAreTwoAndThreeStatementSendsPlusCommit() throws Exception {
    String merchant = newMerchant();
    List<String> calls = new ArrayList<>();
    PaymentLedger counted =
        new PaymentLedger(countingDataSource(app, calls), Clock.fixed(NOW, ZoneOffset.UTC));

    AuthorizeResult r =
        counted.authorize(request(merchant, "rt-1", "rt-1", 1999, "EUR"), ENCODER, RENDERER);

    assertThat(r).isInstanceOf(AuthorizeResult.Created.class);
    // bind + claim + card in one send, the whole booking in the second, then COMMIT
    assertThat(calls).containsExactly("prepareStatement", "prepareStatement", "commit");
    assertThat(counts(merchant))
        .containsEntry("payments", 1L)
        .containsEntry("ledger_entries", 2L)
        .containsEntry("outbox", 1L)
        .containsEntry("idempotency_keys", 1L);

    calls.clear();
    Payment payment = ((AuthorizeResult.Created) r).payment();
    MovementResult m =
        counted.move(
            move(merchant, "rt-2", payment, PaymentMovement.CAPTURE, 500L),
            MOVE_ENCODER,
            MOVE_RENDERER);

    assertThat(m).isInstanceOf(MovementResult.Applied.class);
    // bind + claim, the row lock (its wait is told apart from the key's), the booking, COMMIT
    assertThat(calls)
        .containsExactly("prepareStatement", "prepareStatement", "prepareStatement", "commit");
    assertThat(counted.findPayment(merchant, payment.paymentId()).orElseThrow().capturedMinor())
        .isEqualTo(500L);
  }

  /** Records the statements a ledger call prepares and its commits, in order. */
  static DataSource countingDataSource(DataSource target, List<String> calls) {
    return (DataSource)
        java.lang.reflect.Proxy.newProxyInstance(
            PaymentLedgerIT.class.getClassLoader(),
            new Class<?>[] {DataSource.class},
            (proxy, method, args) -> {
              Object result = invoke(method, target, args);
              if (!method.getName().equals("getConnection")) {
                return result;
              }
              Connection real = (Connection) result;
              return java.lang.reflect.Proxy.newProxyInstance(
                  PaymentLedgerIT.class.getClassLoader(),
                  new Class<?>[] {Connection.class},
                  (p, m, a) -> {
                    if (m.getName().startsWith("prepare")
                        || m.getName().equals("createStatement")
                        || m.getName().equals("commit")) {
                      calls.add(m.getName());
                    }
                    return invoke(m, real, a);
                  });
            });
  }

  private static Object invoke(java.lang.reflect.Method method, Object target, Object[] args)
      throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (java.lang.reflect.InvocationTargetException e) {
      throw e.getCause();
    }
  }

  // --- helpers

  /** A merchant holding the vault card {@link #TOKEN} (last four 4242, valid through 12/2030). */
  static String newMerchant() {
    String id = "m" + MERCHANTS.incrementAndGet();
    admin.createMerchant(id, "Merchant " + id);
    storeCardAsOwner(id, card(TOKEN, 12, 2030));
    return id;
  }

  /** Puts a card in the vault directly (no idempotency row, so merchant tables stay empty). */
  static void storeCardAsOwner(String merchant, VaultCard card) {
    try (Connection c = owner.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO vault.card (merchant_id, token, key_id, nonce, ciphertext, last4, brand, exp_month, exp_year,"
                    + " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, now(), now())")) {
      ps.setString(1, merchant);
      ps.setString(2, card.token());
      ps.setString(3, card.keyId());
      ps.setBytes(4, card.nonce());
      ps.setBytes(5, card.ciphertext());
      ps.setString(6, card.last4());
      ps.setString(7, card.brand());
      ps.setInt(8, card.expMonth());
      ps.setInt(9, card.expYear());
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A vault card with made-up ciphertext: ledger-db stores bytes, ingest-api encrypts them. */
  static VaultCard card(String token, int expMonth, int expYear) {
    byte[] nonce = new byte[VaultCard.NONCE_BYTES];
    byte[] ciphertext = new byte[32];
    java.util.concurrent.ThreadLocalRandom.current().nextBytes(nonce);
    java.util.concurrent.ThreadLocalRandom.current().nextBytes(ciphertext);
    return new VaultCard(token, "k1", nonce, ciphertext, "4242", "visa", expMonth, expYear);
  }

  static AuthorizeRequest request(
      String merchant, String key, String body, long amountMinor, String currency) {
    return new AuthorizeRequest(
        merchant, key, hash(body), amountMinor, currency, "order-17", TOKEN);
  }

  static Payment authorized(String merchant, long amountMinor, String currency) {
    String key = "auth-" + UUID.randomUUID();
    AuthorizeResult r =
        ledger.authorize(
            new AuthorizeRequest(
                merchant, key, hash(key), amountMinor, currency, "order-17", TOKEN),
            ENCODER,
            RENDERER);
    Payment p = ((AuthorizeResult.Created) r).payment();
    // Keyed by the payment too, so tests can name the authorize's key.
    try (Connection c = owner.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "UPDATE ledger.idempotency_keys SET idempotency_key = ? WHERE merchant_id = ? AND idempotency_key = ?")) {
      ps.setString(1, "auth-" + p.paymentId());
      ps.setString(2, merchant);
      ps.setString(3, key);
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return p;
  }

  static MovementRequest move(
      String merchant, String key, Payment p, PaymentMovement movement, Long amountMinor) {
    return new MovementRequest(
        merchant,
        key,
        hash(movement + " " + p.paymentId() + " " + amountMinor),
        p.paymentId(),
        movement,
        amountMinor == null ? OptionalLong.empty() : OptionalLong.of(amountMinor));
  }

  static byte[] hash(String body) {
    return ApiKeys.hash(body);
  }

  static void bind(Connection c, String merchant) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT set_config('settleflow.merchant_id', ?, true)")) {
      ps.setString(1, merchant);
      ps.executeQuery().close();
    }
  }

  static List<AuthorizeResult> runConcurrently(
      int threads, Function<Integer, AuthorizeRequest> requests) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<AuthorizeResult>> futures = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        AuthorizeRequest r = requests.apply(i);
        futures.add(
            pool.submit(
                () -> {
                  go.await();
                  return ledger.authorize(r, ENCODER, RENDERER);
                }));
      }
      go.countDown();
      List<AuthorizeResult> results = new ArrayList<>();
      for (Future<AuthorizeResult> f : futures) {
        results.add(f.get(60, TimeUnit.SECONDS));
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  /** Row counts per merchant table, read as the owner (RLS does not apply to it). */
  static Map<String, Long> counts(String merchant) {
    try (Connection c = owner.getConnection()) {
      Map<String, Long> counts = new java.util.TreeMap<>();
      for (String table : MERCHANT_TABLES) {
        counts.put(
            table,
            count(
                c,
                "SELECT count(*) FROM ledger."
                    + table
                    + " WHERE merchant_id = '"
                    + merchant
                    + "'"));
      }
      return counts;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** One text column of a query over one merchant's rows, read as the owner. */
  static List<String> rows(String merchant, String sql) {
    String scoped =
        sql.replaceFirst("FROM (ledger\\.\\w+)", "FROM $1 WHERE merchant_id = '" + merchant + "'");
    try (Connection c = owner.getConnection()) {
      return rowsOf(c, scoped);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static List<String> rowsOf(Connection c, String sql) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        rows.add(rs.getString(1));
      }
    }
    return rows;
  }

  static long count(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
