package io.settleflow.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Secrets of the local stack: generated on first start into the run directory (mode 0600) and
 * handed to services as {@code *_FILE} paths, never as literals and never from the repository.
 */
public final class Secrets {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int SECRET_BYTES = 32;

  private final Path dir;

  public Secrets(Path runDir) {
    this.dir = runDir.resolve("secrets");
  }

  /** The file holding the named secret, created with fresh random content if missing. */
  public Path file(String name) {
    Path file = dir.resolve(name);
    try {
      if (!Files.exists(file)) {
        Files.createDirectories(dir);
        byte[] bytes = new byte[SECRET_BYTES];
        RANDOM.nextBytes(bytes);
        Files.writeString(file, Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      }
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create secret " + file, e);
    }
  }

  public String read(String name) {
    try {
      return Files.readString(file(name)).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
