package io.settleflow.risk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The per-entity state: what each read sees, what pruning keeps, and its encoding. */
class EntityHistoryTest {
  private static final long T = 1_764_064_800_000L; // 2025-11-25T10:00:00Z, an hour start
  private static final long S = 1_000;
  private static final long MIN = 60_000;
  private static final long HOUR = 3_600_000;
  private static final long DAY = 86_400_000;
  private static final EntityHistory.Limits LIMITS =
      new EntityHistory.Limits(60 * S, 30 * DAY, 30 * DAY, 5 * MIN);

  static Stream<Arguments> merchantReads() {
    return Stream.of(
        row(
            "1 m window: the 60 one-second buckets up to t",
            h -> {
              h.authorized(T, "EUR", 100);
              h.authorized(T + 59 * S, "EUR", 200);
            },
            h -> h.window(FeatureWindow.ONE_MINUTE, T + 59 * S).in("EUR").sumMinor(),
            300L),
        row(
            "1 m window: the bucket 60 s back has left",
            h -> {
              h.authorized(T, "EUR", 100);
              h.authorized(T + 60 * S, "EUR", 200);
            },
            h -> h.window(FeatureWindow.ONE_MINUTE, T + 60 * S).in("EUR").sumMinor(),
            200L),
        row(
            "a read at t does not see later movements",
            h -> {
              h.authorized(T, "EUR", 100);
              h.authorized(T + 10 * S, "EUR", 200);
            },
            h -> h.window(FeatureWindow.ONE_MINUTE, T + 5 * S).count(),
            1L),
        row(
            "currencies are kept apart, counts are of any",
            h -> {
              h.authorized(T, "EUR", 100);
              h.authorized(T + S, "USD", 7);
              h.authorized(T + 2 * S, "EUR", 50);
            },
            h ->
                h.window(FeatureWindow.ONE_DAY, T + 2 * S).count() * 1_000_000
                    + h.window(FeatureWindow.ONE_DAY, T + 2 * S).in("USD").sumMinor() * 1_000
                    + h.window(FeatureWindow.ONE_DAY, T + 2 * S).in("EUR").sumMinor(),
            3_007_150L),
        row(
            "exact velocity window (t - 60 s, t]",
            h -> {
              h.authorized(T, "EUR", 100);
              h.authorized(T + 1, "EUR", 200);
              h.authorized(T + 60 * S, "EUR", 400);
            },
            h -> (long) h.velocity(T + 60 * S, 60 * S, "EUR").sameCurrencyAmountMinor(),
            600L),
        row(
            "velocity counts other currencies, sums only the payment's",
            h -> {
              h.authorized(T, "EUR", 100);
              h.authorized(T + 1, "USD", 200);
              h.authorized(T + 2, "EUR", 400);
            },
            h -> (long) h.velocity(T + 2, 60 * S, "EUR").paymentsInWindow(),
            3L),
        row(
            "velocity: an out-of-order payment is placed by its time",
            h -> {
              h.authorized(T + 2 * S, "EUR", 100);
              h.authorized(T, "EUR", 200);
            },
            h -> (long) h.velocity(T + S, 60 * S, "EUR").sameCurrencyAmountMinor(),
            200L),
        row(
            "open exposure: authorized minus refunded and closed, within the horizon",
            h -> {
              h.authorized(T, "EUR", 1_000);
              h.refunded(T + HOUR, "EUR", 100);
              h.closed(T + 2 * HOUR, "EUR", 200);
              h.captured(T + 3 * HOUR, "EUR", 1_000);
            },
            h -> h.openExposure(T + 4 * HOUR, 30 * DAY).in("EUR").sumMinor(),
            700L),
        row(
            "open exposure ends at the horizon",
            h -> {
              h.authorized(T, "EUR", 1_000);
              h.authorized(T + 31 * DAY, "EUR", 5);
            },
            h -> h.openExposure(T + 31 * DAY, 30 * DAY).in("EUR").sumMinor(),
            5L),
        row(
            "captures in the last 24 hour buckets",
            h -> {
              h.captured(T, "EUR", 1);
              h.captured(T + HOUR, "USD", 1);
              h.captured(T + 24 * HOUR, "EUR", 1);
            },
            h -> h.captures24h(T + 24 * HOUR),
            2L),
        row(
            "refunds in the last 24 hour buckets",
            h -> {
              h.refunded(T, "EUR", 1);
              h.refunded(T + 23 * HOUR, "EUR", 1);
            },
            h -> h.refunds24h(T + 23 * HOUR),
            2L),
        row(
            "the day's sum of squares, for the spread",
            h -> {
              h.authorized(T, "EUR", 3);
              h.authorized(T + HOUR, "EUR", 4);
            },
            h -> h.window(FeatureWindow.ONE_DAY, T + HOUR).in("EUR").sumOfSquares().longValue(),
            25L));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("merchantReads")
  void aMerchantReadSeesWhatWasAddedBeforeAndSurvivesItsEncoding(
      String name, Consumer<EntityHistory> story, Read read, long expected) {
    EntityHistory h = new EntityHistory(EntityHistory.Kind.MERCHANT);
    story.accept(h);

    assertThat(read.apply(h)).isEqualTo(expected);
    assertThat(read.apply(EntityHistory.decode(h.encode()))).isEqualTo(expected);
  }

  interface Read {
    long apply(EntityHistory h);
  }

  static Stream<Arguments> cardSeen() {
    return Stream.of(
        Arguments.of("never", new long[] {}, T, false),
        Arguments.of("the same day", new long[] {T}, T + HOUR, true),
        Arguments.of("20 days ago", new long[] {T}, T + 20 * DAY, true),
        Arguments.of("beyond the memory", new long[] {T}, T + 31 * DAY, false),
        Arguments.of("only later", new long[] {T + 2 * DAY}, T, false),
        Arguments.of("older and later", new long[] {T + 2 * DAY, T - DAY}, T, true));
  }

  @ParameterizedTest(name = "card seen: {0}")
  @MethodSource("cardSeen")
  void aCardRemembersTheDaysItPaid(String name, long[] paid, long at, boolean expected) {
    EntityHistory card = new EntityHistory(EntityHistory.Kind.CARD);
    for (long t : paid) {
      card.authorized(t, "EUR", 100);
      card.authorized(t, "EUR", 100); // a second payment the same day adds no day
    }
    assertThat(card.seenWithin(at, 30 * DAY)).isEqualTo(expected);
    assertThat(EntityHistory.decode(card.encode()).seenWithin(at, 30 * DAY)).isEqualTo(expected);
  }

  @Test
  void pruningKeepsWhatAReadWithinTheLatenessNeedsAndEmptiesAnIdleEntity() {
    EntityHistory h = new EntityHistory(EntityHistory.Kind.MERCHANT);
    h.authorized(T, "EUR", 100);
    h.captured(T, "EUR", 100);
    h.refunded(T, "EUR", 10);
    h.authorized(T + 2 * MIN, "EUR", 200);

    h.prune(T + 2 * MIN, LIMITS);
    // a payment 5 min late still sees both in its 1 h window
    assertThat(h.window(FeatureWindow.ONE_HOUR, T + 2 * MIN).count()).isEqualTo(2);
    assertThat(h.velocity(T + 2 * MIN, Duration.ofDays(1).toMillis(), "EUR").paymentsInWindow())
        .isEqualTo(2);

    h.prune(T + 2 * MIN + 60 * S + 5 * MIN + S, LIMITS);
    assertThat(h.velocity(T + 2 * MIN, Duration.ofDays(1).toMillis(), "EUR").paymentsInWindow())
        .isZero();
    assertThat(h.window(FeatureWindow.ONE_MINUTE, T + 2 * MIN).count()).isZero();
    assertThat(h.window(FeatureWindow.ONE_HOUR, T + 2 * MIN).count()).isEqualTo(2);
    assertThat(h.isEmpty()).isFalse();

    long expiry = LIMITS.expiresAfter(EntityHistory.Kind.MERCHANT, h.lastEventMs());
    assertThat(expiry).isEqualTo(T + 2 * MIN + 30 * DAY + 5 * MIN);
    h.prune(expiry + 1, LIMITS);
    assertThat(h.isEmpty()).isTrue();
    assertThat(EntityHistory.decode(h.encode()).isEmpty()).isTrue();
  }

  @Test
  void aCardExpiresAfterItsMemoryAndTheEncodingTellsItsAgeCheaply() {
    EntityHistory card = new EntityHistory(EntityHistory.Kind.CARD);
    card.authorized(T, "EUR", 100);
    byte[] bytes = card.encode();
    assertThat(EntityHistory.kind(bytes)).isEqualTo(EntityHistory.Kind.CARD);
    assertThat(EntityHistory.lastEventMs(bytes)).isEqualTo(T);
    long expiry = LIMITS.expiresAfter(EntityHistory.Kind.CARD, T);
    assertThat(expiry).isEqualTo(T + 30 * DAY + 5 * MIN);

    card.prune(T + 29 * DAY, LIMITS);
    assertThat(card.isEmpty()).isFalse();
    card.prune(expiry + 1, LIMITS);
    assertThat(card.isEmpty()).isTrue();
  }

  @Test
  void theVelocityLogKeepsAtMostItsLimitNewestFirst() {
    PaymentLog log = new PaymentLog();
    for (int i = 0; i < PaymentLog.MAX_ENTRIES + 5; i++) {
      log.add(T + i, 1, "EUR");
    }
    log.add(T - 1, 1, "EUR"); // older than all kept while full: not added
    assertThat(log.size()).isEqualTo(PaymentLog.MAX_ENTRIES);
    assertThat(log.activity(0, Long.MAX_VALUE, "EUR").paymentsInWindow())
        .isEqualTo(PaymentLog.MAX_ENTRIES);
    assertThat(log.activity(0, T + 4, "EUR").paymentsInWindow()).isZero();
  }

  @Test
  void bucketsOfSeveralCurrenciesSumPerCurrency() {
    BucketSeries s = new BucketSeries(true);
    s.add(0, "USD", 5);
    s.add(0, "EUR", 3);
    s.add(1_000, "USD", -2);
    s.add(0, "EUR", 4);
    ActivityBucket total = BucketSeries.read(reader(s), true).total(0, 1_000);
    assertThat(total.byCurrency())
        .isEqualTo(
            Map.of(
                "EUR", new ActivityBucket.Totals(2, 7, BigInteger.valueOf(25)),
                "USD", new ActivityBucket.Totals(2, 3, BigInteger.valueOf(29))));
    assertThat(s.count(1, 1_000)).isEqualTo(1);
    s.dropBefore(1_000);
    assertThat(s.size()).isEqualTo(1);
  }

  private static CompactBytes.Reader reader(BucketSeries s) {
    CompactBytes.Writer w = new CompactBytes.Writer(0);
    s.write(w);
    return new CompactBytes.Reader(w.toByteArray());
  }

  static Stream<Arguments> badEncodings() {
    EntityHistory m = new EntityHistory(EntityHistory.Kind.MERCHANT);
    m.authorized(T, "EUR", 100);
    byte[] good = m.encode();
    byte[] truncated = java.util.Arrays.copyOf(good, good.length - 1);
    byte[] longer = java.util.Arrays.copyOf(good, good.length + 1);
    byte[] version = good.clone();
    version[0] = 9;
    byte[] kind = good.clone();
    kind[1] = 9;
    return Stream.of(
        Arguments.of("truncated", truncated, "truncated"),
        Arguments.of("trailing bytes", longer, "after its end"),
        Arguments.of("unknown format version", version, "format 9"),
        Arguments.of("unknown kind", kind, "kind 9"),
        Arguments.of("a length past the end", new byte[] {1, 1, 0, 100}, "past its end"),
        Arguments.of(
            "a malformed varint",
            new byte[] {1, 1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
            "malformed"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badEncodings")
  void aCorruptEntryIsRefusedWithAReason(String name, byte[] bytes, String message) {
    assertThatThrownBy(() -> EntityHistory.decode(bytes))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(
      strings = {
        "",
        "EUR",
        "Zürich-ß",
        "a-very-long-merchant-id-of-more-than-one-hundred-and-"
            + "twenty-seven-characters-so-that-its-length-takes-two-varint-bytes-when-written"
      })
  void stringsAndNumbersSurviveTheCompactEncoding(String s) {
    CompactBytes.Writer w = new CompactBytes.Writer(0);
    w.writeString(s).writeLong(Long.MIN_VALUE).writeLong(-1).writeLong(Long.MAX_VALUE);
    CompactBytes.Reader r = new CompactBytes.Reader(w.toByteArray());
    assertThat(r.readString()).isEqualTo(s);
    assertThat(r.readLong()).isEqualTo(Long.MIN_VALUE);
    assertThat(r.readLong()).isEqualTo(-1);
    assertThat(r.readLong()).isEqualTo(Long.MAX_VALUE);
    assertThat(r.atEnd()).isTrue();
  }

  @Test
  void repeatedStringsAreWrittenLikeNewOnesAndReadBackEqual() {
    // the writer copies a repeated string's earlier bytes; the bytes must be what a fresh write
    // gives, whatever comes between the repeats
    List<String> strings = List.of("EUR", "EUR", "USD", "EUR", "Zürich-ß", "Zürich-ß", "", "");
    CompactBytes.Writer w = new CompactBytes.Writer(0);
    java.io.ByteArrayOutputStream fresh = new java.io.ByteArrayOutputStream();
    for (String s : strings) {
      w.writeString(s).writeLong(7);
      fresh.writeBytes(new CompactBytes.Writer(0).writeString(s).writeLong(7).toByteArray());
    }
    byte[] bytes = w.toByteArray();
    assertThat(bytes).isEqualTo(fresh.toByteArray());
    CompactBytes.Reader r = new CompactBytes.Reader(bytes);
    for (String s : strings) {
      assertThat(r.readString()).isEqualTo(s);
      assertThat(r.readLong()).isEqualTo(7);
    }
    assertThat(r.atEnd()).isTrue();
  }

  @Test
  void onlyAMerchantHoldsFlowsAndOnlyACardItsDays() {
    EntityHistory card = new EntityHistory(EntityHistory.Kind.CARD);
    EntityHistory merchant = new EntityHistory(EntityHistory.Kind.MERCHANT);
    assertThatThrownBy(() -> card.captured(T, "EUR", 1)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> merchant.seenWithin(T, DAY)).isInstanceOf(IllegalStateException.class);
  }

  private static Arguments row(
      String name, Consumer<EntityHistory> story, Read read, long expected) {
    return Arguments.of(name, story, read, expected);
  }
}
