package io.settleflow.risk;

import io.settleflow.avro.PaymentEvent;
import io.settleflow.avro.SettlementRecord;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * One money movement of a merchant, as the merchant-keyed part of the topology sees it: the ledger
 * events (authorized, captured, refunded, cancelled) and the settled payments from settlement
 * files. Travels on the internal repartition topic with its own compact serde, so the hot path does
 * not pay for Avro and a registry round trip twice.
 *
 * @param cardToken null when the event carries none (settlements never do)
 */
record MerchantEvent(
    Kind kind,
    String eventId,
    String paymentId,
    String merchantId,
    long amountMinor,
    String currency,
    String cardToken,
    long occurredAtMs) {

  /** What moved; only AUTHORIZED is scored, the rest feed the features. */
  /**
   * What happened; {@code code} is its byte on the wire (stored in changelogs: never reuse one).
   */
  enum Kind {
    AUTHORIZED(1),
    CAPTURED(2),
    REFUNDED(3),
    CANCELLED(4),
    SETTLED(5);

    final byte code;

    Kind(int code) {
      this.code = (byte) code;
    }

    static Kind ofCode(byte code) {
      for (Kind k : values()) {
        if (k.code == code) {
          return k;
        }
      }
      throw new IllegalArgumentException("unknown MerchantEvent kind " + code);
    }
  }

  static MerchantEvent of(PaymentEvent e) {
    return new MerchantEvent(
        Kind.valueOf(e.getEventType().name()),
        e.getEventId(),
        e.getPaymentId(),
        e.getMerchantId(),
        e.getAmountMinor(),
        e.getCurrency(),
        e.getCardToken(),
        e.getOccurredAt().toEpochMilli());
  }

  /** A settled PAYMENT line that names its merchant (the caller checks both). */
  static MerchantEvent settled(SettlementRecord s) {
    return new MerchantEvent(
        Kind.SETTLED,
        s.getEventId(),
        s.getPaymentReference(),
        s.getMerchantId(),
        s.getGrossAmountMinor(),
        s.getCurrency(),
        null,
        s.getSettledAt().toEpochMilli());
  }

  /** Version byte, then fixed fields, then length-prefixed UTF-8 strings (null = length -1). */
  static Serde<MerchantEvent> serde() {
    Serializer<MerchantEvent> serializer =
        (topic, e) -> {
          if (e == null) {
            return null;
          }
          byte[][] strings = {
            utf8(e.eventId()),
            utf8(e.paymentId()),
            utf8(e.merchantId()),
            utf8(e.currency()),
            utf8(e.cardToken())
          };
          int size = 1 + 1 + Long.BYTES + Long.BYTES;
          for (byte[] s : strings) {
            size += Integer.BYTES + (s == null ? 0 : s.length);
          }
          ByteBuffer b = ByteBuffer.allocate(size);
          b.put(FORMAT_VERSION)
              .put(e.kind().code)
              .putLong(e.amountMinor())
              .putLong(e.occurredAtMs());
          for (byte[] s : strings) {
            if (s == null) {
              b.putInt(-1);
            } else {
              b.putInt(s.length).put(s);
            }
          }
          return b.array();
        };
    Deserializer<MerchantEvent> deserializer =
        (topic, bytes) -> {
          if (bytes == null) {
            return null;
          }
          ByteBuffer b = ByteBuffer.wrap(bytes);
          byte version = b.get();
          if (version != FORMAT_VERSION) {
            throw new IllegalArgumentException("unknown MerchantEvent format " + version);
          }
          Kind kind = Kind.ofCode(b.get());
          long amount = b.getLong();
          long occurredAt = b.getLong();
          String eventId = string(b);
          String paymentId = string(b);
          String merchantId = string(b);
          String currency = string(b);
          String cardToken = string(b);
          return new MerchantEvent(
              kind, eventId, paymentId, merchantId, amount, currency, cardToken, occurredAt);
        };
    return Serdes.serdeFrom(serializer, deserializer);
  }

  private static final byte FORMAT_VERSION = 2; // 2: kinds by explicit code, not ordinal

  private static byte[] utf8(String s) {
    return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
  }

  private static String string(ByteBuffer b) {
    int length = b.getInt();
    if (length < 0) {
      return null;
    }
    String s =
        new String(b.array(), b.arrayOffset() + b.position(), length, StandardCharsets.UTF_8);
    b.position(b.position() + length);
    return s;
  }
}
