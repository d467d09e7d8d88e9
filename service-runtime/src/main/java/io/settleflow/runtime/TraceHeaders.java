package io.settleflow.runtime;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The W3C trace context on Kafka records: headers {@code traceparent} and {@code tracestate}
 * (UTF-8), as CDC copies them from the outbox row and every later stage passes them on. Apart from
 * {@link Tracing} so that a service without Kafka (ingest-api) never loads Kafka's classes.
 */
public final class TraceHeaders {
  private TraceHeaders() {}

  /** The context the record's headers name; the root context when none or a malformed one. */
  public static Context extract(Tracing tracing, Headers headers) {
    return tracing.extract(name -> value(headers, name).orElse(null));
  }

  /** The record's {@code traceparent} as it arrived (unchecked), if any. */
  public static Optional<String> traceparent(Headers headers) {
    return value(headers, Tracing.TRACEPARENT);
  }

  /** Replaces the record's trace headers with the context's (removes them when it has none). */
  public static void inject(Tracing tracing, Context context, Headers headers) {
    for (String field : Tracing.FIELDS) {
      headers.remove(field);
    }
    tracing.inject(
        context, (name, value) -> headers.add(name, value.getBytes(StandardCharsets.UTF_8)));
  }

  /** New headers holding only the trace headers of {@code from} (the rest is not passed on). */
  public static Headers only(Headers from) {
    RecordHeaders out = new RecordHeaders();
    for (String field : Tracing.FIELDS) {
      Header h = from.lastHeader(field);
      if (h != null && h.value() != null) {
        out.add(field, h.value());
      }
    }
    return out;
  }

  /**
   * The headers to pass on after one step of the record's way: a span named {@code name} is marked
   * under the trace the record's {@code traceparent} names, and the new headers hold the step's own
   * {@code traceparent} (a child) and the received {@code tracestate}. Empty when the record
   * carries no valid {@code traceparent}: nothing malformed is passed on.
   */
  public static Headers next(Tracing tracing, String name, SpanKind kind, Headers from) {
    RecordHeaders out = new RecordHeaders();
    Optional<String> own = traceparent(from).flatMap(tp -> tracing.step(name, kind, tp));
    if (own.isPresent()) {
      out.add(Tracing.TRACEPARENT, own.get().getBytes(StandardCharsets.UTF_8));
      value(from, Tracing.TRACESTATE)
          .ifPresent(ts -> out.add(Tracing.TRACESTATE, ts.getBytes(StandardCharsets.UTF_8)));
    }
    return out;
  }

  private static Optional<String> value(Headers headers, String name) {
    Header h = headers == null ? null : headers.lastHeader(name);
    return h == null || h.value() == null
        ? Optional.empty()
        : Optional.of(new String(h.value(), StandardCharsets.UTF_8));
  }
}
