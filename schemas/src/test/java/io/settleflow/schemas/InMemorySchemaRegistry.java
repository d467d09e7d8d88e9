package io.settleflow.schemas;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * A registry for unit tests of pure logic and topologies: same id semantics as Confluent (one id
 * per distinct schema, shared across subjects). Integration tests use the real registry.
 */
public final class InMemorySchemaRegistry implements SchemaRegistry {
  private final List<Schema> schemas = new ArrayList<>();
  private final Map<String, Integer> ids = new HashMap<>();

  @Override
  public synchronized int register(String subject, Schema schema) {
    return ids.computeIfAbsent(
        schema.toString(),
        s -> {
          schemas.add(schema);
          return schemas.size();
        });
  }

  @Override
  public synchronized Schema schemaById(int id) {
    if (id < 1 || id > schemas.size()) {
      throw new SchemaRegistryException("no schema with id " + id);
    }
    return schemas.get(id - 1);
  }
}
