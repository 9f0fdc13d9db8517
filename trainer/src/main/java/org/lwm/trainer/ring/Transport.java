package org.lwm.trainer.ring;

/**
 * How one sequence-parallel worker talks to the others: blocks to the next worker on the ring and from the
 * previous one, and sums over all workers. Threads in one JVM use {@link LocalRing}; a TCP transport between
 * JVMs (Spark barrier tasks) implements the same four calls, which is why messages are plain serializable
 * records.
 */
public interface Transport {
  int rank();

  int size();

  /** Sends to worker (rank + 1) mod size; does not wait for the receiver. */
  void sendNext(KvBlock block) throws InterruptedException;

  /** Receives what worker (rank − 1) mod size sent, in order. */
  KvBlock receivePrevious() throws InterruptedException;

  /** In place: every worker's {@code data} becomes the element-wise sum over all workers. */
  void allReduceSum(float[] data) throws InterruptedException;

  /** The sum of {@code value} over all workers. */
  double allReduceSum(double value) throws InterruptedException;
}
