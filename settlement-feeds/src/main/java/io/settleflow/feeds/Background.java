package io.settleflow.feeds;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;

/**
 * One value an import needs later (the import markers, the file's digest), computed on its own
 * daemon thread while the import goes on; {@link #join} waits for it. A task may check the {@code
 * cancelled} flag it is given and stop early once {@link #cancel} was called (the import failed and
 * nobody will ask for the value).
 */
final class Background<T> {
  /** The work; {@code cancelled} turns true once nobody wants the value any more. */
  @FunctionalInterface
  interface Task<T> {
    T call(BooleanSupplier cancelled);
  }

  private final CompletableFuture<T> result = new CompletableFuture<>();
  private volatile boolean cancelled;

  Background(String threadName, Task<T> task) {
    Thread thread =
        new Thread(
            () -> {
              try {
                result.complete(task.call(() -> cancelled));
              } catch (RuntimeException | Error e) {
                result.completeExceptionally(e);
              } finally {
                if (!result.isDone()) {
                  result.completeExceptionally(new IllegalStateException(threadName + " stopped"));
                }
              }
            },
            threadName);
    thread.setDaemon(true);
    thread.start();
  }

  /** The value; what the task threw (a RuntimeException or Error) is thrown here as it was. */
  T join() {
    try {
      return result.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error r) {
        throw r;
      }
      throw e;
    }
  }

  /** Tells the task its value is no longer wanted; it stops at its next check. */
  void cancel() {
    cancelled = true;
  }
}
