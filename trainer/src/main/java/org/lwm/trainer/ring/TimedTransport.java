package org.lwm.trainer.ring;

/**
 * A transport that counts the time its caller spends waiting for blocks (receives, and so every sum built on
 * them): the communication wait of a step; the rest of the step is compute.
 */
public final class TimedTransport implements Transport {
  private final Transport inner;
  private long waitNanos;

  public TimedTransport(Transport inner) {
    this.inner = inner;
  }

  @Override public int rank() { return inner.rank(); }

  @Override public int size() { return inner.size(); }

  @Override
  public void sendNext(KvBlock block) throws InterruptedException {
    long t0 = System.nanoTime();
    inner.sendNext(block);
    waitNanos += System.nanoTime() - t0;
  }

  @Override
  public KvBlock receivePrevious() throws InterruptedException {
    long t0 = System.nanoTime();
    try {
      return inner.receivePrevious();
    } finally {
      waitNanos += System.nanoTime() - t0;
    }
  }

  /** Seconds waited since the last call, and starts counting again. */
  public double takeWaitSeconds() {
    double s = waitNanos / 1e9;
    waitNanos = 0;
    return s;
  }
}
