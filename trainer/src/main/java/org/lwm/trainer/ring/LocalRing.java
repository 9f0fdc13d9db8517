package org.lwm.trainer.ring;

import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * {@link Transport} for sp worker threads in one JVM: one unbounded queue per ring link (senders never wait,
 * so "everyone sends, then everyone receives" cannot deadlock) and a barrier-based all-reduce.
 */
public final class LocalRing {
  private final int size;
  private final LinkedBlockingQueue<KvBlock>[] inbox;
  private final CyclicBarrier barrier;
  private final float[][] reduceSlots;
  private final double[] scalarSlots;

  @SuppressWarnings("unchecked")
  public LocalRing(int size) {
    this.size = size;
    inbox = new LinkedBlockingQueue[size];
    for (int i = 0; i < size; i++) inbox[i] = new LinkedBlockingQueue<>();
    barrier = new CyclicBarrier(size);
    reduceSlots = new float[size][];
    scalarSlots = new double[size];
  }

  public Transport worker(int rank) {
    return new Transport() {
      @Override public int rank() { return rank; }

      @Override public int size() { return size; }

      @Override public void sendNext(KvBlock block) {
        inbox[(rank + 1) % size].add(block);
      }

      @Override public KvBlock receivePrevious() throws InterruptedException {
        return inbox[rank].take();
      }

      @Override public void allReduceSum(float[] data) throws InterruptedException {
        reduceSlots[rank] = data;
        await();
        // each worker sums its own slice of the vector over all workers, then everyone copies the slices
        int n = data.length, lo = (int) ((long) n * rank / size), hi = (int) ((long) n * (rank + 1) / size);
        float[] sum = new float[hi - lo];
        for (int w = 0; w < size; w++) {
          float[] s = reduceSlots[w];
          for (int i = lo; i < hi; i++) sum[i - lo] += s[i];
        }
        await();
        for (int w = 0; w < size; w++) System.arraycopy(sum, 0, reduceSlots[w], lo, sum.length);
        await();
      }

      @Override public double allReduceSum(double value) throws InterruptedException {
        scalarSlots[rank] = value;
        await();
        double s = 0;
        for (int w = 0; w < size; w++) s += scalarSlots[w];
        await();
        return s;
      }
    };
  }

  private void await() throws InterruptedException {
    try {
      barrier.await();
    } catch (BrokenBarrierException e) {
      throw new InterruptedException("ring barrier broken: another worker failed");
    }
  }
}
