package io.settleflow.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

class TracingTest {
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String PARENT_ID = "00f067aa0ba902b7";
  private static final String TRACEPARENT = "00-" + TRACE_ID + "-" + PARENT_ID + "-01";

  /** The SDK as a service builds it with no OTEL_* set: exporters none, ids still made. */
  private static Tracing sdk;

  @BeforeAll
  static void startSdk() {
    sdk = Tracing.autoconfigured("tracing-test");
  }

  @AfterAll
  static void stopSdk() {
    sdk.close();
  }

  @Test
  void exportersAreOffUnlessNamed() {
    assertThat(Tracing.DEFAULTS)
        .containsEntry("otel.traces.exporter", "none")
        .containsEntry("otel.metrics.exporter", "none")
        .containsEntry("otel.logs.exporter", "none");
  }

  @Test
  void theMainsInstanceIsInstalledProcessWide() {
    assertThat(Tracing.processWide()).isSameAs(sdk);
  }

  @Test
  void aSpanUnderAnExtractedTraceparentContinuesItsTraceWithItsOwnId() {
    Context parent = sdk.extract(TRACEPARENT);
    Span span = sdk.startSpan("POST /v1/payments", SpanKind.SERVER, parent);
    span.end();
    SpanContext child = span.getSpanContext();
    assertThat(child.getTraceId()).isEqualTo(TRACE_ID);
    assertThat(child.getSpanId()).isNotEqualTo(PARENT_ID).hasSize(16);
    assertThat(child.isSampled()).isTrue();

    String written = sdk.traceparent(parent.with(span)).orElseThrow();
    assertThat(written).isEqualTo("00-" + TRACE_ID + "-" + child.getSpanId() + "-01");
    assertThat(Span.fromContext(sdk.extract(written)).getSpanContext().getSpanId())
        .isEqualTo(child.getSpanId());
  }

  @Test
  void injectThenExtractRoundTripsTraceparentAndTracestate() {
    Map<String, String> headers =
        Map.of(Tracing.TRACEPARENT, TRACEPARENT, Tracing.TRACESTATE, "vendor=abc,other=1");
    Context context = sdk.extract(headers::get);
    Map<String, String> out = new HashMap<>();
    sdk.inject(context, out::put);
    assertThat(out).isEqualTo(headers);
  }

  /** A traceparent the W3C spec does not allow is ignored: what follows starts a new trace. */
  @ParameterizedTest
  @NullSource
  @ValueSource(
      strings = {
        "",
        "garbage",
        // all-zero trace id, all-zero parent id
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        // version ff is forbidden; ids too short; not hex; no flags
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01",
        "00-4bf92f3577b34da6a3ce929d0e0e47zz-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
        "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
      })
  void malformedOrAbsentTraceparentStartsANewRoot(String received) {
    Context parent = sdk.extract(received);
    assertThat(Span.fromContext(parent).getSpanContext().isValid()).isFalse();
    assertThat(Tracing.traceId(received)).isEmpty();
    assertThat(sdk.step("risk.score", SpanKind.INTERNAL, received)).isEmpty();

    Span root = sdk.startSpan("POST /v1/payments", SpanKind.SERVER, parent);
    root.end();
    assertThat(root.getSpanContext().isValid()).isTrue();
    assertThat(root.getSpanContext().getTraceId()).isNotEqualTo(TRACE_ID);
    assertThat(sdk.traceparent(Context.root().with(root))).isPresent();
  }

  @Test
  void twoRootsAreTwoTraces() {
    Span a = sdk.startSpan("a", SpanKind.SERVER, Context.root());
    Span b = sdk.startSpan("b", SpanKind.SERVER, Context.root());
    assertThat(a.getSpanContext().getTraceId()).isNotEqualTo(b.getSpanContext().getTraceId());
  }

  @Test
  void traceIdOfAWellFormedTraceparent() {
    assertThat(Tracing.traceId(TRACEPARENT)).contains(TRACE_ID);
  }

  @Test
  void noopPassesTheReceivedContextOnAndStartsNoTraceOfItsOwn() {
    Tracing noop = Tracing.noop();
    Span child = noop.startSpan("x", SpanKind.INTERNAL, noop.extract(TRACEPARENT));
    assertThat(noop.traceparent(Context.root().with(child))).contains(TRACEPARENT);
    assertThat(noop.step("x", SpanKind.INTERNAL, TRACEPARENT)).contains(TRACEPARENT);
    Span root = noop.startSpan("x", SpanKind.SERVER, Context.root());
    assertThat(noop.traceparent(Context.root().with(root))).isEmpty();
  }

