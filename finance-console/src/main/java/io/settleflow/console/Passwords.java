package io.settleflow.console;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * Finance users' passwords as bcrypt (Bouncy Castle's OpenBSD implementation, "$2y$", salt and cost
 * inside the string). Slow on purpose: people choose passwords, and a stolen table must not give
 * them back cheaply.
 */
public final class Passwords {
  public static final int DEFAULT_COST = 12;
  public static final int MIN_CHARS = 12;

  /** bcrypt reads at most 72 bytes; longer passwords are refused rather than cut silently. */
  public static final int MAX_BYTES = 72;

  public static final Pattern USERNAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
  private static final int SALT_BYTES = 16;

  private final SecureRandom random;
  private final int cost;

  public Passwords(SecureRandom random, int cost) {
    if (cost < 4 || cost > 31) {
      throw new IllegalArgumentException("bcrypt cost must be 4..31");
    }
    this.random = random;
    this.cost = cost;
  }

  /**
   * @throws ConsoleInputException naming the field when the username or password is unusable
   */
  public static void checkNewUser(String username, String password) {
    if (username == null || !USERNAME.matcher(username).matches()) {
      throw ConsoleInputException.invalid(
          "username", "must be 1..64 of a-z, 0-9, '.', '_', '-' (starting with a letter or digit)");
    }
    checkPassword(password);
  }

  public static void checkPassword(String password) {
    if (password == null || password.length() < MIN_CHARS) {
      throw ConsoleInputException.invalid(
          "password", "must have at least " + MIN_CHARS + " characters");
    }
    if (password.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      throw ConsoleInputException.invalid(
          "password", "must be at most " + MAX_BYTES + " bytes (bcrypt's limit)");
    }
  }

  public String hash(String password) {
    checkPassword(password);
    byte[] salt = new byte[SALT_BYTES];
    random.nextBytes(salt);
    return OpenBSDBCrypt.generate("2y", password.toCharArray(), salt, cost);
  }

  /** Whether the password matches; a malformed stored hash never matches. */
  public static boolean matches(String password, String storedHash) {
    if (password == null
        || storedHash == null
        || password.isEmpty()
        || password.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
      return false;
    }
    try {
      return OpenBSDBCrypt.checkPassword(storedHash, password.toCharArray());
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
