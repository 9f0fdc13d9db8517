package org.lwm.trainer.ring;

import java.util.concurrent.LinkedBlockingQueue;

/**
 * {@link Transport} for worker threads in one JVM: one unbounded queue per ring link, so senders never wait and
 * "everyone sends, then everyone receives" cannot deadlock. Blocks are passed by reference (their arrays are not
 * written after they are sent).
 */
public final class LocalRing {
  private final int size;
  private final LinkedBlockingQueue<KvBlock>[] inbox;

  @SuppressWarnings("unchecked")
  public LocalRing(int size) {
    this.size = size;
    inbox = new LinkedBlockingQueue[size];
    for (int i = 0; i < size; i++) inbox[i] = new LinkedBlockingQueue<>();
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
    };
  }
}
