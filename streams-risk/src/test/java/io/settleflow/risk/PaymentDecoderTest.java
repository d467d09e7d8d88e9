package io.settleflow.risk;

import static org.assertj.core.api.Assertions.assertThat;

import io.settleflow.schemas.SchemaRegistryException;
import java.io.IOException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PaymentDecoderTest {
  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of(new SchemaRegistryException("unreachable", new IOException("refused")), true),
        Arguments.of(new SchemaRegistryException("interrupted", new InterruptedException()), true),
        Arguments.of(
            new SchemaRegistryException(
                "schema registry refused to fetch schema id 9: HTTP 503 busy", 503),
            true),
        Arguments.of(
            new SchemaRegistryException(
                "schema registry refused to fetch schema id 9: HTTP 404 {}", 404),
            false),
        Arguments.of(new SchemaRegistryException("no schema with id 9"), false));
  }

  /** Transient errors stop the client (nothing is lost); permanent ones dead-letter the record. */
  @ParameterizedTest(name = "{0} transient={1}")
  @MethodSource("cases")
  void onlyAnUnreachableOrFailingRegistryIsTransient(
      SchemaRegistryException e, boolean isTransient) {
    assertThat(PaymentDecoder.isTransient(e)).isEqualTo(isTransient);
  }
}
