package io.settleflow.ingest;

import java.time.Duration;

/**
 * Counts requests being served, so a shutdown can stop taking new ones and wait for those in flight
 * before the pool closes: none is cut off mid-transaction.
 */
public final class InFlightRequests {
  private int inFlight;
  private boolean draining;

  /** False once draining: the request must be refused. */
  public synchronized boolean enter() {
    if (draining) {
      return false;
    }
    inFlight++;
    return true;
  }

  public synchronized void exit() {
    inFlight--;
    if (inFlight == 0) {
      notifyAll();
    }
  }

  public synchronized int count() {
    return inFlight;
  }

  public synchronized boolean draining() {
    return draining;
  }

  /** Refuses new requests from now on, then waits up to the timeout; true when none is left. */
  public synchronized boolean drain(Duration timeout) throws InterruptedException {
    draining = true;
    long deadline = System.nanoTime() + timeout.toNanos();
    while (inFlight > 0) {
      long leftMs = (deadline - System.nanoTime()) / 1_000_000;
      if (leftMs <= 0) {
        return false;
      }
      wait(leftMs);
    }
    return true;
  }
}