  @Test
  void stepWritesAChildOfTheReceivedSpan() {
    String own = sdk.step("risk.score", SpanKind.INTERNAL, TRACEPARENT).orElseThrow();
    assertThat(Tracing.traceId(own)).contains(TRACE_ID);
    assertThat(own).isNotEqualTo(TRACEPARENT).startsWith("00-" + TRACE_ID + "-").endsWith("-01");
  }

  // --- Kafka headers ----------------------------------------------------------------------------

  @Test
  void kafkaHeadersRoundTrip() {
    Headers headers = new RecordHeaders();
    headers.add(
        Tracing.TRACEPARENT, utf8("00-11111111111111111111111111111111-2222222222222222-01"));
    Context context = sdk.extract(TRACEPARENT);
    TraceHeaders.inject(sdk, context, headers);
    assertThat(headers.headers(Tracing.TRACEPARENT)).hasSize(1);
    assertThat(TraceHeaders.traceparent(headers)).contains(TRACEPARENT);
    assertThat(Span.fromContext(TraceHeaders.extract(sdk, headers)).getSpanContext().getSpanId())
        .isEqualTo(PARENT_ID);
  }

  @Test
  void injectingAnEmptyContextRemovesStaleTraceHeaders() {
    Headers headers = new RecordHeaders();
    headers.add(Tracing.TRACEPARENT, utf8(TRACEPARENT));
    headers.add(Tracing.TRACESTATE, utf8("a=b"));
    TraceHeaders.inject(sdk, Context.root(), headers);
    assertThat(headers.toArray()).isEmpty();
  }

  @Test
  void onlyKeepsTheTraceHeaders() {
    Headers headers = new RecordHeaders();
    headers.add("event_id", utf8("e1"));
    headers.add(Tracing.TRACEPARENT, utf8(TRACEPARENT));
    headers.add(Tracing.TRACESTATE, utf8("a=b"));
    headers.add(Tracing.TRACESTATE, null);
    Headers kept = TraceHeaders.only(headers);
    assertThat(kept.toArray()).extracting(h -> h.key()).containsExactly("traceparent");
    assertThat(TraceHeaders.only(new RecordHeaders()).toArray()).isEmpty();
  }

  @Test
  void nextHoldsTheStepsOwnTraceparentAndTheTracestateOnly() {
    Headers headers = new RecordHeaders();
    headers.add("event_id", utf8("e1"));
    headers.add(Tracing.TRACEPARENT, utf8(TRACEPARENT));
    headers.add(Tracing.TRACESTATE, utf8("a=b"));
    Headers next = TraceHeaders.next(sdk, "risk.score", SpanKind.CONSUMER, headers);
    Optional<String> own = TraceHeaders.traceparent(next);
    assertThat(own).isPresent().get().isNotEqualTo(TRACEPARENT);
    assertThat(Tracing.traceId(own.get())).contains(TRACE_ID);
    assertThat(next.toArray())
        .extracting(h -> h.key())
        .containsExactly("traceparent", "tracestate");
    assertThat(next.lastHeader(Tracing.TRACESTATE).value()).isEqualTo(utf8("a=b"));
    assertThat(headers.lastHeader(Tracing.TRACEPARENT).value())
        .as("the received headers are left as they were")
        .isEqualTo(utf8(TRACEPARENT));
  }

  @Test
  void nextPassesNothingMalformedOrAbsentOn() {
    Headers malformed = new RecordHeaders();
    malformed.add(Tracing.TRACEPARENT, utf8("garbage"));
    malformed.add(Tracing.TRACESTATE, utf8("a=b"));
    assertThat(TraceHeaders.next(sdk, "x", SpanKind.CONSUMER, malformed).toArray()).isEmpty();
    Headers nullValue = new RecordHeaders();
    nullValue.add(Tracing.TRACEPARENT, null);
    assertThat(TraceHeaders.next(sdk, "x", SpanKind.CONSUMER, nullValue).toArray()).isEmpty();
    assertThat(TraceHeaders.next(sdk, "x", SpanKind.CONSUMER, new RecordHeaders()).toArray())
        .isEmpty();
    assertThat(TraceHeaders.traceparent(null)).isEmpty();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
