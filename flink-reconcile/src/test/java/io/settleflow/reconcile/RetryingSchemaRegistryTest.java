package io.settleflow.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.settleflow.avro.ReconMatch;
import io.settleflow.schemas.SchemaRegistry;
import io.settleflow.schemas.SchemaRegistryException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class RetryingSchemaRegistryTest {
  @Test
  void aConcurrentRegistrationConflictIsRetriedIntoTheId() {
    AtomicInteger calls = new AtomicInteger();
    SchemaRegistry refusesOnce = registry(calls, 1);

    int id = new RetryingSchemaRegistry(refusesOnce).register("recon.matches-value", ReconMatch.getClassSchema());

    assertThat(id).isEqualTo(42);
    assertThat(calls).hasValue(2);
  }

  @Test
  void aRegistryThatKeepsRefusingFailsAfterTheAttemptLimit() {
    AtomicInteger calls = new AtomicInteger();
    SchemaRegistry alwaysRefuses = registry(calls, Integer.MAX_VALUE);

    assertThatThrownBy(() -> new RetryingSchemaRegistry(alwaysRefuses).register("s", ReconMatch.getClassSchema()))
        .isInstanceOf(SchemaRegistryException.class)
        .hasMessageContaining("409");
    assertThat(calls).hasValue(RetryingSchemaRegistry.MAX_REGISTER_ATTEMPTS);
  }

  private static SchemaRegistry registry(AtomicInteger calls, int refusals) {
    return new SchemaRegistry() {
      @Override
      public int register(String subject, Schema schema) {
        if (calls.incrementAndGet() <= refusals) {
          throw new SchemaRegistryException("HTTP 409 already exists");
        }
        return 42;
      }

      @Override
      public Schema schemaById(int id) {
        throw new UnsupportedOperationException();
      }
    };
  }
}
