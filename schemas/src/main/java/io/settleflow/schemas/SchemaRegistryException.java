package io.settleflow.schemas;

/** The registry refused a call or could not be reached. */
public class SchemaRegistryException extends RuntimeException {
  /** {@link #status()} when no HTTP answer came (unreachable, interrupted, malformed answer). */
  public static final int NO_STATUS = -1;

  private final int status;

  public SchemaRegistryException(String message) {
    this(message, NO_STATUS);
  }

  public SchemaRegistryException(String message, int status) {
    super(message);
    this.status = status;
  }

  public SchemaRegistryException(String message, Throwable cause) {
    super(message, cause);
    this.status = NO_STATUS;
  }

  /** The registry's HTTP status, or {@link #NO_STATUS}. */
  public int status() {
    return status;
  }

  /**
   * Whether trying again later may succeed: the registry was unreachable or failed (5xx). A 4xx
   * (unknown id, invalid schema) will fail the same way every time.
   */
  public boolean isTransient() {
    return status == NO_STATUS ? getCause() != null : status >= 500;
  }
}
