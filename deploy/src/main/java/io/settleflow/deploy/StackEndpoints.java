package io.settleflow.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How to reach a running stack; written to {@code <run dir>/stack.json} by {@code up} so that other
 * subcommands ({@code merchant}, {@code settlements import}) find it.
 */
public record StackEndpoints(
    String jdbcUrl,
    String postgresDatabase,
    int postgresPort,
    String kafkaBootstrap,
    String registryUrl,
    String ingestUrl,
    String cdcUrl,
    String riskUrl,
    String reconUrl,
    String runDir) {

  public static final String FILE = "stack.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  public void write(Path runDir) {
    try {
      JSON.writerWithDefaultPrettyPrinter().writeValue(runDir.resolve(FILE).toFile(), this);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads the endpoints of the stack started from this run directory. */
  public static StackEndpoints read(Path runDir) {
    Path file = runDir.resolve(FILE);
    if (!Files.exists(file)) {
      throw new IllegalStateException(
          "no running stack found in " + runDir + " (start one with ./settleflow up)");
    }
    try {
      return JSON.readValue(file.toFile(), StackEndpoints.class);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  public static void remove(Path runDir) {
    try {
      Files.deleteIfExists(runDir.resolve(FILE));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
