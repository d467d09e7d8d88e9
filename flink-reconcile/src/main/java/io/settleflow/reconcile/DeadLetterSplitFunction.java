package io.settleflow.reconcile;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.EitherTypeInfo;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Right after a source: decoded records (right) go on, dead letters (left) to {@link
 * #DEAD_LETTERS}. Chained to the source, so a record is not serialized for it.
 */
final class DeadLetterSplitFunction<T> extends ProcessFunction<Either<DeadLetter, T>, T> {
  private static final long serialVersionUID = 1L;

  static final OutputTag<DeadLetter> DEAD_LETTERS =
      new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));

  /** What a source with dead letters produces: a dead letter or a decoded {@code type}. */
  static <T> TypeInformation<Either<DeadLetter, T>> orDeadLetter(Class<T> type) {
    return new EitherTypeInfo<>(TypeInformation.of(DeadLetter.class), TypeInformation.of(type));
  }

  /**
   * The event time of a decoded record, or {@link Long#MIN_VALUE} for a dead letter: it says
   * nothing about event time, so it must not move the watermark.
   */
  static <T> long eventTime(Either<DeadLetter, T> in, java.util.function.ToLongFunction<T> time) {
    return in.isRight() ? time.applyAsLong(in.right()) : Long.MIN_VALUE;
  }

  @Override
  public void processElement(Either<DeadLetter, T> in, Context ctx, Collector<T> out) {
    if (in.isRight()) {
      out.collect(in.right());
    } else {
      ctx.output(DEAD_LETTERS, in.left());
    }
  }
}
