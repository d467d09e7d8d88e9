package io.settleflow.schemas;

import org.apache.avro.Schema;

/** The two calls the Confluent wire format needs from a schema registry. */
public interface SchemaRegistry {
  /** Registers (or finds) the schema under the subject and returns its Confluent id. */
  int register(String subject, Schema schema);

  /** The schema a Confluent id names. */
  Schema schemaById(int id);
}
