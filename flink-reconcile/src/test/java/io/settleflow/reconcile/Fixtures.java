package io.settleflow.reconcile;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.types.Either;

/** Small builders for test inputs. Times are event-time milliseconds. */
final class Fixtures {
  private Fixtures() {}

  /**
   * A finite source of {@code items} in order, as the job's sources yield them: each a decoded
   * {@code type} (right), or a {@link DeadLetter} (left) where the list holds one.
   */
  static <T> DataGeneratorSource<Either<DeadLetter, T>> finite(
      List<? extends Object> items, Class<T> type) {
    // Either itself is not Serializable; the generator function (shipped with the job) holds the
    // plain objects and wraps them on the task.
    ArrayList<Object> copy = new ArrayList<>(items);
    for (Object o : copy) {
      if (!(o instanceof DeadLetter) && !type.isInstance(o)) {
        throw new IllegalArgumentException("neither a dead letter nor a " + type + ": " + o);
      }
    }
    GeneratorFunction<Long, Either<DeadLetter, T>> at =
        i -> {
          Object o = copy.get(i.intValue());
          return o instanceof DeadLetter d ? Either.Left(d) : Either.Right(type.cast(o));
        };
    return new DataGeneratorSource<>(at, copy.size(), DeadLetterSplitFunction.orDeadLetter(type));
  }

  static LedgerPayment payment(
      String eventId, String paymentId, long amountMinor, String currency, long atMs) {
    return new LedgerPayment(
        eventId, "AUTHORIZED", paymentId, "merchant-1", amountMinor, currency, atMs);
  }

  static Settlement settlement(
      String eventId,
      String settlementId,
      String paymentId,
      long grossMinor,
      String currency,
      long atMs) {
    long fee = grossMinor / 100;
    return new Settlement(
        eventId,
        settlementId,
        "stripe",
        "PAYMENT",
        paymentId,
        "merchant-1",
        grossMinor,
        fee,
        grossMinor - fee,
        currency,
        atMs);
  }

  /** A ledger cancellation of {@code paymentId}, releasing {@code amountMinor}. */
  static LedgerPayment cancellation(String eventId, String paymentId, long amountMinor, long atMs) {
    return new LedgerPayment(
        eventId, LedgerPayment.CANCELLED, paymentId, "merchant-1", amountMinor, "EUR", atMs);
  }

  static LedgerPayment refund(
      String eventId, String paymentId, long amountMinor, String currency, long atMs) {
    return new LedgerPayment(
        eventId, "REFUNDED", paymentId, "merchant-1", amountMinor, currency, atMs);
  }

  /** A line of another type (REFUND, CHARGEBACK, ...) without fee. */
  static Settlement line(
      String type,
      String eventId,
      String settlementId,
      String paymentId,
      long grossMinor,
      String currency,
      long atMs) {
    return new Settlement(
        eventId,
        settlementId,
        "stripe",
        type,
        paymentId,
        "merchant-1",
        grossMinor,
        0,
        grossMinor,
        currency,
        atMs);
  }

  /**
   * A line of batch {@code batchId}: a payout line when {@code paymentId} is null and the type is
   * PAYMENT, else a member. Net = gross - fee.
   */
  static Settlement batchLine(
      String type,
      String eventId,
      String settlementId,
      String paymentId,
      String batchId,
      long grossMinor,
      long feeMinor,
      String currency,
      long atMs) {
    Settlement s =
        new Settlement(
            eventId,
            settlementId,
            "stripe",
            type,
            paymentId,
            "merchant-1",
            grossMinor,
            feeMinor,
            grossMinor - feeMinor,
            currency,
            atMs);
    s.batchId = batchId;
    return s;
  }

  static Settlement payout(String eventId, String batchId, long grossMinor, long atMs) {
    return batchLine(
        "PAYMENT", eventId, "payout-" + eventId, null, batchId, grossMinor, 0, "EUR", atMs);
  }

  static Settlement member(
      String eventId, String paymentId, String batchId, long grossMinor, long feeMinor, long atMs) {
    return batchLine(
        "PAYMENT",
        eventId,
        "line-" + eventId,
        paymentId,
        batchId,
        grossMinor,
        feeMinor,
        "EUR",
        atMs);
  }
}
