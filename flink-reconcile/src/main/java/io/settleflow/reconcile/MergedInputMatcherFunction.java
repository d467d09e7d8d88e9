package io.settleflow.reconcile;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Drives the job's {@link PaymentSettlementMatcher} — the same instance code, its state and timers
 * — from one merged, event-time-ordered input instead of two: a payment goes to {@code
 * processElement1}, a line to {@code processElement2}, timers to {@code onTimer}. With one input
 * the order in which payments and lines reach the matcher is the recording's, not a race between
 * two input channels, so a replay is deterministic. Used by {@link ReconBacktestJob}.
 */
// Both functions name their contexts Context / OnTimerContext, and an inner class of the matcher's
// superclass can only be created as matcher.new Context(): the clash is the point of this class.
@SuppressWarnings({"SameNameButDifferent", "NonCanonicalType"})
public class MergedInputMatcherFunction
    extends KeyedProcessFunction<String, ReplayEvent, PaymentMatch> {
  private static final long serialVersionUID = 1L;

  private final PaymentSettlementMatcher matcher;

  public MergedInputMatcherFunction(PaymentSettlementMatcher matcher) {
    this.matcher = matcher;
  }

  /** The matcher's key for either kind of input, as the job keys its two inputs. */
  public static String key(ReplayEvent e) throws Exception {
    return e.payment != null
        ? PaymentSettlementMatcher.PAYMENT_KEY.getKey(e.payment)
        : PaymentSettlementMatcher.SETTLEMENT_KEY.getKey(e.line);
  }

  @Override
  public void setRuntimeContext(RuntimeContext context) {
    super.setRuntimeContext(context);
    matcher.setRuntimeContext(context);
  }

  @Override
  public void open(OpenContext openContext) throws Exception {
    matcher.open(openContext);
  }

  @Override
  public void close() throws Exception {
    matcher.close();
  }

  @Override
  public void processElement(ReplayEvent e, Context ctx, Collector<PaymentMatch> out)
      throws Exception {
    PaymentSettlementMatcher.Context c =
        matcher.new Context() {
          @Override
          public Long timestamp() {
            return ctx.timestamp();
          }

          @Override
          public TimerService timerService() {
            return ctx.timerService();
          }

          @Override
          public <X> void output(OutputTag<X> tag, X value) {
            ctx.output(tag, value);
          }

          @Override
          public String getCurrentKey() {
            return ctx.getCurrentKey();
          }
        };
    if (e.payment != null) {
      matcher.processElement1(e.payment, c, out);
    } else {
      matcher.processElement2(e.line, c, out);
    }
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<PaymentMatch> out)
      throws Exception {
    matcher.onTimer(
        timestamp,
        matcher.new OnTimerContext() {
          @Override
          public Long timestamp() {
            return ctx.timestamp();
          }

          @Override
          public TimerService timerService() {
            return ctx.timerService();
          }

          @Override
          public <X> void output(OutputTag<X> tag, X value) {
            ctx.output(tag, value);
          }

          @Override
          public TimeDomain timeDomain() {
            return ctx.timeDomain();
          }

          @Override
          public String getCurrentKey() {
            return ctx.getCurrentKey();
          }
        },
        out);
  }
}
