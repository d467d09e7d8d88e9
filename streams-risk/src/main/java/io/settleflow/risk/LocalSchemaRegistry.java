package io.settleflow.risk;

import io.settleflow.schemas.SchemaRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * A schema registry inside the process, for replays that never leave it (backtests): ids are
 * assigned in registration order, so the same replay encodes the same bytes. For backtests and
 * benchmarks in one process; never for services (other processes cannot read its ids).
 */
public final class LocalSchemaRegistry implements SchemaRegistry {
  private final List<Schema> byId = new ArrayList<>();
  private final Map<Schema, Integer> ids = new HashMap<>();

  @Override
  public synchronized int register(String subject, Schema schema) {
    return ids.computeIfAbsent(
        schema,
        s -> {
          byId.add(s);
          return byId.size();
        });
  }

  @Override
  public synchronized Schema schemaById(int id) {
    if (id < 1 || id > byId.size()) {
      throw new io.settleflow.schemas.SchemaRegistryException("no schema with id " + id);
    }
    return byId.get(id - 1);
  }
}
