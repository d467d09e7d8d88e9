package io.settleflow.runtime;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * W3C trace context for every stage: one OpenTelemetry instance per process, configured by the
 * standard {@code OTEL_*} variables with every exporter off unless one is named ({@code
 * OTEL_TRACES_EXPORTER=otlp} plus {@code OTEL_EXPORTER_OTLP_ENDPOINT} turns spans on), and the
 * {@code traceparent} / {@code tracestate} pair read from and written to HTTP headers, outbox rows
 * and Kafka headers ({@link TraceHeaders}). Propagation is always W3C, whatever {@code
 * OTEL_PROPAGATORS} says: the pair is the contract between the stages (docs/contracts.md).
 *
 * <p>A malformed or absent {@code traceparent} is ignored: the span started under it is a new root.
 */
public final class Tracing implements AutoCloseable {
  public static final String TRACEPARENT = "traceparent";
  public static final String TRACESTATE = "tracestate";

  /** The carrier fields, in the order they are written. */
  public static final List<String> FIELDS = List.of(TRACEPARENT, TRACESTATE);

  /**
   * Defaults under the process's own {@code OTEL_*} variables and {@code otel.*} system properties:
   * nothing is exported unless an exporter is named.
   */
  static final Map<String, String> DEFAULTS =
      Map.of(
          "otel.traces.exporter", "none",
          "otel.metrics.exporter", "none",
          "otel.logs.exporter", "none");

  private static final String INSTRUMENTATION_SCOPE = "io.settleflow";
  private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();
  private static final Tracing NOOP = new Tracing(OpenTelemetry.noop(), null);

  /** The instance a process's main installed with {@link #autoconfigured}; no-op until then. */
  private static volatile Tracing processWide = NOOP;

  private static final SpanProcessor KEEP_IDS =
      new SpanProcessor() {
        @Override
        public void onStart(Context parentContext, ReadWriteSpan span) {}

        @Override
        public boolean isStartRequired() {
          return false;
        }

        @Override
        public void onEnd(ReadableSpan span) {}

        @Override
        public boolean isEndRequired() {
          return false;
        }
      };

  private final Tracer tracer;
  private final OpenTelemetrySdk sdk;

  private Tracing(OpenTelemetry openTelemetry, OpenTelemetrySdk sdk) {
    this.tracer = openTelemetry.getTracer(INSTRUMENTATION_SCOPE);
    this.sdk = sdk;
  }

  /**
   * The SDK as {@code OTEL_*} configures it (exporters {@code none} by default), {@code
   * service.name} defaulting to {@code serviceName}; installed as {@link #processWide()} for wiring
   * that cannot be handed an instance (Flink serializers run on task threads). Only a main calls
   * this; the SDK flushes and stops in {@link #close}.
   */
  public static Tracing autoconfigured(String serviceName) {
    Map<String, String> defaults = new java.util.HashMap<>(DEFAULTS);
    defaults.put("otel.service.name", serviceName);
    OpenTelemetrySdk sdk =
        AutoConfiguredOpenTelemetrySdk.builder()
            .addPropertiesSupplier(() -> defaults)
            // with no processor the SDK hands out no-op spans without ids; this one keeps ids (a
            // payment without an incoming traceparent still gets a trace) while nothing exports
            .addTracerProviderCustomizer((tracer, config) -> tracer.addSpanProcessor(KEEP_IDS))
            .disableShutdownHook()
            .build()
            .getOpenTelemetrySdk();
    Tracing tracing = new Tracing(sdk, sdk);
    processWide = tracing;
    return tracing;
  }

  /** Over a given OpenTelemetry (tests); not installed process-wide. */
  public static Tracing of(OpenTelemetry openTelemetry) {
    return new Tracing(openTelemetry, null);
  }

  /**
   * Spans that record nothing and create no ids of their own: a child carries its parent's context
   * unchanged, and a root has none.
   */
  public static Tracing noop() {
    return NOOP;
  }

  /** What {@link #autoconfigured} installed in this process, else {@link #noop()}. */
  public static Tracing processWide() {
    return processWide;
  }

  /** The context a carrier names; the root context when it names none or a malformed one. */
  public Context extract(Function<String, String> carrier) {
    return W3C.extract(Context.root(), carrier, FunctionGetter.INSTANCE);
  }

  /** The context of a stored {@code traceparent} (null or malformed: the root context). */
  public Context extract(String traceparent) {
    return extract(name -> TRACEPARENT.equals(name) ? traceparent : null);
  }

  /** Writes {@code traceparent} (and {@code tracestate} when present) of the context's span. */
  public void inject(Context context, BiConsumer<String, String> carrier) {
    W3C.inject(context, carrier, BiConsumerSetter.INSTANCE);
  }

  /** The {@code traceparent} of the context's span; empty when it has no valid span. */
  public Optional<String> traceparent(Context context) {
    if (!Span.fromContext(context).getSpanContext().isValid()) {
      return Optional.empty();
    }
    String[] value = new String[1];
    inject(context, (name, v) -> value[0] = TRACEPARENT.equals(name) ? v : value[0]);
    return Optional.ofNullable(value[0]);
  }

  /** The trace id a {@code traceparent} names (32 hex digits), empty when it is malformed. */
  public static Optional<String> traceId(String traceparent) {
    SpanContext span = Span.fromContext(NOOP.extract(traceparent)).getSpanContext();
    return span.isValid() ? Optional.of(span.getTraceId()) : Optional.empty();
  }

  /** Starts a span under {@code parent} (a new trace when the parent holds no valid span). */
  public Span startSpan(String name, SpanKind kind, Context parent) {
    return tracer.spanBuilder(name).setSpanKind(kind).setParent(parent).startSpan();
  }

  /**
   * A span that marks one step of a record's way (start and end at once) under the trace its {@code
   * traceparent} names, and the {@code traceparent} to pass on: the step's own, a child of the one
   * received; the received one unchanged when spans create no ids (no-op); empty when none or a
   * malformed one was received.
   */
  public Optional<String> step(String name, SpanKind kind, String receivedTraceparent) {
    Context parent = extract(receivedTraceparent);
    if (!Span.fromContext(parent).getSpanContext().isValid()) {
      return Optional.empty();
    }
    Span span = startSpan(name, kind, parent);
    span.end();
    Optional<String> own = traceparent(parent.with(span));
    return own.isPresent() ? own : traceparent(parent);
  }

  /** Flushes and stops the SDK this instance built (nothing for the others). */
  @Override
  public void close() {
    if (sdk != null) {
      if (processWide == this) {
        processWide = NOOP;
      }
      sdk.close();
    }
  }

  private enum FunctionGetter implements TextMapGetter<Function<String, String>> {
    INSTANCE;

    @Override
    public Iterable<String> keys(Function<String, String> carrier) {
      return FIELDS;
    }

    @Override
    public String get(Function<String, String> carrier, String key) {
      return carrier == null ? null : carrier.apply(key);
    }
  }

  private enum BiConsumerSetter implements TextMapSetter<BiConsumer<String, String>> {
    INSTANCE;

    @Override
    public void set(BiConsumer<String, String> carrier, String key, String value) {
      if (carrier != null) {
        carrier.accept(key, value);
      }
    }
  }
}
