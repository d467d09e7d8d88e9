package io.settleflow.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settleflow.avro.MismatchAlert;
import io.settleflow.avro.MismatchKind;
import io.settleflow.avro.PaymentEvent;
import io.settleflow.embedded.SchemaRegistryServer;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against a real Apicurio registry through its Confluent API. */
@Tag("integration")
class ConfluentRegistryClientIT {
  @TempDir static Path dir;
  static SchemaRegistryServer server;

  @BeforeAll
  static void start() {
    server = SchemaRegistryServer.start(dir, 0, false);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void aRecordWrittenByOneClientIsReadByAnother() {
    byte[] bytes =
        new ConfluentWireFormat(new ConfluentRegistryClient(server.confluentUrl()))
            .encode(Topics.PAYMENTS_AUTHORIZED, ConfluentWireFormatTest.payment());
    PaymentEvent read =
        new ConfluentWireFormat(new ConfluentRegistryClient(server.confluentUrl()))
            .decode(bytes, PaymentEvent.class);
    assertThat(read).isEqualTo(ConfluentWireFormatTest.payment());
  }

  @Test
  void idsStayDistinctAcrossSchemasAndStableAcrossClients() {
    // Apicurio keeps two ids per schema; only the Confluent API's must ever be mixed. Register
    // two schemas so globalId and contentId could diverge, then resolve from a fresh client.
    ConfluentRegistryClient first = new ConfluentRegistryClient(server.confluentUrl());
    int paymentId =
        first.register(Topics.valueSubject("x.payments"), PaymentEvent.getClassSchema());
    int alertId = first.register(Topics.valueSubject("x.alerts"), MismatchAlert.getClassSchema());
    assertThat(paymentId).isNotEqualTo(alertId);
    ConfluentRegistryClient second = new ConfluentRegistryClient(server.confluentUrl());
    assertThat(second.schemaById(paymentId)).isEqualTo(PaymentEvent.getClassSchema());
    assertThat(second.schemaById(alertId)).isEqualTo(MismatchAlert.getClassSchema());
    assertThat(second.register(Topics.valueSubject("x.payments"), PaymentEvent.getClassSchema()))
        .isEqualTo(paymentId);

    MismatchAlert alert =
        MismatchAlert.newBuilder()
            .setEventId("a-1")
            .setKind(MismatchKind.ORPHAN_SETTLEMENT)
            .setRule("orphan@1")
            .setDetail("no payment")
            .setDetectedAt(Instant.parse("2026-11-25T10:00:00Z"))
            .build();
    byte[] bytes = new ConfluentWireFormat(first).encode("x.alerts", alert);
    assertThat(new ConfluentWireFormat(second).decode(bytes, MismatchAlert.class)).isEqualTo(alert);
  }

  @Test
  void unknownIdIsAClearError() {
    assertThatThrownBy(() -> new ConfluentRegistryClient(server.confluentUrl()).schemaById(987654))
        .isInstanceOf(SchemaRegistryException.class)
        .hasMessageContaining("987654");
  }
}
