package io.settleflow.feeds;

/**
 * A settlement file that cannot be read as a whole (missing, too large, not this format, missing
 * required columns). The message is one line meant for a person; nothing of the file is published.
 */
public final class UnreadableFileException extends Exception {
  public UnreadableFileException(String reason) {
    super(reason);
  }

  public UnreadableFileException(String reason, Throwable cause) {
    super(reason, cause);
  }
}
