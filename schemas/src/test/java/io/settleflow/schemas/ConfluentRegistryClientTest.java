package io.settleflow.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.settleflow.avro.PaymentEvent;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The client's own behaviour against a scripted HTTP peer (the real registry is in the IT). */
class ConfluentRegistryClientTest {
  private HttpServer server;
  private final AtomicInteger calls = new AtomicInteger();

  /** Answers the n-th registration (1-based) with the status the script gives; 200 carries id 7. */
  private String serve(IntFunction<Integer> statusOfCall) throws IOException {
    server =
        HttpServer.create(new InetSocketAddress(io.settleflow.embedded.Ports.loopback(), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          int status = statusOfCall.apply(calls.incrementAndGet());
          byte[] body =
              (status == 200 ? "{\"id\":7}" : "{\"error_code\":" + status + "}")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(status, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/apis/ccompat/v7";
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  @Test
  void aConcurrentRegistrationConflictIsRetriedIntoTheId() throws IOException {
    ConfluentRegistryClient client = new ConfluentRegistryClient(serve(n -> n == 1 ? 409 : 200));
    assertThat(client.register("t-value", PaymentEvent.getClassSchema())).isEqualTo(7);
    assertThat(calls).hasValue(2);
  }

  @Test
  void aRegistryThatKeepsConflictingFailsAfterTheAttemptLimit() throws IOException {
    ConfluentRegistryClient client = new ConfluentRegistryClient(serve(n -> 409));
    assertThatThrownBy(() -> client.register("t-value", PaymentEvent.getClassSchema()))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class, e -> assertThat(e.status()).isEqualTo(409));
    assertThat(calls).hasValue(ConfluentRegistryClient.MAX_REGISTER_ATTEMPTS);
  }

  @Test
  void otherRefusalsAreNotRetried() throws IOException {
    ConfluentRegistryClient client = new ConfluentRegistryClient(serve(n -> 422));
    assertThatThrownBy(() -> client.register("t-value", PaymentEvent.getClassSchema()))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class, e -> assertThat(e.status()).isEqualTo(422));
    assertThat(calls).hasValue(1);
  }

  @Test
  void registeredIdsAreCached() throws IOException {
    ConfluentRegistryClient client = new ConfluentRegistryClient(serve(n -> 200));
    client.register("t-value", PaymentEvent.getClassSchema());
    client.register("t-value", PaymentEvent.getClassSchema());
    assertThat(calls).hasValue(1);
  }

  @ParameterizedTest
  @CsvSource({"503, true", "500, true", "404, false", "409, false", "422, false"})
  void onlyServerFailuresAreTransient(int status, boolean transientError) {
    assertThat(new SchemaRegistryException("x", status).isTransient()).isEqualTo(transientError);
  }

  @Test
  void anUnreachableRegistryIsTransient() {
    assertThat(new SchemaRegistryException("x", new IOException("refused")).isTransient()).isTrue();
    assertThat(new SchemaRegistryException("no schema with id 9").isTransient()).isFalse();
  }
}
