package io.settleflow.embedded;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The one switch between the embedded parts (the default: child JVMs and zonky's PostgreSQL, no
 * container engine needed) and container-backed ones: the system property {@value #PROPERTY}, which
 * the {@code testcontainers} Maven profile sets to {@code testcontainers} for the test JVMs. {@link
 * PostgresServer}, {@link KafkaBroker} and {@link SchemaRegistryServer} read it when they start, so
 * the integration tests that use them stay as they are.
 */
public final class PartsSource {
  public static final String PROPERTY = "settleflow.parts";
  private static final Duration READY_POLL = Duration.ofMillis(200);

  /** Where the parts come from. */
  public enum Kind {
    EMBEDDED,
    TESTCONTAINERS
  }

  private PartsSource() {}

  /** The kind this JVM asks for ({@link Kind#EMBEDDED} unless the property says otherwise). */
  public static Kind selected() {
    return parse(System.getProperty(PROPERTY));
  }

  /** Parses the property's value; unset or blank means embedded. */
  static Kind parse(String value) {
    if (value == null || value.isBlank()) {
      return Kind.EMBEDDED;
    }
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "embedded" -> Kind.EMBEDDED;
      case "testcontainers" -> Kind.TESTCONTAINERS;
      default ->
          throw new IllegalArgumentException(
              PROPERTY + " must be embedded or testcontainers, not '" + value.trim() + "'");
    };
  }

  /** The container parts to use, or empty for the embedded ones. */
  static Optional<ContainerParts> containers() {
    return containers(
        System.getProperty(PROPERTY),
        () ->
            ServiceLoader.load(ContainerParts.class, PartsSource.class.getClassLoader())
                .findFirst());
  }

  static Optional<ContainerParts> containers(
      String value, Supplier<Optional<ContainerParts>> loader) {
    if (parse(value) == Kind.EMBEDDED) {
      return Optional.empty();
    }
    return Optional.of(
        loader
            .get()
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        PROPERTY
                            + "=testcontainers, but no container parts are on the classpath:"
                            + " build embedded-stack with the testcontainers profile"
                            + " (./mvnw -Ptestcontainers ...)")));
  }

  /** Waits until a container-backed part answers ({@code ready}), or fails naming it. */
  static void awaitReady(String name, BooleanSupplier ready, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!ready.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            name + " (container) not ready after " + timeout.toSeconds() + " s");
      }
      try {
        Thread.sleep(READY_POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for " + name, e);
      }
    }
  }
}
