package org.lwm.trainer.ring;

/**
 * How one worker talks to the others of its ring (its sequence-parallel group, or its data-parallel group): blocks
 * to the next worker and from the previous one. Threads in one JVM use {@link LocalRing}, Spark barrier tasks in
 * different JVMs {@link TcpTransport}; the sums are built from the same two calls ({@link RingCollectives}), so both
 * give the same bits.
 */
public interface Transport {
  int rank();

  int size();

  /** Sends to worker (rank + 1) mod size; does not wait for the receiver. */
  void sendNext(KvBlock block) throws InterruptedException;

  /** Receives what worker (rank − 1) mod size sent, in order. */
  KvBlock receivePrevious() throws InterruptedException;

  /** In place: every worker's {@code data} becomes the element-wise sum over all workers. */
  default void allReduceSum(float[] data) throws InterruptedException {
    RingCollectives.sum(this, data);
  }

  /** The sum of {@code value} over all workers (added in rank order). */
  default double allReduceSum(double value) throws InterruptedException {
    double[] v = {value};
    RingCollectives.sum(this, v);
    return v[0];
  }

  /** In place: each element becomes its sum over all workers (added in rank order). */
  default void allReduceSum(double[] values) throws InterruptedException {
    RingCollectives.sum(this, values);
  }
}
