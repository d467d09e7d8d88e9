package io.settleflow.risk;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/** One earlier payment of a merchant, as kept in the velocity window store. */
record MerchantPayment(long amountMinor, String currency) {

  /**
   * 8 bytes of amount then the UTF-8 currency code: small, since the store holds one per payment.
   */
  static Serde<MerchantPayment> serde() {
    Serializer<MerchantPayment> serializer =
        (topic, p) -> {
          if (p == null) {
            return null;
          }
          byte[] currency = p.currency().getBytes(StandardCharsets.UTF_8);
          return ByteBuffer.allocate(Long.BYTES + currency.length)
              .putLong(p.amountMinor())
              .put(currency)
              .array();
        };
    Deserializer<MerchantPayment> deserializer =
        (topic, bytes) -> {
          if (bytes == null) {
            return null;
          }
          ByteBuffer b = ByteBuffer.wrap(bytes);
          long amount = b.getLong();
          return new MerchantPayment(
              amount,
              new String(bytes, Long.BYTES, bytes.length - Long.BYTES, StandardCharsets.UTF_8));
        };
    return Serdes.serdeFrom(serializer, deserializer);
  }
}
