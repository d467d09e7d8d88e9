package io.settleflow.reconcile;

import io.settleflow.schemas.SchemaRegistry;
import io.settleflow.schemas.SchemaRegistryException;
import org.apache.avro.Schema;

/**
 * Retries a refused registration a few times. Parallel sink subtasks register the same schema at
 * the same moment on first use; Apicurio answers the loser with HTTP 409 ("already exists") instead
 * of the id, and a second attempt gets the id. Without this, a fresh deployment fails a task (and
 * restarts the job) on its first output.
 */
final class RetryingSchemaRegistry implements SchemaRegistry {
  static final int MAX_REGISTER_ATTEMPTS = 4;
  static final long BACKOFF_MS = 100;

  private final SchemaRegistry delegate;

  RetryingSchemaRegistry(SchemaRegistry delegate) {
    this.delegate = delegate;
  }

  @Override
  public int register(String subject, Schema schema) {
    SchemaRegistryException last = null;
    for (int attempt = 1; attempt <= MAX_REGISTER_ATTEMPTS; attempt++) {
      try {
        return delegate.register(subject, schema);
      } catch (SchemaRegistryException e) {
        last = e;
        backOff(attempt);
      }
    }
    throw last;
  }

  @Override
  public Schema schemaById(int id) {
    return delegate.schemaById(id);
  }

  private static void backOff(int attempt) {
    try {
      Thread.sleep(BACKOFF_MS * attempt);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SchemaRegistryException("interrupted while retrying a schema registration", e);
    }
  }
}
