package io.settleflow.reconcile;

/** Arithmetic on event-time milliseconds shared by the matching operators. */
final class EventTimes {
  private EventTimes() {}

  /**
   * {@code a + b}, clamped to {@link Long#MIN_VALUE} / {@link Long#MAX_VALUE} instead of wrapping:
   * a deadline far in the future (or a watermark at its extreme) must stay far, not turn negative.
   */
  static long saturatingAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? (a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : r;
  }
}
