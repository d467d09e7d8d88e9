package io.settleflow.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Typed configuration read from environment variables, the way services are configured on
 * Kubernetes. A secret {@code NAME} may instead come from a file named by {@code NAME_FILE} (Vault
 * agent and mounted secrets). Every read names the variable in its error.
 */
public final class ServiceConfig {
  private final Map<String, String> env;

  public ServiceConfig(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  /** The process environment. Only main/wiring classes call this. */
  public static ServiceConfig fromEnvironment() {
    return new ServiceConfig(System.getenv());
  }

  public Optional<String> optional(String name) {
    String value = env.get(name);
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
  }

  public String string(String name, String defaultValue) {
    return optional(name).orElse(defaultValue);
  }

  public String required(String name) {
    return optional(name).orElseThrow(() -> new ConfigException(name, "is required but not set"));
  }

  /** A secret from {@code NAME}, or from the file named by {@code NAME_FILE}. */
  public String secret(String name) {
    Optional<String> file = optional(name + "_FILE");
    if (file.isPresent()) {
      try {
        return Files.readString(Path.of(file.get())).strip();
      } catch (IOException e) {
        throw new ConfigException(
            name + "_FILE", "cannot read " + file.get() + ": " + e.getMessage());
      }
    }
    return optional(name)
        .orElseThrow(
            () -> new ConfigException(name, "is required (or " + name + "_FILE naming a file)"));
  }

  public int integer(String name, int defaultValue, int min, int max) {
    Optional<String> raw = optional(name);
    if (raw.isEmpty()) {
      return defaultValue;
    }
    try {
      int value = Integer.parseInt(raw.get());
      if (value < min || value > max) {
        throw new ConfigException(
            name, "must be between " + min + " and " + max + ", was " + value);
      }
      return value;
    } catch (NumberFormatException e) {
      throw new ConfigException(name, "must be an integer, was '" + raw.get() + "'");
    }
  }

  public long longValue(String name, long defaultValue, long min, long max) {
    Optional<String> raw = optional(name);
    if (raw.isEmpty()) {
      return defaultValue;
    }
    try {
      long value = Long.parseLong(raw.get());
      if (value < min || value > max) {
        throw new ConfigException(
            name, "must be between " + min + " and " + max + ", was " + value);
      }
      return value;
    } catch (NumberFormatException e) {
      throw new ConfigException(name, "must be an integer, was '" + raw.get() + "'");
    }
  }

  public Duration millis(String name, Duration defaultValue) {
    return Duration.ofMillis(longValue(name, defaultValue.toMillis(), 0, Long.MAX_VALUE));
  }

  /** {@code true} or {@code false} (any case); anything else names the variable. */
  public boolean bool(String name, boolean defaultValue) {
    return optional(name)
        .map(
            v ->
                switch (v.trim().toLowerCase(Locale.ROOT)) {
                  case "true" -> true;
                  case "false" -> false;
                  default ->
                      throw new ConfigException(name, "must be true or false, was '" + v + "'");
                })
        .orElse(defaultValue);
  }

  public Path path(String name, Path defaultValue) {
    return optional(name).map(Path::of).orElse(defaultValue);
  }

  /** A bad or missing setting; the message names it. */
  public static final class ConfigException extends RuntimeException {
    public ConfigException(String name, String problem) {
      super("configuration " + name + " " + problem);
    }
  }
}
