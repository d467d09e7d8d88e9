package io.settleflow.risk;

import static org.assertj.core.api.Assertions.assertThat;

import io.settleflow.avro.PaymentEvent;
import io.settleflow.runtime.TraceHeaders;
import io.settleflow.runtime.Tracing;
import io.settleflow.schemas.ConfluentWireFormat;
import io.settleflow.schemas.InMemorySchemaRegistry;
import io.settleflow.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7: a decision on risk.decisions carries the trace of the payment it is about — the
 * traceparent of the risk.score span, a child of the one CDC put on the payment's record.
 */
class DecisionTraceTest {
  private static final Instant T = Instant.parse("2026-11-25T10:00:00Z");
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String TRACEPARENT = "00-" + TRACE_ID + "-00f067aa0ba902b7-01";
  private static final RiskConfig CONFIG =
      new RiskConfig(
          500_000,
          3,
          Duration.ofSeconds(60),
          5,
          2,
          Duration.ofMinutes(10),
          RiskConfig.DEFAULT_ROCKSDB_BLOCK_CACHE_BYTES,
          RiskConfig.DEFAULT_ROCKSDB_WRITE_BUFFER_BYTES);

  /** As RiskMain installs it before building the topology. */
  private static Tracing tracing;

  @TempDir Path stateDir;
  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
  private final ConfluentWireFormat wire = new ConfluentWireFormat(registry);
  private TopologyTestDriver driver;
  private TestInputTopic<String, byte[]> payments;
  private TestOutputTopic<String, byte[]> decisions;

  @BeforeAll
  static void startTracing() {
    tracing = Tracing.autoconfigured("risk-trace-test");
  }

  @AfterAll
  static void stopTracing() {
    tracing.close();
  }

  @BeforeEach
  void start() {
    driver =
        new TopologyTestDriver(
            RiskTopology.build(CONFIG, registry, new CountingCounters(), 1),
            RiskStreamsConfig.properties("risk-trace-test", "unused:9092", stateDir, 1, CONFIG));
    payments =
        driver.createInputTopic(
            Topics.PAYMENTS_AUTHORIZED, new StringSerializer(), new ByteArraySerializer());
    decisions =
        driver.createOutputTopic(
            Topics.RISK_DECISIONS, new StringDeserializer(), new ByteArrayDeserializer());
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  @Test
  void aDecisionCarriesAChildOfThePaymentsTraceparentAndOnlyTheTraceHeaders() {
    Headers cdc = new RecordHeaders();
    cdc.add("event_id", utf8("e-1"));
    cdc.add("event_type", utf8("AUTHORIZED"));
    cdc.add(Tracing.TRACEPARENT, utf8(TRACEPARENT));
    cdc.add(Tracing.TRACESTATE, utf8("vendor=abc"));
    send(Payments.event("e-1", "p-1", "m-1", 1_000, T), cdc);

    List<TestRecord<String, byte[]>> out = decisions.readRecordsToList();
    assertThat(out).hasSize(1);
    Headers headers = out.get(0).headers();
    String carried = TraceHeaders.traceparent(headers).orElseThrow();
    assertThat(Tracing.traceId(carried)).contains(TRACE_ID);
    assertThat(carried).as("the risk.score span's own id").isNotEqualTo(TRACEPARENT);
    assertThat(headers.toArray())
        .extracting(h -> h.key())
        .containsExactlyInAnyOrder(Tracing.TRACEPARENT, Tracing.TRACESTATE);
  }

  @Test
  void aPaymentWithoutOrWithAMalformedTraceparentGetsADecisionWithoutOne() {
    send(Payments.event("e-1", "p-1", "m-1", 1_000, T), new RecordHeaders());
    Headers malformed = new RecordHeaders();
    malformed.add(Tracing.TRACEPARENT, utf8("00-nonsense-01"));
    send(Payments.event("e-2", "p-2", "m-1", 1_000, T.plusSeconds(1)), malformed);
    Headers nullValue = new RecordHeaders();
    nullValue.add(Tracing.TRACEPARENT, null); // CDC's header for an outbox row without trace
    send(Payments.event("e-3", "p-3", "m-1", 1_000, T.plusSeconds(2)), nullValue);

    List<TestRecord<String, byte[]>> out = decisions.readRecordsToList();
    assertThat(out).hasSize(3);
    assertThat(out).allSatisfy(r -> assertThat(r.headers().toArray()).isEmpty());
  }

  private void send(PaymentEvent event, Headers headers) {
    payments.pipeInput(
        new TestRecord<>(
            event.getPaymentId(),
            wire.encode(Topics.PAYMENTS_AUTHORIZED, event),
            headers,
            event.getOccurredAt()));
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
