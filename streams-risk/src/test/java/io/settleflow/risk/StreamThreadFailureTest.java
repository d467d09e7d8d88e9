package io.settleflow.risk;

import static org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
import static org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
import static org.assertj.core.api.Assertions.assertThat;

import io.settleflow.schemas.SchemaRegistryException;
import io.settleflow.schemas.WireFormatException;
import java.util.stream.Stream;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link RiskStreamsConfig#onStreamThreadFailure}: failure → replace the thread or shut down. */
class StreamThreadFailureTest {
  private static final int LIMIT = RiskStreamsConfig.MAX_THREAD_REPLACEMENTS;

  static Stream<Arguments> failures() {
    return Stream.of(
        row(
            "a transaction ended under the thread by a broker failover",
            streams(new KafkaException(new InvalidTxnStateException("txn state"))),
            0,
            REPLACE_THREAD),
        row("the same, unwrapped", new InvalidTxnStateException("txn state"), 0, REPLACE_THREAD),
        row("a fenced producer", streams(new ProducerFencedException("fenced")), 3, REPLACE_THREAD),
        row(
            "a stale producer epoch",
            streams(new InvalidProducerEpochException("epoch")),
            0,
            REPLACE_THREAD),
        row("a request timed out", streams(new TimeoutException("timeout")), 0, REPLACE_THREAD),
        row(
            "too few in-sync replicas (retriable)",
            streams(new NotEnoughReplicasException("isr")),
            LIMIT - 1,
            REPLACE_THREAD),
        row(
            "transient, but the thread was replaced too often lately",
            streams(new InvalidTxnStateException("txn state")),
            LIMIT,
            SHUTDOWN_CLIENT),
        row(
            "an unreachable schema registry: exit, never dead-letter",
            streams(new SchemaRegistryException("unreachable")),
            0,
            SHUTDOWN_CLIENT),
        row("undecodable bytes", streams(new WireFormatException("magic")), 0, SHUTDOWN_CLIENT),
        row("a bug", streams(new NullPointerException()), 0, SHUTDOWN_CLIENT),
        row("a streams error with no cause", new StreamsException("state"), 0, SHUTDOWN_CLIENT),
        row("a non-retriable Kafka error", streams(new KafkaException("x")), 0, SHUTDOWN_CLIENT));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("failures")
  void decides(String name, Throwable failure, int recent, StreamThreadExceptionResponse expected) {
    assertThat(RiskStreamsConfig.onStreamThreadFailure(failure, recent)).isEqualTo(expected);
  }

  private static StreamsException streams(Throwable cause) {
    return new StreamsException("stream thread failed", cause);
  }

  private static Arguments row(
      String name, Throwable failure, int recent, StreamThreadExceptionResponse expected) {
    return Arguments.of(name, failure, recent, expected);
  }
}
