package io.settleflow.feeds;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Hands items from one thread to one consumer thread, in order, so two stages of an import (XML
 * scan | entry building, parsing | encoding and sending, parsing | spooling) use both cores. Items
 * travel in batches of {@link #BATCH_ITEMS} through a queue of {@link #QUEUED_BATCHES}, so memory
 * stays bounded and the producing thread waits when the consumer falls behind.
 *
 * <p>The first failure of the consumer stops it (later items are dropped, never half taken): {@link
 * #add} then returns false, so the producing thread can stop early, and {@link #finish} returns the
 * failure. {@link #close} after a failure of the producing side drops what is still queued and
 * waits for the thread, so nothing is taken after the caller gave up.
 */
final class Handoff<T> implements AutoCloseable {
  /** Items per batch: one queue operation per batch keeps the hand-off cost per item small. */
  static final int BATCH_ITEMS = 512;

  /** Batches queued ahead of the consumer (bounds the memory held between the two threads). */
  static final int QUEUED_BATCHES = 16;

  /** What the consumer thread does with each item, in order. */
  @FunctionalInterface
  interface Consumer<T> {
    void accept(T item) throws Exception;
  }

  private final BlockingQueue<List<T>> queue = new ArrayBlockingQueue<>(QUEUED_BATCHES);
  private final List<T> end = new ArrayList<>(0);
  private final Consumer<T> consumer;
  private final Thread thread;
  private List<T> batch = new ArrayList<>(BATCH_ITEMS);
  private volatile Throwable failure;
  private volatile boolean discard;
  private boolean ended;

  Handoff(String threadName, Consumer<T> consumer) {
    this.consumer = consumer;
    thread = new Thread(this::run, threadName);
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    try {
      for (List<T> next = queue.take(); next != end; next = queue.take()) {
        if (failure != null || discard) {
          continue; // keep taking, so the producing thread never blocks on a full queue
        }
        try {
          for (T item : next) {
            consumer.accept(item);
          }
        } catch (Exception | Error e) {
          failure = e; // an Error too: the producing thread must not wait for a dead consumer
        }
      }
    } catch (InterruptedException e) {
      failure = e;
    }
  }

  /** Queues one item; false when the consumer has failed (the item is dropped). */
  boolean add(T item) {
    batch.add(item);
    if (batch.size() == BATCH_ITEMS) {
      put(batch);
      batch = new ArrayList<>(BATCH_ITEMS);
    }
    return failure == null;
  }

  /** True once {@link #close} gave up on what is queued (the consumer drops the rest). */
  boolean discarding() {
    return discard;
  }

  /** What stopped the consumer, or null; once set, it takes nothing more. */
  Throwable failure() {
    return failure;
  }

  /**
   * A failure to throw on the producing thread: an Error or unchecked exception as it is, a checked
   * one wrapped.
   */
  static RuntimeException rethrow(Throwable failure) {
    if (failure instanceof Error e) {
      throw e;
    }
    if (failure instanceof RuntimeException e) {
      return e;
    }
    return new IllegalStateException("an import stage stopped: " + failure, failure);
  }

  /**
   * Hands on what is left and waits until the consumer took every item; its failure, or null.
   * Called at most once, by the producing thread.
   */
  Throwable finish() {
    if (!batch.isEmpty()) {
      put(batch);
      batch = new ArrayList<>(0);
    }
    end();
    return failure;
  }

  /** Without {@link #finish} first (the producing side failed): drops what is queued, waits. */
  @Override
  public void close() {
    if (!ended) {
      discard = true;
    }
    end();
  }

  private void end() {
    if (ended) {
      return;
    }
    ended = true;
    put(end);
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while importing", e);
    }
  }

  private void put(List<T> items) {
    try {
      queue.put(items);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while importing", e);
    }
  }
}
